/**
 * One RUN_INTENT of the item workflow, start to end: the premise check before Codex starts, the run
 * under its watchdog, and what its result or failure does to the board — the reviewer outcome and
 * PASS handoff, the lost-claim resume, the Blocked move and its durable retry
 * (../../../docs/spec/runner-behaviour.md §3, §6–§9).
 */
import * as wf from '@temporalio/workflow';
import { ActivityFailure, CancelledFailure } from '@temporalio/common';
import { isRetryableFailure } from '../../domain/classify';
import { extractPrUrl } from '../../domain/worker-result';
import { emit } from '../events';
import { activityCause, applicationFailureOf } from '../failures';
import { CLAIM_HELD_ITEM_PATCH, CLAIM_RESUME_IN_PROGRESS_ONLY_PATCH, CLAIM_RESUME_PATCH } from '../patches';
import { ItemState, REVIEW_CYCLE_CAP, type QueuedIntent } from './item-state';
import { itemWorkflowId, type BoardStatus, type Classification } from './messages';
import type { WorkerResult } from './ports';
import { orchestratorFields, publish, type Acts } from './effects';

const CLAIM_ENDPOINT = '/internal/executor/claim-ready-item';

export interface RunFailure {
  classification: Classification;
  errorCode: string;
  message: string;
}

/** The next queued intent: dropped if its premise no longer holds, else run. */
export async function runNext(item: ItemState, acts: Acts, queued: QueuedIntent): Promise<void> {
  const superseded = item.data.completedRunIds.includes(queued.intent.run_id) ? null : item.supersededReason(queued);
  if (superseded) {
    item.supersede();
    emit('INTENT_SUPERSEDED', { issue_number: item.issueNumber, role: queued.intent.role, run_id: queued.intent.run_id, endpoint: queued.intent.endpoint, reason: superseded });
    publish(item);
    return;
  }
  await runIntent(item, acts, queued);
}

export async function runIntent(item: ItemState, acts: Acts, delivered: QueuedIntent): Promise<void> {
  const { intent } = delivered;
  if (item.data.completedRunIds.includes(intent.run_id)) {
    emit('LEDGER_SKIP', { run_id: intent.run_id, reason: 'already_succeeded' });
    publish(item);
    return;
  }
  if (item.settings.dryRun) {
    emit('DRY_RUN_WOULD_EXECUTE', { role: intent.role, run_id: intent.run_id, endpoint: intent.endpoint, body: intent.body });
    item.markSucceeded(intent.run_id);
    publish(item); // the sprint must learn the item is no longer busy
    return;
  }
  const startedAtMs = Date.now();
  item.currentRun = { role: intent.role, runId: intent.run_id, startedAtMs };
  publish(item);
  emit('WORKER_STARTED', {
    role: intent.role,
    run_id: intent.run_id,
    endpoint: intent.endpoint,
    issue_number: item.issueNumber,
    executor_queue_depth: item.data.queue.filter((q) => q.intent.role === 'EXECUTOR').length,
    reviewer_queue_depth: item.data.queue.filter((q) => q.intent.role === 'REVIEWER').length,
  });
  const elapsed = () => Math.floor((Date.now() - startedAtMs) / 1000);
  try {
    const outcome = await runWithWatchdog(item, acts, delivered);
    item.runFinished(intent.role);
    if (outcome.kind === 'cancelled') {
      // The workflow itself was cancelled (e.g. `temporal workflow cancel`): the run was stopped
      // for that, not by the watchdog; nothing is moved on the board.
      emit('WORKER_CANCELLED', { role: intent.role, run_id: intent.run_id, issue_number: item.issueNumber, elapsed_s: elapsed() });
      throw new CancelledFailure(`${intent.role} run ${intent.run_id} cancelled with its workflow`);
    }
    if (outcome.kind === 'watchdog') {
      await onWatchdog(item, acts, intent.run_id, elapsed());
    } else if (outcome.kind === 'failed') {
      await onRunFailure(item, acts, intent.role, intent.run_id, elapsed(), outcome.failure);
    } else {
      await onRunResult(item, acts, delivered, elapsed(), outcome.result);
    }
  } finally {
    item.currentRun = null;
    item.recoveredResults.delete(intent.run_id);
    item.claimsHeld.delete(intent.run_id);
    publish(item);
  }
}

type RunOutcome = { kind: 'result'; result: WorkerResult & { attempt?: number } } | { kind: 'failed'; failure: RunFailure } | { kind: 'watchdog' } | { kind: 'cancelled' };

/**
 * Runs Codex under a durable watchdog timer. When the timer wins, the activity is cancelled and we
 * wait until it confirms (its process group is killed), so a late result can never land.
 */
async function runWithWatchdog(item: ItemState, acts: Acts, delivered: QueuedIntent): Promise<RunOutcome> {
  const { intent } = delivered;
  const runScope = new wf.CancellationScope();
  const timerScope = new wf.CancellationScope();
  const run: Promise<RunOutcome> = runScope
    .run(() =>
      acts.runCodexWorker.executeWithOptions(
        {
          taskQueue: intent.role === 'EXECUTOR' ? item.settings.taskQueues.executor : item.settings.taskQueues.reviewer,
          // The tools/call deadline plus the one re-ask (180 s) plus process start and shutdown.
          startToCloseTimeout: (item.settings.toolsCallTimeoutS + 240) * 1000,
          heartbeatTimeout: '60s',
          cancellationType: wf.ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
          retry: acts.retry,
          summary: `Codex ${intent.role} run ${intent.run_id.slice(0, 8)}… for #${item.issueNumber}`,
        },
        [{ intent, rawIntent: delivered.raw, toolsCallTimeoutS: item.settings.toolsCallTimeoutS }],
      ),
    )
    .then((result): RunOutcome => ({ kind: 'result', result }))
    .catch((err): RunOutcome => (isCancellation(err) ? { kind: 'cancelled' } : { kind: 'failed', failure: describeFailure(err) }));
  const watchdog = timerScope
    .run(() => wf.sleep(item.settings.watchdogTimeoutS * 1000, { summary: `Watchdog ${item.settings.watchdogTimeoutS}s for ${intent.role} run ${intent.run_id.slice(0, 8)}…` }))
    .then((): RunOutcome => ({ kind: 'watchdog' }))
    // A timer that rejects was cancelled: by us (the run ended first) or with the workflow.
    .catch((): RunOutcome => ({ kind: 'cancelled' }));
  const first = await Promise.race([run, watchdog]);
  if (first.kind === 'cancelled') {
    runScope.cancel();
    await run;
    return first;
  }
  if (first.kind === 'watchdog') {
    runScope.cancel();
    await run;
    return first;
  }
  timerScope.cancel();
  return first;
}

/** The run was stopped because the workflow was cancelled, not because it failed. */
export function isCancellation(err: unknown): boolean {
  return wf.isCancellation(err) || (err instanceof ActivityFailure && err.cause instanceof CancelledFailure);
}

/** Reads the classification our activities attach to their failures (see activities/failures.ts). */
export function describeFailure(err: unknown): RunFailure {
  const unwrapped = applicationFailureOf<{ code?: string; classification?: Classification }>(err);
  if (unwrapped) {
    const { failure, details } = unwrapped;
    return {
      classification: details.classification ?? (failure.nonRetryable ? 'HARD_STOP' : 'TRANSIENT'),
      errorCode: details.code ?? failure.type ?? 'unknown_error',
      message: failure.message,
    };
  }
  const error = activityCause(err) as Error | undefined;
  // Timeouts and exhausted retries of a transient failure are transient by nature.
  return { classification: 'TRANSIENT', errorCode: 'worker_timeout', message: error?.message ?? String(err) };
}

async function onRunResult(item: ItemState, acts: Acts, delivered: QueuedIntent, elapsedS: number, result: WorkerResult & { attempt?: number }): Promise<void> {
  const { intent } = delivered;
  const { role, run_id: runId } = intent;
  const now = new Date(Date.now()).toISOString();
  if (role === 'REVIEWER') {
    const outcome = result.outcome ?? 'INCOMPLETE';
    emit('REVIEW_OUTCOME', { role: 'REVIEWER', run_id: runId, outcome, status: result.status });
    await recordReview(item, acts, outcome, now, runId);
  } else {
    const prUrl = extractPrUrl(result.urls);
    if (prUrl) item.data.prUrl = prUrl;
    if (result.status === 'succeeded' && prUrl && result.marker_verified !== true) {
      await onRunFailure(
        item,
        acts,
        role,
        runId,
        elapsedS,
        {
          classification: 'ITEM_STOP',
          errorCode: 'worker_invalid_output',
          message: 'executor must verify canonical PR marker/linkage for PR runs',
        },
        true,
      );
      return;
    }
    // A claim run retried after its worker was lost cannot resume its claim: the backend offers only
    // Ready items, so the retry "succeeds" with nothing claimed while the first attempt's claim left
    // the item In Progress with nobody working on it. The claim marker still names this run_id, so
    // releasing the item to Ready and claiming again with the same run_id gets it back at once; if
    // that cannot be done, block it for an automatic retry (cooldown) instead.
    const emptyClaimRetry = result.status === 'succeeded' && !prUrl && intent.endpoint === CLAIM_ENDPOINT && (result.attempt ?? 1) > 1;
    // The item the lost attempt claimed, when its claim call's answer was recorded: that one is released.
    const held = emptyClaimRetry ? item.claimsHeld.get(runId) : undefined;
    if (held && wf.patched(CLAIM_HELD_ITEM_PATCH)) {
      // When the held item went on to review, the lost run did its part: nothing to release or run again.
      if (!(await heldItemMovedOn(item, acts, runId, held))) {
        if (await resumeLostClaim(item, acts, delivered, result.attempt ?? 1, held)) return;
        await onRunFailure(item, acts, role, runId, elapsedS, {
          classification: 'TRANSIENT',
          errorCode: 'claim_lost_on_retry',
          message: `claim run retried (attempt ${result.attempt}) after its worker was lost; #${held.issueNumber}, which it held, could not be released`,
        });
        return;
      }
    } else if (emptyClaimRetry && claimedByAnotherRun(item)) {
      emit('CLAIM_RETRY_EMPTY', { run_id: runId, issue_number: item.issueNumber, status: item.data.boardStatus, attempt: result.attempt });
    } else if (emptyClaimRetry) {
      if (await resumeLostClaim(item, acts, delivered, result.attempt ?? 1)) return;
      await onRunFailure(item, acts, role, runId, elapsedS, {
        classification: 'TRANSIENT',
        errorCode: 'claim_lost_on_retry',
        message: `claim run retried (attempt ${result.attempt}) after its worker was lost; the retry claimed nothing and opened no PR`,
      });
      return;
    } else if (result.status === 'succeeded') {
      await orchestratorFields(item, acts).recordExecutorResponse(runId, now);
      item.reviewProgressed(Date.now());
    }
  }
  emit('WORKER_FINISHED', {
    role,
    run_id: runId,
    elapsed_s: elapsedS,
    status: result.status,
    summary: result.summary.slice(0, 500),
    urls: result.urls,
    errors_count: result.errors.length,
  });
  if (result.status === 'succeeded') item.markSucceeded(runId);
  else if (role === 'EXECUTOR') {
    await blockAfterExecutorFailure(item, acts, runId, { classification: 'ITEM_STOP', errorCode: 'worker_failed', message: result.summary }, extractPrUrl(result.urls) !== null);
  }
}

/**
 * A claim run claims the lowest Ready item, not necessarily this one: when this item is already past
 * In Progress (another run claimed it and moved it on), an empty retry of this item's claim run lost
 * nothing here, and blocking the item would undo the other run's work.
 */
function claimedByAnotherRun(item: ItemState): boolean {
  return isPastInProgress(item.data.boardStatus) && wf.patched(CLAIM_RESUME_PATCH);
}

/** In Review or beyond: what a claim run moves its item to once its work landed. */
function isPastInProgress(status: string | null): boolean {
  return status === 'In Review' || status === 'Needs Human Approval' || status === 'Done' || status === 'Blocked';
}

/**
 * Whether the item a lost claim run held is past In Progress (In Review or beyond): the run finished
 * its work before its worker was lost, only its result never landed. Its own item's status is this
 * workflow's; another item's is what that item's workflow last saw.
 */
async function heldItemMovedOn(item: ItemState, acts: Acts, runId: string, held: { issueNumber: number; projectItemId: string }): Promise<boolean> {
  if (!wf.patched(CLAIM_RESUME_IN_PROGRESS_ONLY_PATCH)) return false;
  const status =
    held.issueNumber === item.issueNumber ? item.data.boardStatus : await acts.board.itemWorkflowBoardStatus({ workflowId: itemWorkflowId(item.sprint, held.issueNumber) });
  const movedOn = isPastInProgress(status);
  if (movedOn) emit('CLAIM_WORK_LANDED', { run_id: runId, issue_number: held.issueNumber, status, routed_to: item.issueNumber });
  return movedOn;
}

/**
 * The claim of `delivered` landed but its run was lost with its worker: In Progress → Blocked → Ready
 * at once (the policy has no In Progress → Ready), then the same intent runs again. The backend
 * gives a claim retried with the same run_id the item it holds a live claim marker on
 * (../../../docs/spec/backend-orchestrator-contract.md §A.6), so the item is worked on again without
 * waiting out a blocked-retry cooldown or the claim's lease. The item released is the one the run's
 * claim call answered with (`held`, recorded by the activity), which may be another than this
 * workflow's; without that record, this one. Once per run_id; false: not done.
 */
async function resumeLostClaim(item: ItemState, acts: Acts, delivered: QueuedIntent, attempt: number, held?: { issueNumber: number; projectItemId: string }): Promise<boolean> {
  const runId = delivered.intent.run_id;
  const target = held ?? { issueNumber: item.issueNumber, projectItemId: item.data.projectItemId };
  const own = target.issueNumber === item.issueNumber;
  // Without `held`, past In Progress was ruled out by the caller (claimedByAnotherRun); Ready or unknown may be a
  // stale view of the claim that landed, and the backend refuses the release if the item is really Ready.
  if (!target.projectItemId || item.data.claimsResumed?.includes(runId) || !wf.patched(CLAIM_RESUME_PATCH)) return false;
  item.data.claimsResumed = [...(item.data.claimsResumed ?? []), runId].slice(-20);
  const message = `claim run retried (attempt ${attempt}) after its worker was lost; releasing the claim to re-claim it with the same run_id`;
  const { issueNumber, projectItemId } = target;
  try {
    await acts.board.blockItem({ issueNumber, projectItemId, fromStatus: 'In Progress', classification: 'TRANSIENT', message, runId });
    if (own) item.observeStatus('Blocked', Date.now());
    await acts.board.retryBlockedItem({ issueNumber, projectItemId, classification: 'TRANSIENT', errorCode: 'claim_lost_on_retry', blockedMinutes: 0, runId });
    if (own) item.observeStatus('Ready', Date.now());
  } catch (err) {
    emit('CLAIM_RESUME_FAILED', { run_id: runId, issue_number: issueNumber, error: describeFailure(err).message });
    return false;
  }
  emit('CLAIM_RESUMED', { run_id: runId, issue_number: issueNumber, project_item_id: projectItemId, attempt, routed_to: item.issueNumber });
  publish(item);
  await runIntent(item, acts, delivered);
  return true;
}

/** Reviewer outcome → state file, review cycles, and the PASS handoff or the cycle cap. */
export async function recordReview(item: ItemState, acts: Acts, outcome: string, at: string, runId: string): Promise<void> {
  item.data.lastOutcome = outcome;
  await orchestratorFields(item, acts).recordReviewerOutcome(outcome, at, runId);
  // INCOMPLETE is no answer: it leaves the stall clock running towards escalation.
  if (outcome !== 'INCOMPLETE') item.reviewProgressed(Date.now());
  if (outcome === 'PASS') {
    const handoff = await acts.handoff.handoffToHumanApproval.executeWithOptions(
      { startToCloseTimeout: '5m', taskQueue: item.settings.taskQueues.main, retry: acts.untilLanded, summary: `PASS handoff #${item.issueNumber} → Needs Human Approval` },
      [{ issueNumber: item.issueNumber, runId, reason: 'Reviewer PASS outcome reached; awaiting human approval.' }],
    );
    item.data.prUrl = handoff.pr_url;
    item.observeStatus('Needs Human Approval', Date.now(), handoff.project_item_id);
    publish(item);
    return;
  }
  item.data.reviewCycles += 1;
  if (item.data.reviewCycles >= REVIEW_CYCLE_CAP && !item.data.capBlocked && item.data.projectItemId) {
    item.data.capBlocked = true;
    const result = await acts.board.blockAtReviewCycleCap({
      issueNumber: item.issueNumber,
      projectItemId: item.data.projectItemId,
      reviewCycleCount: item.data.reviewCycles,
      runId,
    });
    emit('REVIEW_CYCLE_CAP_BLOCKED', {
      issue_number: item.issueNumber,
      project_item_id: item.data.projectItemId,
      review_cycle_count: item.data.reviewCycles,
      backend_payload: result.backend_payload,
    });
    item.observeStatus('Blocked', Date.now());
    publish(item);
  }
}

export async function onRunFailure(
  item: ItemState,
  acts: Acts,
  role: 'EXECUTOR' | 'REVIEWER',
  runId: string,
  elapsedS: number,
  failure: RunFailure,
  prOpened = false,
): Promise<void> {
  emit('WORKER_FAILED', { role, run_id: runId, elapsed_s: elapsedS, classification: failure.classification, error_code: failure.errorCode, error: failure.message });
  if (failure.classification === 'ITEM_STOP') emit('ITEM_STOP', { role, run_id: runId, error: failure.message });
  if (role === 'REVIEWER') {
    emit('REVIEW_OUTCOME', { role: 'REVIEWER', run_id: runId, outcome: 'INCOMPLETE', source: 'worker_exception' });
    await recordReview(item, acts, 'INCOMPLETE', new Date(Date.now()).toISOString(), runId);
    return;
  }
  await blockAfterExecutorFailure(item, acts, runId, failure, prOpened);
}

/**
 * The status the item is really in when its EXECUTOR run failed: B3 picks its next steps by it. The
 * state file caches what the orchestrator saw at dispatch (Ready, for a claim). A run that opened a
 * PR, or an item known to be In Review, is In Review (the executor moves it there with the PR); a
 * claim otherwise left it In Progress (the old runner skipped recovery here, ⚠ ../../../docs/spec/runner-behaviour.md §14.8; the backend's
 * policy refuses the move if the claim did not happen).
 */
function statusAtExecutorFailure(item: ItemState, cached: string, prOpened: boolean): string {
  if (prOpened || item.data.boardStatus === 'In Review') return 'In Review';
  return cached === 'Ready' ? 'In Progress' : cached;
}

/** ../../../docs/spec/runner-behaviour.md §3.6, then the durable blocked-retry timer when the failure is retryable (§7). */
export async function blockAfterExecutorFailure(item: ItemState, acts: Acts, runId: string, failure: RunFailure, prOpened = false): Promise<boolean> {
  const context = await orchestratorFields(item, acts).lookupRunContext(runId);
  if (context) context.status = statusAtExecutorFailure(item, context.status, prOpened);
  if (!context) {
    emit('WORKER_RECOVERY_SKIPPED', { role: 'EXECUTOR', run_id: runId, reason: 'run_context_not_found' });
    return false;
  }
  if (context.status !== 'In Progress' && context.status !== 'In Review') {
    emit('WORKER_RECOVERY_SKIPPED', {
      role: 'EXECUTOR',
      run_id: runId,
      issue_number: context.issueNumber,
      project_item_id: context.projectItemId,
      reason: 'status_not_recoverable',
      status: context.status,
    });
    return false;
  }
  try {
    const result = await acts.board.blockItem({
      issueNumber: context.issueNumber,
      projectItemId: context.projectItemId,
      fromStatus: context.status as BoardStatus,
      classification: failure.classification,
      message: failure.message.slice(0, 1000),
      runId,
    });
    emit('WORKER_RECOVERY_STATUS_UPDATED', {
      role: 'EXECUTOR',
      run_id: runId,
      issue_number: context.issueNumber,
      project_item_id: context.projectItemId,
      from: context.status,
      to: 'Blocked',
      backend_payload: result.backend_payload,
    });
  } catch (err) {
    emit('WORKER_RECOVERY_FAILED', {
      role: 'EXECUTOR',
      run_id: runId,
      issue_number: context.issueNumber,
      project_item_id: context.projectItemId,
      error: describeFailure(err).message,
    });
    return false;
  }
  item.observeStatus('Blocked', Date.now(), context.projectItemId);
  if (isRetryableFailure(failure.classification, failure.errorCode)) {
    const plan = item.planBlockedRetry(Date.now(), failure.classification, failure.errorCode, runId);
    if (!plan) emit('BLOCKED_RETRY_EXHAUSTED', { issue_number: item.issueNumber, attempts: item.data.blockedRetryAttempts });
  }
  publish(item);
  return true;
}

export async function onWatchdog(item: ItemState, acts: Acts, runId: string, elapsedS: number): Promise<void> {
  const timeoutS = item.settings.watchdogTimeoutS;
  emit('WORKER_WATCHDOG_TIMEOUT', { run_id: runId, issue_number: item.issueNumber, project_item_id: item.data.projectItemId, elapsed_s: elapsedS, timeout_s: timeoutS });
  await blockAfterExecutorFailure(item, acts, runId, {
    classification: 'HARD_STOP',
    errorCode: 'watchdog_timeout',
    message: `Worker exceeded watchdog timeout (${timeoutS}s).`,
  });
}
