/**
 * itemWorkflow — one per board item (`sprint-<SPRINT>-item-<ISSUE>`). It runs the item's RUN_INTENTs
 * one at a time (the old runner's per-issue in-flight gate), drops an intent whose premise no longer holds
 * before any Codex process starts, post-processes each Codex result into board transitions
 * (../../../docs/spec/runner-behaviour.md §3, §6–§9), applies human rework (the validated `requestRework` update), and
 * owns the item's durable timers: the run watchdog, the blocked-retry cooldown and the review-stall
 * check. It ends when the item is Done or its sprint closes; a later intent or sprint sighting
 * starts a fresh one (signal-with-start) that learns the board status again. It only waits on
 * conditions and timers; decisions live in ItemState, effects in activities. This file holds the
 * message handlers, the main loop, timers and rework; one run's path is run.ts, the activity proxies
 * and what the workflow publishes are effects.ts.
 */
import * as wf from '@temporalio/workflow';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import {
  BoardObservationSchema,
  RecoveredRunResultRequestSchema,
  ReworkRequestSchema,
  RunClaimRecordSchema,
  RunIntentMessageSchema,
  RunResultRecordSchema,
  SprintClosedSchema,
} from '../../contracts/messages';
import { IssueNumberKey, SprintKey } from '../../temporal/search-attributes';
import { emit } from '../events';
import { UPSERT_ON_CHANGE_PATCH } from '../patches';
import { acceptMessage, rejectPayload, parseOrThrow } from '../message-door';
import { initialItemState, ItemState, STALL_ESCALATION_DISPATCHES, type CarriedItemState, type ItemSettings } from './item-state';
import {
  boardObservedSignal,
  heldClaimQuery,
  itemStatusQuery,
  recoveredRunResultQuery,
  requestReworkUpdate,
  runClaimedSignal,
  runIntentSignal,
  runResultRecordedSignal,
  sprintClosedSignal,
  type ItemResult,
  type ReworkOutcome,
  type ReworkRequest,
} from './messages';
import { activities, publish, reportToSprint, type Acts, type SearchAttributePair } from './effects';
import { describeFailure, runNext } from './run';

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
  wf.setHandler(heldClaimQuery, (...args: unknown[]) => item.claimsHeld.get(parseOrThrow(RecoveredRunResultRequestSchema, args).runId) ?? null);
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
