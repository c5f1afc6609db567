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
 *
 * And trace propagation for the optional OpenTelemetry tracing (src/telemetry/tracing.ts): the
 * `_tracer-data` header the workflow was started with (by a traced client) is put on the activities,
 * local activities and child workflows it schedules and on its continue-as-new, unless they carry
 * one already — so their spans are in the trace of the call that started the workflow. A header
 * changes no command (the server does not compare headers on replay); a workflow started without one
 * (tracing off, every recorded history) schedules exactly what it did before.
 */
import {
  metricMeter,
  type ActivityInput,
  type ContinueAsNewInput,
  type Headers,
  type LocalActivityInput,
  type Next,
  type StartChildWorkflowExecutionInput,
  type UpdateInput,
  type WorkflowExecuteInput,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptors,
  type WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';

// Kept in step with src/telemetry/metrics.ts (this module runs in the workflow sandbox and imports nothing of ours).
const REWORK_REQUESTS = 'sprint_runner_rework_requests';
const BLOCKED_RETRIES = 'sprint_runner_blocked_retries';
const REWORK_UPDATE = 'requestRework';
const BLOCKED_RETRY_ACTIVITY = 'retryBlockedItem';
// @temporalio/interceptors-opentelemetry's TRACE_HEADER.
const TRACE_HEADER = '_tracer-data';

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

/** The trace header of this workflow run (one per workflow: the factory below makes one per run). */
interface TraceCarrier {
  header?: Headers[string];
}

class TraceFromStart implements WorkflowInboundCallsInterceptor {
  constructor(private readonly carrier: TraceCarrier) {}

  execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const header = input.headers[TRACE_HEADER];
    if (header) this.carrier.header = header;
    return next(input);
  }
}

class TraceOnward implements WorkflowOutboundCallsInterceptor {
  constructor(private readonly carrier: TraceCarrier) {}

  private withTrace<T extends { headers: Headers }>(input: T): T {
    const header = this.carrier.header;
    if (!header || input.headers[TRACE_HEADER]) return input;
    return { ...input, headers: { ...input.headers, [TRACE_HEADER]: header } };
  }

  scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>): Promise<unknown> {
    return next(this.withTrace(input));
  }

  scheduleLocalActivity(input: LocalActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>): Promise<unknown> {
    return next(this.withTrace(input));
  }

  startChildWorkflowExecution(
    input: StartChildWorkflowExecutionInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'startChildWorkflowExecution'>,
  ): Promise<[Promise<string>, Promise<unknown>]> {
    return next(this.withTrace(input));
  }

  continueAsNew(input: ContinueAsNewInput, next: Next<WorkflowOutboundCallsInterceptor, 'continueAsNew'>): Promise<never> {
    return next(this.withTrace(input));
  }
}

export const interceptors = (): WorkflowInterceptors => {
  const carrier: TraceCarrier = {};
  return {
    inbound: [new ReworkMetrics(), new TraceFromStart(carrier)],
    outbound: [new BlockedRetryMetrics(), new TraceOnward(carrier)],
  };
};
