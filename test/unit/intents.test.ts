/**
 * RUN_INTENT validation (../../docs/spec/runner-behaviour.md §2.4): the old runner's test_intents cases, one case per
 * error code (the eleven of the old runner and ours), check order, and the intent hash vector.
 */
import { IntentError } from '../../src/domain/errors';
import { intentHash } from '../../src/domain/intent-hash';
import { decodeIntentLine, ENDPOINT_ALLOWLIST, isBlankIntentLine, jsonNestingDepth, MAX_INTENT_DEPTH, MAX_INTENT_LINE_BYTES, parseIntentLine } from '../../src/domain/intents';

const RUN = '11111111-1111-4111-8111-111111111111';
const CLAIM = '/internal/executor/claim-ready-item';
const RESOLVE = '/internal/reviewer/resolve-linked-pr';
const claimIntent = { type: 'RUN_INTENT', role: 'EXECUTOR', run_id: RUN, endpoint: CLAIM, body: { role: 'EXECUTOR', run_id: RUN, sprint: 'M1' } };

const line = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));
function rejection(value: unknown): IntentError {
  try {
    parseIntentLine(line(value));
  } catch (err) {
    if (err instanceof IntentError) return err;
    throw err;
  }
  throw new Error('intent was accepted');
}

describe("test_intents (the old runner's cases 1–5)", () => {
  it('1: an extra key is intent_unknown_fields', () => {
    expect(rejection({ ...claimIntent, extra: 1 }).code).toBe('intent_unknown_fields');
  });
  it('2: body.role different from role is intent_role_mismatch', () => {
    expect(rejection({ ...claimIntent, body: { ...claimIntent.body, role: 'REVIEWER' } }).code).toBe('intent_role_mismatch');
  });
  it('3: body.run_id different from run_id is intent_run_id_mismatch', () => {
    expect(rejection({ ...claimIntent, body: { ...claimIntent.body, run_id: '22222222-2222-4222-8222-222222222222' } }).code).toBe('intent_run_id_mismatch');
  });
  it('4: an EXECUTOR on update-field is intent_endpoint_not_allowed', () => {
    expect(rejection({ ...claimIntent, endpoint: '/internal/project-item/update-field' }).code).toBe('intent_endpoint_not_allowed');
  });
  it('5: an EXECUTOR fix-up on resolve-linked-pr is accepted with its endpoint', () => {
    const raw = { type: 'RUN_INTENT', role: 'EXECUTOR', run_id: RUN, endpoint: RESOLVE, body: { role: 'EXECUTOR', issue_number: 3, run_id: RUN } };
    const intent = parseIntentLine(JSON.stringify(raw));
    expect(intent).toEqual({ type: 'RUN_INTENT', role: 'EXECUTOR', run_id: RUN, endpoint: RESOLVE, body: raw.body, raw });
  });
});

describe("every rejection, with the old runner's message and details", () => {
  it.each([
    ['intent_invalid_json', '{"type":', 'orchestrator emitted invalid JSONL'],
    ['intent_invalid_type', [claimIntent], 'intent line must be a JSON object'],
    ['intent_type_mismatch', { ...claimIntent, type: 'RUN' }, 'intent type mismatch'],
    ['intent_invalid_role', { ...claimIntent, role: 'ORCHESTRATOR' }, 'intent role must be EXECUTOR or REVIEWER'],
    ['intent_missing_run_id', { ...claimIntent, run_id: '   ' }, 'intent run_id is required'],
    ['intent_invalid_endpoint', { ...claimIntent, endpoint: '/api/claim' }, 'intent endpoint is required'],
    ['intent_invalid_body', { ...claimIntent, body: [] }, 'intent body must be an object'],
    ['intent_invalid_run_id', { ...claimIntent, run_id: 'run-1', body: { ...claimIntent.body, run_id: 'run-1' } }, 'intent run_id must be a UUIDv4'],
  ])('%s', (code, value, message) => {
    const error = rejection(value);
    expect(error).toMatchObject({ code, message });
  });
  it('intent_unknown_fields lists the extra keys sorted', () => {
    expect(rejection({ ...claimIntent, zeta: 1, alpha: 2 })).toMatchObject({ message: 'intent has unknown fields', details: { fields: ['alpha', 'zeta'] } });
  });
  it('intent_type_mismatch reports the type it saw', () => {
    expect(rejection({ ...claimIntent, type: 'RUN' }).details).toEqual({ type: 'RUN' });
  });
  it('intent_invalid_json carries the parser error', () => {
    expect(rejection('not json').details).toEqual({ error: expect.any(String) });
  });
  it('intent_endpoint_not_allowed names role, endpoint and the sorted allowlist', () => {
    const error = rejection({ ...claimIntent, role: 'REVIEWER', body: { ...claimIntent.body, role: 'REVIEWER' } });
    expect(error).toMatchObject({
      code: 'intent_endpoint_not_allowed',
      message: 'intent endpoint is not allowed for role',
      details: { role: 'REVIEWER', endpoint: CLAIM, allowed: [RESOLVE] },
    });
  });
  it('intent_role_mismatch compares with the normalised role, exactly', () => {
    const error = rejection({ ...claimIntent, role: ' executor ', body: { ...claimIntent.body, role: 'executor' } });
    expect(error).toMatchObject({ code: 'intent_role_mismatch', message: 'intent body.role must match intent role' });
  });
  it('intent_run_id_mismatch compares unstripped values', () => {
    expect(rejection({ ...claimIntent, body: { ...claimIntent.body, run_id: ` ${RUN}` } })).toMatchObject({
      code: 'intent_run_id_mismatch',
      message: 'intent body.run_id must match intent run_id',
    });
  });
  it('intent_line_too_long is checked before parsing (bytes, not characters)', () => {
    const padding = 'é'.repeat(MAX_INTENT_LINE_BYTES / 2);
    expect(padding.length).toBeLessThan(MAX_INTENT_LINE_BYTES);
    expect(rejection(`{${padding}`)).toMatchObject({ code: 'intent_line_too_long', message: 'intent line exceeds 1 MiB' });
  });
});

describe('check order and normalisation', () => {
  it('the first failing check wins', () => {
    expect(rejection({ ...claimIntent, type: 'X', extra: 1 }).code).toBe('intent_unknown_fields');
    expect(rejection({ ...claimIntent, role: 'X', run_id: '' }).code).toBe('intent_invalid_role');
    // Our UUID check sits between check 6 (run_id present) and check 7 (endpoint).
    expect(rejection({ ...claimIntent, run_id: 'run-1', endpoint: 'nope' }).code).toBe('intent_invalid_run_id');
    expect(rejection({ ...claimIntent, endpoint: '/internal/x', body: 'nope' }).code).toBe('intent_endpoint_not_allowed');
  });
  it('role is case-insensitive and the endpoint is trimmed; raw keeps the line as printed', () => {
    const raw = { ...claimIntent, role: ' executor ', endpoint: `  ${CLAIM} ` };
    const intent = parseIntentLine(JSON.stringify(raw));
    expect(intent).toMatchObject({ role: 'EXECUTOR', endpoint: CLAIM, raw });
  });
  it('allowlist per role', () => {
    expect(ENDPOINT_ALLOWLIST).toEqual({ EXECUTOR: [CLAIM, RESOLVE], REVIEWER: [RESOLVE] });
  });
});

// ../../docs/spec/runner-behaviour.md §2.4
describe('intent hash', () => {
  it("matches the old runner's vector", () => {
    expect(intentHash(claimIntent)).toBe('6012cd57eb9b4be26ab1c4aaa790ef82cf74539abc856008c5a4e9d6ba880929');
  });
  it('ignores key order and depends on every value', () => {
    const reordered = { body: { sprint: 'M1', run_id: RUN, role: 'EXECUTOR' }, endpoint: CLAIM, run_id: RUN, role: 'EXECUTOR', type: 'RUN_INTENT' };
    expect(intentHash(reordered)).toBe(intentHash(claimIntent));
    expect(intentHash({ ...claimIntent, body: { ...claimIntent.body, sprint: 'M2' } })).not.toBe(intentHash(claimIntent));
  });
});

describe('strict JSON, exact numbers, nesting, issue_number (our checks)', () => {
  const review = (body: Record<string, unknown>) => ({ type: 'RUN_INTENT', role: 'REVIEWER', run_id: RUN, endpoint: RESOLVE, body: { role: 'REVIEWER', run_id: RUN, ...body } });
  it('a leading UTF-8 BOM is invalid JSON (as Python json.loads says), a BOM-only line too', () => {
    for (const text of [`\uFEFF${JSON.stringify(claimIntent)}`, '\uFEFF']) {
      expect(rejection(text)).toMatchObject({
        code: 'intent_invalid_json',
        message: 'orchestrator emitted invalid JSONL',
        details: { error: 'Unexpected UTF-8 BOM: line 1 column 1 (char 0)' },
      });
    }
  });
  it('a BOM-only line is not blank (Python strip() keeps U+FEFF); Python whitespace is', () => {
    expect(isBlankIntentLine('\uFEFF')).toBe(false);
    expect(isBlankIntentLine(' \t\r\u000b\u000c\u001c\u0085\u00a0\u3000')).toBe(true);
    expect(isBlankIntentLine('')).toBe(true);
  });
  it.each(['9007199254740993', '-9007199254740993', '9007199254740992', '1e400', '123456789012345678901234567890'])('%s is intent_unsafe_integer, never rounded', (number) => {
    const text = JSON.stringify(review({ issue_number: 7 })).replace('"issue_number":7', `"issue_number":${number}`);
    expect(rejection(text)).toMatchObject({
      code: 'intent_unsafe_integer',
      message: 'intent has a number JSON.parse cannot hold exactly (integers must be within ±9007199254740991)',
    });
  });
  it('unsafe numbers anywhere in the line are refused; safe integers and fractions pass', () => {
    expect(rejection(JSON.stringify(claimIntent).replace('"sprint":"M1"', '"sprint":"M1","x":[1,{"y":18446744073709551616}]')).code).toBe('intent_unsafe_integer');
    expect(parseIntentLine(JSON.stringify(review({ issue_number: 9007199254740991, ratio: 0.1 }))).body.issue_number).toBe(9007199254740991);
  });
  it('10,000 levels of nesting is intent_too_deep (no stack overflow); MAX_INTENT_DEPTH levels pass', () => {
    const nested = (depth: number) =>
      JSON.stringify(review({ issue_number: 7 })).replace('"issue_number":7', `"issue_number":7,"x":${'['.repeat(depth - 2)}${']'.repeat(depth - 2)}`);
    expect(rejection(nested(10_000))).toMatchObject({ code: 'intent_too_deep', message: `intent line nests deeper than ${MAX_INTENT_DEPTH} levels` });
    expect(rejection(nested(MAX_INTENT_DEPTH + 1)).code).toBe('intent_too_deep');
    expect(parseIntentLine(nested(MAX_INTENT_DEPTH)).role).toBe('REVIEWER');
    // Brackets inside strings are text, not nesting.
    expect(parseIntentLine(JSON.stringify(review({ issue_number: 7, note: '['.repeat(1000) }))).role).toBe('REVIEWER');
  });
  it('nesting is measured iteratively and ignores escaped quotes in strings', () => {
    expect(jsonNestingDepth('{"a":"\\"[[[","b":[[1]]}')).toBe(3);
    expect(jsonNestingDepth('['.repeat(1_000_000), 10)).toBe(11);
  });
  it.each([
    ['missing', {}, 'missing'],
    ['a string', { issue_number: '950' }, '"950"'],
    ['negative', { issue_number: -1 }, '-1'],
    ['zero', { issue_number: 0 }, '0'],
    ['a fraction', { issue_number: 1.5 }, '1.5'],
    ['null', { issue_number: null }, 'null'],
  ])('resolve-linked-pr with issue_number %s is intent_invalid_issue_number', (_name, body, shown) => {
    for (const role of ['REVIEWER', 'EXECUTOR']) {
      const line = { ...review(body), role, body: { ...review(body).body, role } };
      expect(rejection(line)).toMatchObject({
        code: 'intent_invalid_issue_number',
        message: 'intent body.issue_number must be a positive integer for /internal/reviewer/resolve-linked-pr',
        details: { role, endpoint: RESOLVE, issue_number: shown },
      });
    }
  });
  it('a claim needs no issue_number (it is bound through the state file)', () => {
    expect(parseIntentLine(JSON.stringify(claimIntent)).endpoint).toBe(CLAIM);
  });
});

describe('decodeIntentLine', () => {
  it('keeps a leading BOM (TextDecoder drops it by default), so parseIntentLine can refuse it', () => {
    expect(decodeIntentLine(Buffer.from('\uFEFF{}', 'utf8'))).toBe('\uFEFF{}');
  });
});
