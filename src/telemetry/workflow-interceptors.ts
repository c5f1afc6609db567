/**
 * Workflow-side metrics (a workflow interceptor module: the worker bundles it with the workflows).
 * It only observes: it schedules nothing, waits on nothing it did not get from the workflow and
 * changes no result, so it adds no command and every recorded history replays the same with it.
 * The SDK's workflow metric meter records nothing while a workflow replays, so a value is counted
 * once, when the workflow first runs past it.
 *
 * - sprint_runner_rework_requests{result}: the item workflow's `requestRework` update — `rejected`
 *   by its validator, `landed` (the transition to In Review happened) or `failed`.
 * - sprint_runner_blocked_retries{classification, error_code, result}: the item workflow's
 *   Blocked → Ready retry (the `retryBlockedItem` activity it schedules when the cooldown ends),
 *   `landed` or `failed`.
 */
import { metricMeter, type ActivityInput, type Next, type UpdateInput, type WorkflowInboundCallsInterceptor, type WorkflowInterceptors, type WorkflowOutboundCallsInterceptor } from '@temporalio/workflow';

// Kept in step with src/telemetry/metrics.ts (this module runs in the workflow sandbox and imports nothing of ours).
const REWORK_REQUESTS = 'sprint_runner_rework_requests';
const BLOCKED_RETRIES = 'sprint_runner_blocked_retries';
const REWORK_UPDATE = 'requestRework';
const BLOCKED_RETRY_ACTIVITY = 'retryBlockedItem';

function count(name: string, description: string, tags: Record<string, string>): void {
  try {
    metricMeter.createCounter(name, '', description).add(1, tags);
  } catch {
    // metrics never fail a workflow task
  }
}

function whenSettled(promise: Promise<unknown>, onSettled: (result: 'landed' | 'failed') => void): void {
  // A derived promise: the caller still gets `promise` itself, with its own rejection handling.
  promise.then(
    () => onSettled('landed'),
    () => onSettled('failed'),
  );
}

class ReworkMetrics implements WorkflowInboundCallsInterceptor {
  validateUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'validateUpdate'>): void {
    try {
      next(input);
    } catch (err) {
      if (input.name === REWORK_UPDATE) count(REWORK_REQUESTS, 'Rework requests, by result', { result: 'rejected' });
      throw err;
    }
  }

  handleUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'handleUpdate'>): Promise<unknown> {
    const handled = next(input);
    if (input.name === REWORK_UPDATE) whenSettled(handled, (result) => count(REWORK_REQUESTS, 'Rework requests, by result', { result }));
    return handled;
  }
}

class BlockedRetryMetrics implements WorkflowOutboundCallsInterceptor {
  scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>): Promise<unknown> {
    const scheduled = next(input);
    if (input.activityType === BLOCKED_RETRY_ACTIVITY) {
      const request = (input.args[0] ?? {}) as { classification?: unknown; errorCode?: unknown };
      const tags = {
        classification: typeof request.classification === 'string' ? request.classification : 'unknown',
        error_code: typeof request.errorCode === 'string' ? request.errorCode : 'unknown',
      };
      whenSettled(scheduled, (result) => count(BLOCKED_RETRIES, 'Blocked items moved back to Ready, by result', { ...tags, result }));
    }
    return scheduled;
  }
}

export const interceptors = (): WorkflowInterceptors => ({
  inbound: [new ReworkMetrics()],
  outbound: [new BlockedRetryMetrics()],
});
