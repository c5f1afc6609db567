/** ISO instants as the old runner's _normalize_iso read them, compared by instant (src/domain/time.ts). */
import { parseIsoInstant } from '../../src/domain/time';

describe('parseIsoInstant', () => {
  it('reads Z, offsets and any number of fractional digits', () => {
    const base = Date.UTC(2026, 1, 9, 21, 5, 48);
    expect(parseIsoInstant('2026-02-09T21:05:48Z')).toBe(base);
    expect(parseIsoInstant('2026-02-09T21:05:48.123456Z')).toBeCloseTo(base + 123.456, 6);
    expect(parseIsoInstant('2026-02-09T23:05:48+02:00')).toBe(base);
    expect(parseIsoInstant('2026-02-09T20:05:48-0100')).toBe(base);
  });
  it('reads a timestamp without offset as UTC (deviation: the old runner used the local zone)', () => {
    expect(parseIsoInstant('2026-02-09T21:05:48')).toBe(Date.UTC(2026, 1, 9, 21, 5, 48));
    expect(parseIsoInstant('2026-02-09')).toBe(Date.UTC(2026, 1, 9));
  });
  it.each(['', 'yesterday', '2026-02-30T00:00:00Z', '2026-02-09T25:00:00Z', '2026-02-09T21:05:48 Z'])('%j is not an instant', (text) => {
    expect(parseIsoInstant(text)).toBeNull();
  });
  it('non-strings are not instants', () => {
    expect(parseIsoInstant(1760000000000)).toBeNull();
    expect(parseIsoInstant(null)).toBeNull();
  });
});
