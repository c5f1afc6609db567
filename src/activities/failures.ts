/**
 * How activity errors cross into workflows: an ApplicationFailure whose type is the error class
 * and whose first detail carries the old runner's error code and classification. TRANSIENT failures stay
 * retryable (Temporal retries them with backoff, a bounded number of times); ITEM_STOP and
 * HARD_STOP are non-retryable.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { classifyFailure } from '../domain/classify';
import { HttpError, RunnerError } from '../domain/errors';

export function toActivityFailure(err: unknown): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  const classification = classifyFailure(err);
  const runnerError = err instanceof RunnerError ? err : null;
  return ApplicationFailure.create({
    type: runnerError?.name ?? 'Error',
    message: (err as Error)?.message ?? String(err),
    nonRetryable: classification !== 'TRANSIENT',
    details: [
      {
        code: runnerError?.code ?? 'unknown_error',
        classification,
        details: runnerError && !(err instanceof HttpError) ? runnerError.details : undefined,
        status_code: err instanceof HttpError ? err.statusCode : undefined,
        payload: err instanceof HttpError ? err.payload : undefined,
      },
    ],
  });
}

/**
 * For activities that do not heartbeat with their own details: a plain heartbeat every few seconds,
 * so that with a heartbeat timeout a worker that died mid-call is noticed in seconds, not after the
 * start-to-close timeout.
 */
export function heartbeating<A extends unknown[], R>(fn: (...args: A) => Promise<R>, everyMs = 5_000): (...args: A) => Promise<R> {
  return async (...args: A) => {
    const ctx = Context.current();
    // A local activity lives inside its workflow task, which the worker keeps alive: no heartbeats.
    if (ctx.info.isLocal) return fn(...args);
    const beat = setInterval(() => ctx.heartbeat(), everyMs);
    try {
      return await fn(...args);
    } finally {
      clearInterval(beat);
    }
  };
}

/** Wraps an activity so every thrown error is converted as above. */
export function classified<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args: A) => {
    try {
      return await fn(...args);
    } catch (err) {
      // A cancelled activity (watchdog, shutdown) reports the cancellation, not what it broke.
      if (err instanceof CancelledFailure) throw err;
      if (Context.current().cancellationSignal.aborted) throw new CancelledFailure((err as Error)?.message ?? 'cancelled');
      throw toActivityFailure(err);
    }
  };
}
