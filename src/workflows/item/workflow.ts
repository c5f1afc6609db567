/**
 * itemWorkflow — one per board item (`sprint-<SPRINT>-item-<ISSUE>`). It runs the item's RUN_INTENTs
 * one at a time (the old runner's per-issue in-flight gate), drops an intent whose premise no longer holds
 * before any Codex process starts, post-processes each Codex result into board transitions
 * (../../../docs/spec/runner-behaviour.md §3, §6–§9), applies human rework (the validated `requestRework` update), and
 * owns the item's durable timers: the run watchdog, the blocked-retry cooldown and the review-stall
 * check. It ends when the item is Done or its sprint closes; a later intent or sprint sighting
 * starts a fresh one (signal-with-start) that learns the board status again. It only waits on
 * conditions and timers; decisions live in ItemState, effects in activities.
 */
import * as wf from '@temporalio/workflow';
import { ActivityFailure, ApplicationFailure, CancelledFailure } from '@temporalio/common';
import {
  BoardObservationSchema,
  MESSAGE_VERSION,
  RecoveredRunResultRequestSchema,
  ReworkRequestSchema,
  RunClaimRecordSchema,
  RunIntentMessageSchema,
  RunResultRecordSchema,
  SprintClosedSchema,
} from '../../contracts/messages';
import { REVIEWER_OUTCOMES } from '../../contracts/vocabulary';
import { isRetryableFailure } from '../../domain/classify';
import { extractPrUrl } from '../../domain/worker-result';
import { BoardStatusKey, IssueNumberKey, RoleKey, SprintKey } from '../../temporal/search-attributes';
import { activitiesOn } from '../activity-queues';
import { emit } from '../events';
import { activityCause, applicationFailureOf } from '../failures';
import { CLAIM_HELD_ITEM_PATCH, CLAIM_RESUME_PATCH, STATE_IN_WORKFLOW_PATCH, UPSERT_ON_CHANGE_PATCH } from '../patches';
import { acceptMessage, rejectPayload, parseOrThrow } from '../message-door';
import { initialItemState, ItemState, REVIEW_CYCLE_CAP, STALL_ESCALATION_DISPATCHES, type CarriedItemState, type ItemSettings, type QueuedIntent } from './item-state';
import {
  boardObservedSignal,
  itemStatusQuery,
  recoveredRunResultQuery,
  requestReworkUpdate,
  runClaimedSignal,
  runIntentSignal,
  runResultRecordedSignal,
  sprintClosedSignal,
  type BoardStatus,
  type Classification,
  type ItemResult,
  type ReworkOutcome,
  type ReworkRequest,
} from './messages';
import type { ItemActivities, WorkerResult } from './ports';
import { itemReportSignal, type ItemReport } from '../sprint/messages';

const CLAIM_ENDPOINT = '/internal/executor/claim-ready-item';

export interface ItemWorkflowInput {
  sprint: string;
  issueNumber: number;
  projectItemId?: string | null;
  title?: string | null;
  settings: ItemSettings;
  /** The sprint workflow to report to (busy / timer pending / board status), if any. */
  sprintWorkflowId?: string;
  /** State carried over by continue-as-new. */
  carried?: CarriedItemState;
}

const HISTORY_EVENTS_BEFORE_CONTINUE = 4000;

interface RunFailure {
  classification: Classification;
  errorCode: string;
  message: string;
}

/** A rework accepted by the validator, waiting for its turn; `settled` once it landed or failed. */
interface PendingRework {
  request: ReworkRequest;
  settled?: { outcome: ReworkOutcome } | { error: string };
}

export async function itemWorkflow(input: ItemWorkflowInput): Promise<ItemResult> {
  if (
    typeof input !== 'object' ||
    input === null ||
    typeof input.sprint !== 'string' ||
    !Number.isSafeInteger(input.issueNumber) ||
    input.issueNumber <= 0 ||
    typeof input.settings !== 'object'
  ) {
    throw ApplicationFailure.create({ type: 'InvalidItemInput', nonRetryable: true, message: 'item workflow input must be {sprint, issueNumber (positive integer), settings, …}' });
  }
  const { settings } = input;
  const item = new ItemState(input.sprint, input.issueNumber, settings, input.carried ?? initialItemState(input.projectItemId ?? null, input.title ?? null));
  item.sprintWorkflowId = input.sprintWorkflowId ?? null;
  const acts = activities(settings);
  const pendingRework: PendingRework[] = [];
  const workflowId = wf.workflowInfo().workflowId;

  // Results of runs in flight, recorded by their activity before it completes (it may not reach the
  // server): a retried activity on any host returns the result from here instead of re-running Codex.
  wf.setHandler(runResultRecordedSignal, (...args: unknown[]) => {
    const record = acceptMessage(workflowId, 'runResultRecorded', RunResultRecordSchema, args);
    if (record && item.currentRun?.runId === record.runId) item.recoveredResults.set(record.runId, record.result);
  });
  // The item a claim run in flight holds (the backend hands out the next Ready item, maybe not this one).
  wf.setHandler(runClaimedSignal, (...args: unknown[]) => {
    const record = acceptMessage(workflowId, 'runClaimed', RunClaimRecordSchema, args);
    if (record && item.currentRun?.runId === record.runId) item.claimsHeld.set(record.runId, { issueNumber: record.issueNumber, projectItemId: record.projectItemId });
  });
  wf.setHandler(recoveredRunResultQuery, (...args: unknown[]) => item.recoveredResults.get(parseOrThrow(RecoveredRunResultRequestSchema, args).runId) ?? null);
  // Signals that arrived before the workflow started are dispatched as each handler is set, so
  // board observations go first: an intent must never be counted in a status epoch it preceded.
  wf.setHandler(boardObservedSignal, (...args: unknown[]) => {
    const observation = acceptMessage(workflowId, 'boardObserved', BoardObservationSchema, args);
    if (observation && item.observeBoard(observation.status, observation.observedAtMs, Date.now(), observation.projectItemId)) publish(item);
  });
  wf.setHandler(runIntentSignal, (...args: unknown[]) => {
    const delivered = acceptMessage(workflowId, 'runIntent', RunIntentMessageSchema, args);
    if (!delivered) return;
    const named = delivered.intent.body.issue_number;
    if (named !== undefined && named !== item.issueNumber) {
      emit('MESSAGE_REJECTED', {
        workflow_id: workflowId,
        message: 'runIntent',
        error: `intent ${delivered.intent.run_id} names issue ${JSON.stringify(named)}, not #${item.issueNumber}`,
      });
      return;
    }
    const outcome = item.enqueue(delivered, Date.now());
    // A queued intent is reported when its run ends (the sprint counts it busy until then, since it
    // routed more than the item has reported): one report per intent, not two.
    if (outcome !== 'queued') reportToSprint(item);
    if (outcome === 'already_succeeded') emit('LEDGER_SKIP', { run_id: delivered.intent.run_id, reason: 'already_succeeded' });
    if (outcome === 'queued') {
      emit('INTENT_RECEIVED', { role: delivered.intent.role, run_id: delivered.intent.run_id, endpoint: delivered.intent.endpoint, intent_hash: delivered.intentHash });
    }
  });
  wf.setHandler(sprintClosedSignal, (...args: unknown[]) => {
    const closed = acceptMessage(workflowId, 'sprintClosed', SprintClosedSchema, args);
    if (closed && item.closing === null) item.closing = closed.reason;
  });
  wf.setHandler(
    requestReworkUpdate,
    async (request): Promise<ReworkOutcome> => {
      const pending: PendingRework = { request };
      pendingRework.push(pending);
      await wf.condition(() => pending.settled !== undefined);
      const settled = pending.settled!;
      if ('error' in settled) throw ApplicationFailure.create({ type: 'ReworkFailed', nonRetryable: true, message: settled.error });
      return settled.outcome;
    },
    {
      validator: (...args: unknown[]) => {
        parseOrThrow(ReworkRequestSchema, args);
        const problem = reworkStateProblem(item, pendingRework.length);
        if (problem) throw ApplicationFailure.create({ type: 'ReworkNotAllowed', nonRetryable: true, message: problem });
      },
    },
  );
  wf.setHandler(itemStatusQuery, (...args: unknown[]) => {
    rejectPayload(args);
    return item.status();
  });

  const identity: SearchAttributePair[] = [
    { key: SprintKey, value: input.sprint },
    { key: IssueNumberKey, value: input.issueNumber },
  ];
  // Issue #18: one upsert with the first publish's attributes (and only what a continued run lacks).
  const upsertOnChange = wf.patched(UPSERT_ON_CHANGE_PATCH);
  if (!upsertOnChange) wf.upsertSearchAttributes(identity);
  publish(item, upsertOnChange ? identity : []);

  const idle = () => item.currentRun === null && !item.data.queue.length && !pendingRework.length;
  const ending = () => idle() && (item.closing !== null || item.data.boardStatus === 'Done');
  for (;;) {
    const deadline = item.nextDeadlineMs();
    const hasWork = () => item.data.queue.length > 0 || pendingRework.length > 0 || item.closing !== null || item.data.boardStatus === 'Done' || continueAsNewDue(settings);
    if (deadline === null) await wf.condition(hasWork);
    else await wf.condition(hasWork, Math.max(0, deadline - Date.now()), { summary: item.pendingTimer()?.summary ?? 'item timer' });

    if (item.closing !== null || item.data.boardStatus === 'Done') dropQueued(item, item.closing !== null ? 'sprint closed' : 'item is Done');
    try {
      if (pendingRework.length) await settleRework(item, acts, pendingRework.shift()!);
      else if (item.data.queue.length) await runNext(item, acts, item.data.queue.shift()!);
      else if (!ending()) await fireDueTimers(item, acts);
    } catch (err) {
      // A board write that failed for good (e.g. a 403 because a human moved the item) is
      // reported, never fatal: the item keeps serving later intents.
      if (!(err instanceof ActivityFailure)) throw err;
      emit('ITEM_ACTION_FAILED', { issue_number: item.issueNumber, error: describeFailure(err).message });
      publish(item);
    }

    if (ending()) {
      await wf.condition(wf.allHandlersFinished);
      if (ending()) return end(item);
    }
    if (continueAsNewDue(settings) && idle()) {
      await wf.condition(wf.allHandlersFinished);
      await wf.continueAsNew<typeof itemWorkflow>({ ...input, carried: item.data });
    }
  }
}

/** The sprint closed, or the item is Done: queued intents will not run. Reworks are refused by the validator from now on. */
function dropQueued(item: ItemState, reason: string): void {
  for (const queued of item.data.queue.splice(0)) {
    item.supersede();
    emit('INTENT_SUPERSEDED', { issue_number: item.issueNumber, role: queued.intent.role, run_id: queued.intent.run_id, reason });
  }
}

function end(item: ItemState): ItemResult {
  const reason = item.closing !== null ? 'sprint-closed' : 'done';
  emit('ITEM_WORKFLOW_ENDED', { issue_number: item.issueNumber, board_status: item.data.boardStatus, reason });
  item.ended = true;
  publish(item);
  return { issueNumber: item.issueNumber, boardStatus: item.data.boardStatus, reason, completedRuns: item.data.completedRunIds.length };
}

function continueAsNewDue(settings: ItemSettings): boolean {
  const info = wf.workflowInfo();
  return info.continueAsNewSuggested || info.historyLength > (settings.historyEventsBeforeContinue ?? HISTORY_EVENTS_BEFORE_CONTINUE);
}

/** Why a rework cannot be accepted now, or null. Reworks already waiting count: the first moves the item to In Review. */
function reworkStateProblem(item: ItemState, waiting: number): string | null {
  if (item.closing !== null) return `item #${item.issueNumber}: its sprint closed (${item.closing}); start the sprint again to rework it`;
  if (item.data.boardStatus !== 'Needs Human Approval') {
    return `item #${item.issueNumber} is ${item.data.boardStatus ?? 'not yet seen on the board'}; rework is only possible from Needs Human Approval`;
  }
  if (waiting > 0) return `item #${item.issueNumber} already has a rework request being applied`;
  if (!item.data.projectItemId) return `item #${item.issueNumber} has no known project item id`;
  return null;
}

type Acts = ReturnType<typeof activities>;

/**
 * The orchestrator state's runner-managed fields (../../../docs/spec/runner-behaviour.md §10.2.3–§10.2.5):
 * the sprint workflow holds the state (issue #14); items without a sprint, and runs from before the
 * patch, use the state file on the orchestrator host.
 */
function orchestratorFields(item: ItemState, acts: Acts) {
  const sprintWorkflowId = item.sprintWorkflowId;
  const inSprint = sprintWorkflowId !== null && wf.patched(STATE_IN_WORKFLOW_PATCH);
  return {
    recordExecutorResponse: (runId: string, at: string) =>
      inSprint ? acts.board.recordExecutorResponseInSprint({ sprintWorkflowId, runId, at }) : acts.state.recordExecutorResponse({ runId, at }),
    recordReviewerOutcome: (outcome: string, at: string, runId: string) =>
      inSprint && isReviewerOutcome(outcome)
        ? acts.board.recordReviewerOutcomeInSprint({ sprintWorkflowId, issueNumber: item.issueNumber, outcome, at, runId })
        : acts.state.recordReviewerOutcome({ issueNumber: item.issueNumber, outcome, at }),
    lookupRunContext: (runId: string) => (inSprint ? acts.board.lookupRunContextInSprint({ sprintWorkflowId, runId }) : acts.state.lookupRunContext(runId)),
  };
}

function isReviewerOutcome(outcome: string): outcome is (typeof REVIEWER_OUTCOMES)[number] {
  return (REVIEWER_OUTCOMES as readonly string[]).includes(outcome);
}

function activities(settings: ItemSettings) {
  const retry = { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: settings.transientMaxAttempts };
  // Every adapter heartbeats (activities/failures.ts heartbeating): a worker lost mid-call is noticed in 30 s.
  const board = activitiesOn('main', settings.taskQueues, { startToCloseTimeout: '5m', heartbeatTimeout: '30s', retry });
  // Runner-managed orchestrator fields: in the sprint workflow's state (main queue), or, for runs
  // from before issue #14, in the state file on the orchestrator host.
  const state = activitiesOn('orchestrator', settings.taskQueues, { startToCloseTimeout: '1m', heartbeatTimeout: '30s', retry });
  // A recorded PASS must never strand the item in In Review: the handoff retries until it lands.
  const untilLanded = { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '5m' };
  const handoff = activitiesOn('main', settings.taskQueues, { startToCloseTimeout: '5m', heartbeatTimeout: '30s', retry: untilLanded });
  // Options are given per call (role queue, summary): see runWithWatchdog.
  const { runCodexWorker } = wf.proxyActivities<ItemActivities>({ startToCloseTimeout: '1m' });
  return { board, state, handoff, runCodexWorker, retry, untilLanded };
}

/** Publishes the item to the Web UI: search attributes (`also`: more of them), current details and memo. */
function publish(item: ItemState, also: SearchAttributePair[] = []): void {
  const { data } = item;
  upsertChangedSearchAttributes([...also, { key: BoardStatusKey, value: data.boardStatus ?? 'Unknown' }, { key: RoleKey, value: item.currentRun?.role ?? null }]);
  const title = data.title ? ` ${data.title}` : '';
  const run = item.currentRun ? ` · running ${item.currentRun.role} ${item.currentRun.runId.slice(0, 8)}` : '';
  wf.setCurrentDetails(`${item.sprint} · #${item.issueNumber}${title} · ${data.boardStatus ?? 'status unknown'}${run}`);
  upsertChangedMemo({
    issue_url: `issue #${item.issueNumber}`,
    pr_url: data.prUrl,
    project_item_id: data.projectItemId,
  });
  reportToSprint(item);
}

type SearchAttributePair = { key: typeof SprintKey; value: string | null } | { key: typeof IssueNumberKey; value: number | null };

/**
 * Upserts the attributes whose value differs from the workflow's current ones (workflowInfo()
 * follows every upsert, and a continued run starts with its predecessor's): an unchanged upsert is a
 * command, a history event and a visibility write for nothing (issue #18). Runs from before the
 * patch upsert them all, every time.
 */
function upsertChangedSearchAttributes(pairs: SearchAttributePair[]): void {
  if (!wf.patched(UPSERT_ON_CHANGE_PATCH)) {
    wf.upsertSearchAttributes(pairs);
    return;
  }
  const current = wf.workflowInfo().typedSearchAttributes;
  const changed = pairs.filter((pair) => ((current.get(pair.key) as unknown) ?? null) !== pair.value);
  if (changed.length) wf.upsertSearchAttributes(changed);
}

/** The memo, when a field differs from the workflow's current memo (see upsertChangedSearchAttributes). */
function upsertChangedMemo(memo: Record<string, string | null>): void {
  if (wf.patched(UPSERT_ON_CHANGE_PATCH)) {
    const current = wf.workflowInfo().memo ?? {};
    if (Object.entries(memo).every(([key, value]) => (current[key] ?? null) === value)) return;
  }
  wf.upsertMemo(memo);
}

/** Keeps the sprint's view current; only changes are sent. A finished sprint is no error. */
function reportToSprint(item: ItemState): void {
  if (!item.sprintWorkflowId) return;
  const state = {
    intentsReceived: item.data.intentsReceived,
    intentsSuperseded: item.data.intentsSuperseded,
    boardStatus: item.data.boardStatus,
    busy: item.currentRun !== null || item.data.queue.length > 0,
    timerPending: item.data.blockedRetry !== null,
    ended: item.ended,
  };
  const key = JSON.stringify(state);
  if (key === item.lastReport) return;
  // Only busy (or another intent received) changed: the sprint already counts this item busy, since
  // it routed more intents than the item has reported. Not sending it keeps the sprint's signals at
  // about one per intent (a workflow run accepts a bounded number of signals).
  const last = item.lastReport ? (JSON.parse(item.lastReport) as typeof state) : null;
  if (state.busy && (!last || (last.boardStatus === state.boardStatus && last.timerPending === state.timerPending))) return;
  item.lastReport = key;
  item.data.reportSeq += 1;
  const report: ItemReport = { version: MESSAGE_VERSION, issueNumber: item.issueNumber, chain: wf.workflowInfo().firstExecutionRunId, seq: item.data.reportSeq, ...state };
  wf.getExternalWorkflowHandle(item.sprintWorkflowId)
    .signal(itemReportSignal, report)
    .catch(() => undefined);
}

/** The next queued intent: dropped if its premise no longer holds, else run. */
async function runNext(item: ItemState, acts: Acts, queued: QueuedIntent): Promise<void> {
  const superseded = item.data.completedRunIds.includes(queued.intent.run_id) ? null : item.supersededReason(queued);
  if (superseded) {
    item.supersede();
    emit('INTENT_SUPERSEDED', { issue_number: item.issueNumber, role: queued.intent.role, run_id: queued.intent.run_id, endpoint: queued.intent.endpoint, reason: superseded });
    publish(item);
    return;
  }
  await runIntent(item, acts, queued);
}

async function runIntent(item: ItemState, acts: Acts, delivered: QueuedIntent): Promise<void> {
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
function isCancellation(err: unknown): boolean {
  return wf.isCancellation(err) || (err instanceof ActivityFailure && err.cause instanceof CancelledFailure);
}

/** Reads the classification our activities attach to their failures (see activities/failures.ts). */
function describeFailure(err: unknown): RunFailure {
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
      if (await resumeLostClaim(item, acts, delivered, result.attempt ?? 1, held)) return;
      await onRunFailure(item, acts, role, runId, elapsedS, {
        classification: 'TRANSIENT',
        errorCode: 'claim_lost_on_retry',
        message: `claim run retried (attempt ${result.attempt}) after its worker was lost; #${held.issueNumber}, which it held, could not be released`,
      });
      return;
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
  const status = item.data.boardStatus;
  const beyondClaim = status === 'In Review' || status === 'Needs Human Approval' || status === 'Done' || status === 'Blocked';
  return beyondClaim && wf.patched(CLAIM_RESUME_PATCH);
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
async function recordReview(item: ItemState, acts: Acts, outcome: string, at: string, runId: string): Promise<void> {
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

async function onRunFailure(item: ItemState, acts: Acts, role: 'EXECUTOR' | 'REVIEWER', runId: string, elapsedS: number, failure: RunFailure, prOpened = false): Promise<void> {
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
async function blockAfterExecutorFailure(item: ItemState, acts: Acts, runId: string, failure: RunFailure, prOpened = false): Promise<boolean> {
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

async function onWatchdog(item: ItemState, acts: Acts, runId: string, elapsedS: number): Promise<void> {
  const timeoutS = item.settings.watchdogTimeoutS;
  emit('WORKER_WATCHDOG_TIMEOUT', { run_id: runId, issue_number: item.issueNumber, project_item_id: item.data.projectItemId, elapsed_s: elapsedS, timeout_s: timeoutS });
  await blockAfterExecutorFailure(item, acts, runId, {
    classification: 'HARD_STOP',
    errorCode: 'watchdog_timeout',
    message: `Worker exceeded watchdog timeout (${timeoutS}s).`,
  });
}

async function fireDueTimers(item: ItemState, acts: Acts): Promise<void> {
  const now = Date.now();
  const retry = item.data.blockedRetry;
  if (retry && retry.dueAtMs <= now && item.data.projectItemId) {
    item.data.blockedRetry = null;
    item.data.blockedRetryAttempts = retry.attempt;
    const blockedMinutes = Math.floor((now - retry.blockedAtMs) / 60_000);
    const fields = {
      issue_number: item.issueNumber,
      project_item_id: item.data.projectItemId,
      blocked_minutes: blockedMinutes,
      failure_classification: retry.classification,
      error_code: retry.errorCode,
    };
    try {
      const result = await acts.board.retryBlockedItem({
        issueNumber: item.issueNumber,
        projectItemId: item.data.projectItemId,
        classification: retry.classification,
        errorCode: retry.errorCode,
        blockedMinutes,
        runId: retry.runId,
      });
      emit('BLOCKED_RETRY', { ...fields, backend_payload: result.backend_payload });
      item.observeStatus('Ready', Date.now());
    } catch (err) {
      emit('BLOCKED_RETRY', { ...fields, status: 'failed', error: describeFailure(err).message });
    }
    publish(item);
  }
  const stallDue = item.data.stallDueAtMs;
  if (stallDue !== null && stallDue <= now && item.data.boardStatus === 'In Review') {
    const stalledForMs = item.settings.reviewStallMs;
    emit('REVIEW_STALL_DETECTED', {
      issue_number: item.issueNumber,
      project_item_id: item.data.projectItemId,
      stalled_minutes: Math.round(stalledForMs / 60_000),
      reviewer_dispatches: item.data.reviewerDispatchesSinceProgress,
    });
    if (item.data.reviewerDispatchesSinceProgress >= STALL_ESCALATION_DISPATCHES && !item.data.stallEscalated) {
      item.data.stallEscalated = true;
      item.data.stallDueAtMs = null;
      const result = await acts.handoff.handoffToHumanApproval({
        issueNumber: item.issueNumber,
        runId: '',
        reason: 'Escalated by orchestrator after repeated In Review stall; manual decision required.',
        expectedProjectItemId: item.data.projectItemId ?? undefined,
      });
      emit('REVIEW_STALL_ESCALATED', { issue_number: item.issueNumber, project_item_id: item.data.projectItemId, backend_payload: result.backend_payload });
      item.observeStatus('Needs Human Approval', Date.now(), result.project_item_id);
    } else {
      // Let the orchestrator's retry reviewer dispatch happen, then check again.
      item.data.stallDueAtMs = now + stalledForMs;
    }
    publish(item);
  }
}

/**
 * Applies one accepted rework and settles its update: it completes only when the transition landed,
 * and fails with the reason when the item moved meanwhile or the backend refused or failed.
 */
async function settleRework(item: ItemState, acts: Acts, pending: PendingRework): Promise<void> {
  const problem = reworkStateProblem(item, 0);
  const projectItemId = item.data.projectItemId;
  if (problem || !projectItemId) {
    emit('REWORK_REJECTED', { issue_number: item.issueNumber, error: problem });
    pending.settled = { error: problem ?? 'no project item id' };
    return;
  }
  const { reason, steps } = pending.request;
  try {
    const result = await acts.board.requestHumanRework({ issueNumber: item.issueNumber, projectItemId, reason: reason.trim(), steps });
    emit('HUMAN_REWORK_REQUESTED', { issue_number: item.issueNumber, project_item_id: projectItemId, reason, backend_payload: result.backend_payload });
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    const error = `backend refused the rework of #${item.issueNumber}: ${describeFailure(err).message}`;
    emit('REWORK_FAILED', { issue_number: item.issueNumber, project_item_id: projectItemId, error });
    pending.settled = { error };
    return;
  }
  item.data.reworkRequests += 1;
  item.observeStatus('In Review', Date.now());
  publish(item);
  pending.settled = { outcome: { issueNumber: item.issueNumber, status: 'In Review', projectItemId } };
}
