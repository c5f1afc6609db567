/**
 * A Codex run is paid for once. When its activity's completion cannot reach the server (an outage
 * while the run finished), the server retries the activity after its heartbeat timeout — on any
 * host. So when Codex is done, the activity records the result in its item workflow (a signal,
 * retried until the server takes it; the activity waits for it briefly), and a retried attempt first asks the item workflow for a
 * recorded result of its run_id (a query) and returns that instead of starting Codex again.
 *
 * The recorded result lives in the item workflow's history (the signal) and in its memory until
 * the run ends (then it is dropped; it is never carried through continue-as-new). A claim run's
 * claimed item is recorded the same way, as soon as its claim call answered (claimRecorder).
 */
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { MESSAGE_VERSION } from '../contracts/messages';
import { CLAIM_ENDPOINT } from '../domain/intents';
import { emitEvent } from '../logging';
import { heldClaimQuery, recoveredRunResultQuery, runClaimedSignal, runResultRecordedSignal } from '../workflows/item/messages';
import type { CodexRunInput, WorkerResult } from '../workflows/item/ports';
import type { ClaimRecorder } from './codex-worker';

type RunResult = WorkerResult & { attempt?: number };

/** How long a finished run keeps trying to record its result while the server is unreachable. */
const RECORD_RESULT_PATIENCE_MS = 5 * 60_000;
/** How long the activity waits for the record before it completes anyway. */
const RECORD_WAIT_MS = 2_000;

export function withRecoverableResult(client: () => Client, run: (input: CodexRunInput) => Promise<RunResult>): (input: CodexRunInput) => Promise<RunResult> {
  return async (input) => {
    const ctx = Context.current();
    const workflowId = ctx.info.workflowExecution?.workflowId;
    if (!workflowId) return run(input);
    const runId = input.intent.run_id;
    const item = () => client().workflow.getHandle(workflowId);
    if (ctx.info.attempt > 1) {
      const recovered = await item()
        .query(recoveredRunResultQuery, { runId })
        .catch(() => null);
      if (recovered) {
        emitEvent({ type: 'CODEX_RESULT_RECOVERED', run_id: runId, role: input.intent.role, attempt: ctx.info.attempt, recorded_by_attempt: recovered.attempt ?? null });
        return recovered;
      }
      // A claim run that vanished with its worker after its claim landed must not run Codex again
      // now: with its item In Progress, the backend hands the same run_id the next Ready item (a
      // second claim) and the held item is stranded. Returning "nothing claimed" lets the item
      // workflow release the held item and run the intent again, whose claim then gets it back
      // (resumeLostClaim). An attempt that failed instead says so in its last heartbeat
      // (`failedRunId`): its retry runs Codex as any failed run's does.
      const failedBefore = (ctx.info.heartbeatDetails as { failedRunId?: string } | undefined)?.failedRunId === runId;
      const held =
        input.intent.endpoint === CLAIM_ENDPOINT && !failedBefore
          ? await item()
              .query(heldClaimQuery, { runId })
              .catch(() => null)
          : null;
      if (held) {
        emitEvent({ type: 'CLAIM_RETRY_NOT_RUN', run_id: runId, attempt: ctx.info.attempt, issue_number: held.issueNumber });
        return {
          run_id: runId,
          role: input.intent.role,
          status: 'succeeded',
          outcome: null,
          summary: `claim run lost with its worker after claiming #${held.issueNumber}; not run again until that claim is released`,
          urls: {},
          errors: [],
          marker_verified: null,
          attempt: ctx.info.attempt,
        };
      }
    }
    const result = await run(input).catch((err: unknown) => {
      ctx.heartbeat({ failedRunId: runId });
      throw err;
    });
    // Waits briefly for the record (so a completion right after an outage finds the server back),
    // but never holds the completion long: the record goes on in the background until it lands.
    const recorded = recordInItem(
      () => item().signal(runResultRecordedSignal, { version: MESSAGE_VERSION, runId, result }),
      runId,
      'CODEX_RESULT_NOT_RECORDED',
      () => ctx.cancellationSignal.aborted,
    );
    await Promise.race([recorded, new Promise((resolve) => setTimeout(resolve, RECORD_WAIT_MS))]);
    return result;
  };
}

/**
 * The item a claim run holds, signalled to its item workflow in the background as soon as Codex's
 * claim call answered (a lost claim is resumed on that item: item workflow, resumeLostClaim).
 */
export function claimRecorder(client: () => Client): ClaimRecorder {
  return (workflowId, runId, claimed) => {
    const send = () =>
      client()
        .workflow.getHandle(workflowId)
        .signal(runClaimedSignal, { version: MESSAGE_VERSION, runId, ...claimed });
    void recordInItem(send, runId, 'CLAIM_NOT_RECORDED', () => false).then((recorded) => {
      if (recorded) emitEvent({ type: 'CLAIM_RECORDED', run_id: runId, workflow_id: workflowId, issue_number: claimed.issueNumber });
    });
  };
}

/** Retries the signal until the server takes it, within RECORD_RESULT_PATIENCE_MS (it may outlive the activity); true: taken. */
async function recordInItem(send: () => Promise<void>, runId: string, failureEvent: string, cancelled: () => boolean): Promise<boolean> {
  const deadline = Date.now() + RECORD_RESULT_PATIENCE_MS;
  for (let delayMs = 250; ; delayMs = Math.min(delayMs * 2, 5_000)) {
    try {
      await send();
      return true;
    } catch (err) {
      // The item workflow has ended: nobody will ask for the result.
      if (err instanceof WorkflowNotFoundError) return false;
      if (Date.now() + delayMs > deadline || cancelled()) {
        emitEvent({ type: failureEvent, run_id: runId, error: (err as Error).message });
        return false;
      }
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
