/**
 * Queries of a workflow from an activity, with patience. A query needs a worker to answer it: right
 * after the worker holding the workflow died, or on a loaded host, one can fail or time out although
 * nothing is wrong. Failing the activity for that would spend its retries (and stop a sprint), so a
 * query is retried with backoff, heartbeating, until the activity is cancelled or `patienceMs` passed.
 */
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import { emitEvent } from '../logging';

export async function patientQuery<T>(what: string, query: () => Promise<T>, patienceMs = 5 * 60_000): Promise<T> {
  const ctx = Context.current();
  const deadline = Date.now() + patienceMs;
  for (let attempt = 1, delayMs = 500; ; attempt += 1, delayMs = Math.min(delayMs * 2, 5_000)) {
    try {
      return await query();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError || Date.now() + delayMs > deadline || ctx.cancellationSignal.aborted) throw err;
      if (attempt === 1 || attempt % 10 === 0) emitEvent({ type: 'QUERY_RETRYING', what, attempt, error: (err as Error).message.slice(0, 300) });
      ctx.heartbeat(ctx.info.heartbeatDetails);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
