/**
 * How the item workflow acts on the world: its activity proxies (which queue, timeouts, retries),
 * the runner-managed orchestrator fields, and what it publishes — search attributes, details and
 * memo for the Web UI (only what changed), and its report to the sprint.
 */
import * as wf from '@temporalio/workflow';
import { MESSAGE_VERSION } from '../../contracts/messages';
import { REVIEWER_OUTCOMES } from '../../contracts/vocabulary';
import { BoardStatusKey, IssueNumberKey, RoleKey, SprintKey } from '../../temporal/search-attributes';
import { activitiesOn, type MainActivities } from '../activity-queues';
import { RECORD_IN_SPRINT_LOCALLY_PATCH, STATE_IN_WORKFLOW_PATCH, UPSERT_ON_CHANGE_PATCH } from '../patches';
import { ItemState, type ItemSettings } from './item-state';
import type { ItemActivities } from './ports';
import { itemMemo, UNKNOWN_BOARD_STATUS } from './visibility';
import { itemReportSignal, type ItemReport } from '../sprint/messages';

export type Acts = ReturnType<typeof activities>;

/**
 * The orchestrator state's runner-managed fields (../../../docs/spec/runner-behaviour.md §10.2.3–§10.2.5):
 * the sprint workflow holds the state (issue #14); items without a sprint, and runs from before the
 * patch, use the state file on the orchestrator host.
 */
export function orchestratorFields(item: ItemState, acts: Acts) {
  const sprintWorkflowId = item.sprintWorkflowId;
  const inSprint = sprintWorkflowId !== null && wf.patched(STATE_IN_WORKFLOW_PATCH);
  return {
    recordExecutorResponse: (runId: string, at: string) =>
      inSprint ? sprintRecords(acts).recordExecutorResponseInSprint({ sprintWorkflowId, runId, at }) : acts.state.recordExecutorResponse({ runId, at }),
    recordReviewerOutcome: (outcome: string, at: string, runId: string) =>
      inSprint && isReviewerOutcome(outcome)
        ? sprintRecords(acts).recordReviewerOutcomeInSprint({ sprintWorkflowId, issueNumber: item.issueNumber, outcome, at, runId })
        : acts.state.recordReviewerOutcome({ issueNumber: item.issueNumber, outcome, at }),
    lookupRunContext: (runId: string) => (inSprint ? acts.board.lookupRunContextInSprint({ sprintWorkflowId, runId }) : acts.state.lookupRunContext(runId)),
  };
}

/** Records in the sprint: local activities, or activities on the main queue for runs from before the patch. */
function sprintRecords(acts: Acts): Pick<Acts['board'], 'recordExecutorResponseInSprint' | 'recordReviewerOutcomeInSprint'> {
  return wf.patched(RECORD_IN_SPRINT_LOCALLY_PATCH) ? acts.sprintRecords : acts.board;
}

function isReviewerOutcome(outcome: string): outcome is (typeof REVIEWER_OUTCOMES)[number] {
  return (REVIEWER_OUTCOMES as readonly string[]).includes(outcome);
}

export function activities(settings: ItemSettings) {
  const retry = { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: settings.transientMaxAttempts };
  // Every adapter heartbeats (activities/failures.ts heartbeating): a worker lost mid-call is noticed in 30 s.
  const board = activitiesOn('main', settings.taskQueues, { startToCloseTimeout: '5m', heartbeatTimeout: '30s', retry });
  // Runner-managed orchestrator fields: in the sprint workflow's state (main queue), or, for runs
  // from before issue #14, in the state file on the orchestrator host.
  const state = activitiesOn('orchestrator', settings.taskQueues, { startToCloseTimeout: '1m', heartbeatTimeout: '30s', retry });
  // A recorded PASS must never strand the item in In Review: the handoff retries until it lands.
  const untilLanded = { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '5m' };
  const handoff = activitiesOn('main', settings.taskQueues, { startToCloseTimeout: '5m', heartbeatTimeout: '30s', retry: untilLanded });
  // Run by the worker of this workflow task (issue #18); as local activities they signal the sprint
  // instead of updating it, so they wait for the server only, never for the sprint's workflow task.
  const sprintRecords = wf.proxyLocalActivities<Pick<MainActivities, 'recordExecutorResponseInSprint' | 'recordReviewerOutcomeInSprint'>>({ startToCloseTimeout: '1m', retry });
  // Options are given per call (role queue, summary): see runWithWatchdog.
  const { runCodexWorker } = wf.proxyActivities<ItemActivities>({ startToCloseTimeout: '1m' });
  return { board, state, handoff, sprintRecords, runCodexWorker, retry, untilLanded };
}

/** Publishes the item to the Web UI: search attributes (`also`: more of them), current details and memo. */
export function publish(item: ItemState, also: SearchAttributePair[] = []): void {
  const { data } = item;
  upsertChangedSearchAttributes([...also, { key: BoardStatusKey, value: data.boardStatus ?? UNKNOWN_BOARD_STATUS }, { key: RoleKey, value: item.currentRun?.role ?? null }]);
  const title = data.title ? ` ${data.title}` : '';
  const run = item.currentRun ? ` · running ${item.currentRun.role} ${item.currentRun.runId.slice(0, 8)}` : '';
  wf.setCurrentDetails(`${item.sprint} · #${item.issueNumber}${title} · ${data.boardStatus ?? 'status unknown'}${run}`);
  upsertChangedMemo(itemMemo(item.issueNumber, data.prUrl, data.projectItemId));
  reportToSprint(item);
}

export type SearchAttributePair = { key: typeof SprintKey; value: string | null } | { key: typeof IssueNumberKey; value: number | null };

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
export function reportToSprint(item: ItemState): void {
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
