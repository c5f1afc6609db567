/**
 * The beats of a running Codex session: Temporal heartbeats every 5 s, the old runner's WORKER_HEARTBEAT
 * event every 30 s with the elapsed seconds (../../docs/spec/runner-behaviour.md §3.1 step 3, §11), both stopped
 * with the run. Fake timers: the cadence, not the wall clock, is under test.
 */
import { startRunBeats } from '../../src/activities/codex-activity-session';

describe('startRunBeats', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('heartbeats every 5 s and announces WORKER_HEARTBEAT every 30 s with elapsed seconds', () => {
    const heartbeats: number[] = [];
    const announced: number[] = [];
    const stop = startRunBeats({ heartbeat: (s) => heartbeats.push(s), announce: (s) => announced.push(s) });
    jest.advanceTimersByTime(29_999);
    expect(announced).toEqual([]);
    expect(heartbeats).toEqual([5, 10, 15, 20, 25]);
    jest.advanceTimersByTime(1);
    expect(announced).toEqual([30]);
    jest.advanceTimersByTime(60_000);
    expect(announced).toEqual([30, 60, 90]);
    expect(heartbeats).toHaveLength(18);
    stop();
    jest.advanceTimersByTime(120_000);
    expect(announced).toEqual([30, 60, 90]);
    expect(heartbeats).toHaveLength(18);
  });
});
