/**
 * Token usage of a Codex run, from the activity to the metrics interceptor in the same process:
 * the Codex session (src/activities/codex-activity-session.ts) reports what its process used when it
 * ends — success, failure or cancellation alike — and the runCodexWorker interceptor
 * (activity-interceptor.ts) takes it when the activity returns. Keyed by the activity's Context
 * object (the one the SDK hands to interceptors and to Context.current()), so nothing leaks between
 * concurrent runs and nothing outlives the activity.
 */

/** Token counts of one run by kind, as Codex reports them (`input` includes cached input, `output` reasoning output). */
export interface RunTokenUsage {
  input: number;
  output: number;
  total: number;
}

const byContext = new WeakMap<object, RunTokenUsage>();

/** Adds `usage` to what the activity of `ctx` has used (an activity may open more than one Codex session). */
export function reportCodexTokenUsage(ctx: object, usage: RunTokenUsage): void {
  const known = byContext.get(ctx);
  byContext.set(ctx, known ? { input: known.input + usage.input, output: known.output + usage.output, total: known.total + usage.total } : { ...usage });
}

/** What the activity of `ctx` reported (and forgets it), or null when it reported nothing. */
export function takeCodexTokenUsage(ctx: object): RunTokenUsage | null {
  const usage = byContext.get(ctx) ?? null;
  byContext.delete(ctx);
  return usage;
}

/** What the session reported for `ctx`, else a bare total (from a result or heartbeat; null = none). */
export function reportedOrTotal(ctx: object, total: number | null): RunTokenUsage {
  return takeCodexTokenUsage(ctx) ?? { input: 0, output: 0, total: total ?? 0 };
}

/**
 * The counter increments of one run, by kind: `input` and `output` as reported, and `other` for
 * what the total has beyond them (a transport that reports only a total) — so the sum over kinds is
 * always the run's total.
 */
export function tokenIncrements(usage: RunTokenUsage): Array<{ kind: 'input' | 'output' | 'other'; value: number }> {
  const whole = (value: number) => (Number.isFinite(value) && value > 0 ? Math.round(value) : 0);
  const input = whole(usage.input);
  const output = whole(usage.output);
  const other = Math.max(0, whole(usage.total) - input - output);
  return (
    [
      ['input', input],
      ['output', output],
      ['other', other],
    ] as const
  )
    .filter(([, value]) => value > 0)
    .map(([kind, value]) => ({ kind, value }));
}
