/**
 * Metrics of what activities did, read from outside them (no activity code changes): an inbound
 * interceptor sees each activity's name, input, result or failure, and the heartbeats it sends.
 * What each activity is known by (its registered name) and which fields are read:
 *
 * - runCodexWorker: input.intent.role; result role/status/outcome; a failure's
 *   details[0].classification, or `cancelled`. Tokens: what the run's Codex session reported when it
 *   ended (codex-usage.ts: input and output), else a `tokens` total on the result or the last
 *   heartbeat (counted as kind `other`).
 * - runOrchestratorTick (one activity per tick): input.sprint; result.routed, result.summary.status_counts.
 * - runOrchestrator (the tick's first half): input.sprint; result.inline.summary.status_counts (a
 *   `staged` result carries no summary: that tick leaves the board gauge as it was).
 * - routeIntents (its second half): input.sprint; result.routed.
 * - any of the three: an IntentError / SummaryError failure's details[0].code is the refusal reason.
 *
 * Recording never throws into the activity: a metric is not worth failing a run for.
 */
import type { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure, type MetricMeter } from '@temporalio/common';
import type { ActivityInterceptors, ActivityInterceptorsFactory } from '@temporalio/worker';
import { BoardStatusSchema } from '../contracts/messages';
import { reportedOrTotal, tokenIncrements } from './codex-usage';
import { runnerMetrics } from './metrics';

const TICK_ACTIVITIES = new Set(['runOrchestratorTick', 'runOrchestrator', 'routeIntents']);
const REFUSAL_TYPES = new Set(['IntentError', 'SummaryError']);

export function metricsActivityInterceptors(meter: () => MetricMeter): ActivityInterceptorsFactory {
  return (ctx: Context): ActivityInterceptors => {
    const name = ctx.info.activityType;
    if (name === 'runCodexWorker') return { inbound: { execute: (input, next) => observeCodexRun(ctx, meter, input.args[0], () => next(input)) } };
    if (TICK_ACTIVITIES.has(name)) return { inbound: { execute: (input, next) => observeTick(meter, input.args[0], () => next(input)) } };
    return {};
  };
}

async function observeCodexRun(ctx: Context, meter: () => MetricMeter, input: unknown, run: () => Promise<unknown>): Promise<unknown> {
  const intent = (input as { intent?: { role?: unknown } } | undefined)?.intent;
  let role = typeof intent?.role === 'string' ? intent.role : 'unknown';
  let lastTokens: number | null = null;
  watchHeartbeats(ctx, (details) => {
    const tokens = (details as { tokens?: unknown } | undefined)?.tokens;
    if (typeof tokens === 'number' && Number.isFinite(tokens)) lastTokens = tokens;
  });
  const startedAt = Date.now();
  const record = (status: string, outcome: string, classification: string, tokens: number | null) => {
    safely(() => {
      const metrics = runnerMetrics(meter());
      metrics.codexRuns.add(1, { role, status, outcome, classification });
      metrics.codexRunDuration.record(Date.now() - startedAt, { role, status });
      for (const { kind, value } of tokenIncrements(reportedOrTotal(ctx, tokens))) metrics.codexTokens.add(value, { role, kind });
    });
  };
  try {
    const result = (await run()) as { role?: unknown; status?: unknown; outcome?: unknown; tokens?: unknown } | undefined;
    if (typeof result?.role === 'string') role = result.role;
    const tokens = typeof result?.tokens === 'number' ? result.tokens : lastTokens;
    record(typeof result?.status === 'string' ? result.status : 'unknown', typeof result?.outcome === 'string' ? result.outcome : 'none', 'none', tokens);
    return result;
  } catch (err) {
    if (err instanceof CancelledFailure || ctx.cancellationSignal.aborted) record('cancelled', 'none', 'CANCELLED', lastTokens);
    else record('error', 'none', failureDetail(err, 'classification') ?? 'TRANSIENT', lastTokens);
    throw err;
  }
}

async function observeTick(meter: () => MetricMeter, input: unknown, run: () => Promise<unknown>): Promise<unknown> {
  const sprintName = (input as { sprint?: unknown } | undefined)?.sprint;
  const sprint = typeof sprintName === 'string' ? sprintName : 'unknown';
  try {
    type Summary = { status_counts?: unknown } | null;
    const result = (await run()) as { routed?: unknown; summary?: Summary; inline?: { summary?: Summary } } | undefined;
    safely(() => {
      const metrics = runnerMetrics(meter());
      if (typeof result?.routed === 'number' && result.routed > 0) metrics.intentsRouted.add(result.routed, { sprint });
      const counts = (result?.summary ?? result?.inline?.summary)?.status_counts;
      if (counts && typeof counts === 'object') {
        // Every known status is set, so a status the board no longer has drops to 0 instead of keeping its old count.
        for (const status of BoardStatusSchema.options) {
          const value = (counts as Record<string, unknown>)[status];
          metrics.boardItems.set(typeof value === 'number' && value >= 0 ? value : 0, { sprint, status });
        }
      }
    });
    return result;
  } catch (err) {
    if (err instanceof ApplicationFailure && err.type && REFUSAL_TYPES.has(err.type)) {
      const reason = failureDetail(err, 'code') ?? err.type;
      safely(() => runnerMetrics(meter()).intentsRefused.add(1, { sprint, reason }));
    }
    throw err;
  }
}

/** Calls `onBeat` with every heartbeat's details the activity sends (Context.heartbeat and the module-level heartbeat). */
function watchHeartbeats(ctx: Context, onBeat: (details: unknown) => void): void {
  // The SDK's Context sends every heartbeat through its injected heartbeatFn; wrapping it is the only
  // way to see the details without changing the activity.
  const holder = ctx as unknown as { heartbeatFn?: (details?: unknown) => void };
  const send = holder.heartbeatFn;
  if (typeof send !== 'function') return;
  holder.heartbeatFn = (details?: unknown) => {
    safely(() => onBeat(details));
    send.call(ctx, details);
  };
}

function failureDetail(err: unknown, key: string): string | null {
  if (!(err instanceof ApplicationFailure)) return null;
  const first = err.details?.[0] as Record<string, unknown> | undefined;
  const value = first?.[key];
  return typeof value === 'string' && value ? value : null;
}

function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // metrics never fail an activity
  }
}
