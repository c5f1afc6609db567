/**
 * The orchestrator's pure scheduling logic (apps/orchestrator @ 45fae0b): one poll turns the board
 * listing and the previous state into RUN_INTENTs, the next state and a DISPATCH_SUMMARY. No I/O,
 * so tests can drive polls directly; cli.ts adds the files, the backend and the process contract.
 */
import { randomUUID } from 'node:crypto';

export const STATUS_ORDER = ['Backlog', 'Ready', 'In Progress', 'In Review', 'Needs Human Approval', 'Blocked', 'Done'] as const;

export const CLAIM_ENDPOINT = '/internal/executor/claim-ready-item';
export const RESOLVE_ENDPOINT = '/internal/reviewer/resolve-linked-pr';
export const DEFAULT_MAX_REVIEW_CYCLES = 5;

export type DispatchRole = 'EXECUTOR' | 'REVIEWER';

export interface ProjectItemRow {
  project_item_id?: unknown;
  issue_number?: unknown;
  issue_url?: unknown;
  fields?: Record<string, unknown>;
}

export interface ItemState {
  last_seen_status: string;
  last_seen_sprint: string;
  last_seen_issue_number: number;
  last_seen_at: string;
  status_since_at: string;
  status_since_poll: number;
  last_activity_at: string;
  last_activity_indicator: string;
  last_dispatched_role: string;
  last_dispatched_status: string;
  last_dispatched_at: string;
  last_dispatched_poll: number;
  last_run_id: string;
  reviewer_dispatches_for_current_status: number;
  review_cycle_count: number;
  last_reviewer_outcome: string;
  last_reviewer_feedback_at: string;
  last_executor_response_at: string;
  in_review_origin: string;
}

export interface OrchestratorState {
  poll_count: number;
  items: Record<string, ItemState>;
  sprint_plan?: Record<string, unknown>;
  ownership_index?: Record<string, unknown>;
}

export type IntentBody = { role: 'EXECUTOR'; run_id: string; sprint: string } | { role: DispatchRole; issue_number: number; run_id: string };

export interface RunIntent {
  type: 'RUN_INTENT';
  role: DispatchRole;
  run_id: string;
  endpoint: typeof CLAIM_ENDPOINT | typeof RESOLVE_ENDPOINT;
  body: IntentBody;
}

export type StatusCounts = Record<(typeof STATUS_ORDER)[number], number>;

export interface ProcessedItem {
  issue_number: number;
  project_item_id: string;
  status: string;
  last_dispatch: { role: string; run_id: string; dispatched_at: string } | null;
  stall: { stuck_minutes: number; is_stalled: boolean } | null;
  in_review_origin: string;
}

export interface StalledItem {
  issue_number: number;
  project_item_id: string;
  stuck_minutes: number;
  status_since_at: string;
  last_activity_indicator: string;
  last_activity_at: string;
}

export interface ChurnItem {
  issue_number: number;
  project_item_id: string;
  in_review_polls: number;
  last_run_id: string;
  last_dispatched_at: string;
}

export interface DispatchSummary {
  sprint: string;
  poll_count: number;
  in_scope_total: number;
  status_counts: StatusCounts;
  intents_emitted: { EXECUTOR: number; REVIEWER: number; total: number };
  skipped: { not_in_scope: number; dedupe_same_status: number; concurrency_limit: number };
  needs_attention: { stalled_in_progress: StalledItem[]; in_review_churn: ChurnItem[] };
  processed_items: ProcessedItem[];
  completed: boolean;
}

export interface RunPlan {
  intents: RunIntent[];
  nextState: { poll_count: number; items: Record<string, ItemState> };
  summary: DispatchSummary;
  completed: boolean;
}

export interface BuildRunPlanOptions {
  projectItems: ProjectItemRow[];
  allowedStatusOptions: readonly string[];
  sprint: string;
  previousState?: unknown;
  maxExecutors?: number;
  maxReviewers?: number;
  stallMinutes?: number;
  reviewChurnPolls?: number;
  maxReviewerDispatchesPerStatus?: number;
  reviewerRetryPolls?: number;
  maxReviewCycles?: number;
  nowIso?: string;
  uuidFactory?: () => string;
}

/** An error whose code decides the CLI exit status (see exitCodeFor in cli.ts). */
export class CodedError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

function malformed(message: string): CodedError {
  return new CodedError(message, 'malformed_item_data');
}

export function hasText(value: unknown): value is string {
  return typeof value === 'string' && value.trim().length > 0;
}

/** "" for anything that is not a parseable timestamp; otherwise the canonical ISO form. */
export function toIso(value: unknown): string {
  if (!hasText(value)) return '';
  const time = new Date(value).getTime();
  return Number.isNaN(time) ? '' : new Date(time).toISOString();
}

function isLater(left: unknown, right: unknown): boolean {
  const a = toIso(left);
  const b = toIso(right);
  return a !== '' && b !== '' && Date.parse(a) > Date.parse(b);
}

function minutesBetween(startIso: string, endIso: string): number {
  const start = toIso(startIso);
  const end = toIso(endIso);
  if (!start || !end) return 0;
  const diff = Date.parse(end) - Date.parse(start);
  return diff <= 0 ? 0 : Math.floor(diff / 60000);
}

function nonNegativeInt(value: unknown, fallback = 0): number {
  return Number.isInteger(value) && (value as number) >= 0 ? (value as number) : fallback;
}

function requirePositiveInt(value: number, name: string): void {
  if (!Number.isInteger(value) || value <= 0) throw new CodedError(`${name} must be a positive integer`);
}

/** Carries an item's bookkeeping into this poll; a status change starts a new epoch. */
export function updateSeenState(args: {
  previous: Partial<ItemState> | undefined;
  issueNumber: number;
  status: string;
  sprint: string;
  nowIso: string;
  pollCount: number;
}): ItemState {
  const previous: Partial<ItemState> = args.previous ?? {};
  const { status, nowIso, pollCount } = args;
  const changed = previous.last_seen_status !== status;
  const statusSinceAt = changed ? nowIso : toIso(previous.status_since_at) || nowIso;
  const previousOrigin = hasText(previous.in_review_origin) ? previous.in_review_origin.trim() : '';
  let inReviewOrigin = '';
  if (status === 'In Review') {
    inReviewOrigin = changed ? (previous.last_seen_status === 'Needs Human Approval' ? 'needs_human_approval' : '') : previousOrigin;
  }
  return {
    last_seen_status: status,
    last_seen_sprint: args.sprint,
    last_seen_issue_number: args.issueNumber,
    last_seen_at: nowIso,
    status_since_at: statusSinceAt,
    status_since_poll: changed ? pollCount : Number.isInteger(previous.status_since_poll) ? previous.status_since_poll! : pollCount,
    last_activity_at: changed ? nowIso : toIso(previous.last_activity_at) || statusSinceAt,
    last_activity_indicator: changed ? 'status_changed' : (previous.last_activity_indicator ?? 'status_unchanged'),
    last_dispatched_role: hasText(previous.last_dispatched_role) ? previous.last_dispatched_role : '',
    last_dispatched_status: hasText(previous.last_dispatched_status) ? previous.last_dispatched_status : '',
    last_dispatched_at: toIso(previous.last_dispatched_at),
    last_dispatched_poll: nonNegativeInt(previous.last_dispatched_poll),
    last_run_id: hasText(previous.last_run_id) ? previous.last_run_id : '',
    reviewer_dispatches_for_current_status: changed ? 0 : Number.isInteger(previous.reviewer_dispatches_for_current_status) ? previous.reviewer_dispatches_for_current_status! : 0,
    review_cycle_count: changed ? 0 : nonNegativeInt(previous.review_cycle_count),
    last_reviewer_outcome: changed || !hasText(previous.last_reviewer_outcome) ? '' : previous.last_reviewer_outcome.trim().toUpperCase(),
    last_reviewer_feedback_at: changed ? '' : toIso(previous.last_reviewer_feedback_at),
    last_executor_response_at: changed ? '' : toIso(previous.last_executor_response_at),
    in_review_origin: inReviewOrigin,
  };
}

function emptyCounts(): StatusCounts {
  return Object.fromEntries(STATUS_ORDER.map((status) => [status, 0])) as StatusCounts;
}

function previousStateOf(raw: unknown): { poll_count: number; items: Record<string, Partial<ItemState>> } {
  if (!raw || typeof raw !== 'object') return { poll_count: 0, items: {} };
  const state = raw as Record<string, unknown>;
  return {
    poll_count: nonNegativeInt(state.poll_count),
    items: state.items && typeof state.items === 'object' ? (state.items as Record<string, Partial<ItemState>>) : {},
  };
}

interface ScopedItem {
  project_item_id: string;
  issue_number: number;
  status: string;
}

export function buildRunPlan(options: BuildRunPlanOptions): RunPlan {
  const {
    projectItems,
    allowedStatusOptions,
    sprint,
    maxExecutors = 1,
    maxReviewers = 1,
    stallMinutes = 120,
    reviewChurnPolls = 3,
    maxReviewerDispatchesPerStatus = 1,
    reviewerRetryPolls = 0,
    maxReviewCycles = DEFAULT_MAX_REVIEW_CYCLES,
    uuidFactory = randomUUID,
  } = options;
  if (!Array.isArray(projectItems)) throw new CodedError('projectItems must be an array');
  if (!Array.isArray(allowedStatusOptions) || allowedStatusOptions.length === 0) {
    throw new CodedError('allowedStatusOptions must be a non-empty array');
  }
  if (!hasText(sprint)) throw new CodedError('sprint is required');
  requirePositiveInt(maxExecutors, 'maxExecutors');
  requirePositiveInt(maxReviewers, 'maxReviewers');
  requirePositiveInt(stallMinutes, 'stallMinutes');
  requirePositiveInt(reviewChurnPolls, 'reviewChurnPolls');
  requirePositiveInt(maxReviewerDispatchesPerStatus, 'maxReviewerDispatchesPerStatus');
  requirePositiveInt(maxReviewCycles, 'maxReviewCycles');
  if (!Number.isInteger(reviewerRetryPolls) || reviewerRetryPolls < 0) {
    throw new CodedError('reviewerRetryPolls must be a non-negative integer');
  }
  const nowIso = toIso(options.nowIso ?? new Date().toISOString());
  if (!nowIso) throw new CodedError('nowIso must be a valid ISO timestamp');

  const scopeSprint = sprint.trim();
  const allowedStatuses = new Set(allowedStatusOptions);
  const previous = previousStateOf(options.previousState);
  const pollCount = previous.poll_count + 1;
  // Stale entries are never pruned: items that left the sprint keep their last state.
  const items: Record<string, ItemState> = { ...(previous.items as Record<string, ItemState>) };
  const summary: DispatchSummary = {
    sprint: scopeSprint,
    poll_count: pollCount,
    in_scope_total: 0,
    status_counts: emptyCounts(),
    intents_emitted: { EXECUTOR: 0, REVIEWER: 0, total: 0 },
    skipped: { not_in_scope: 0, dedupe_same_status: 0, concurrency_limit: 0 },
    needs_attention: { stalled_in_progress: [], in_review_churn: [] },
    processed_items: [],
    completed: false,
  };

  const scoped: ScopedItem[] = [];
  for (const row of projectItems) {
    const issueNumber = row?.issue_number;
    if (!Number.isInteger(issueNumber) || (issueNumber as number) <= 0) {
      throw malformed('project item issue_number must be a positive integer');
    }
    if (!hasText(row.project_item_id)) throw malformed(`project item ${issueNumber} missing project_item_id`);
    const itemSprint = row.fields?.Sprint;
    if (!hasText(itemSprint)) throw malformed(`project item ${issueNumber} missing Sprint`);
    if (itemSprint !== scopeSprint) {
      summary.skipped.not_in_scope += 1;
      continue;
    }
    const status = row.fields?.Status;
    if (!hasText(status)) throw malformed(`project item ${issueNumber} missing Status`);
    if (!allowedStatuses.has(status)) throw malformed(`project item ${issueNumber} has unknown Status=${status}`);

    summary.in_scope_total += 1;
    if (status in summary.status_counts) summary.status_counts[status as keyof StatusCounts] += 1;
    items[row.project_item_id] = updateSeenState({
      previous: items[row.project_item_id],
      issueNumber: issueNumber as number,
      status,
      sprint: scopeSprint,
      nowIso,
      pollCount,
    });
    scoped.push({ project_item_id: row.project_item_id, issue_number: issueNumber as number, status });
  }
  // Caps are handed out in issue-number order.
  scoped.sort((a, b) => a.issue_number - b.issue_number || a.project_item_id.localeCompare(b.project_item_id));

  const intents: RunIntent[] = [];
  const maybeDispatch = (item: ScopedItem, role: DispatchRole, endpoint: RunIntent['endpoint'], cap: number): boolean => {
    const state = items[item.project_item_id];
    const alreadyDispatched = state.last_dispatched_role === role && state.last_dispatched_status === item.status && state.last_dispatched_poll >= state.status_since_poll;
    if (alreadyDispatched) {
      const reviewerRetryDue =
        role === 'REVIEWER' &&
        item.status === 'In Review' &&
        state.reviewer_dispatches_for_current_status < maxReviewerDispatchesPerStatus &&
        pollCount - state.last_dispatched_poll >= reviewerRetryPolls;
      if (!reviewerRetryDue) {
        summary.skipped.dedupe_same_status += 1;
        return false;
      }
    }
    if (summary.intents_emitted[role] >= cap) {
      summary.skipped.concurrency_limit += 1;
      return false;
    }
    const runId = uuidFactory();
    const body: IntentBody =
      role === 'EXECUTOR' && endpoint === CLAIM_ENDPOINT ? { role, run_id: runId, sprint: scopeSprint } : { role, issue_number: item.issue_number, run_id: runId };
    intents.push({ type: 'RUN_INTENT', role, run_id: runId, endpoint, body });
    state.last_dispatched_role = role;
    state.last_dispatched_status = item.status;
    state.last_dispatched_at = nowIso;
    state.last_dispatched_poll = pollCount;
    state.last_run_id = runId;
    if (role === 'REVIEWER' && item.status === 'In Review') state.reviewer_dispatches_for_current_status += 1;
    summary.intents_emitted[role] += 1;
    summary.intents_emitted.total += 1;
    return true;
  };

  for (const item of scoped) {
    if (item.status === 'Ready') {
      maybeDispatch(item, 'EXECUTOR', CLAIM_ENDPOINT, maxExecutors);
      continue;
    }
    if (item.status !== 'In Review') continue;
    const state = items[item.project_item_id];
    const outcome = hasText(state.last_reviewer_outcome) ? state.last_reviewer_outcome.trim().toUpperCase() : '';
    const executorResponded = hasText(state.last_executor_response_at);
    if (outcome === 'PASS') continue; // the runner moves it to Needs Human Approval
    if (nonNegativeInt(state.review_cycle_count) >= maxReviewCycles) continue; // the runner blocks it
    if (state.in_review_origin === 'needs_human_approval' && outcome === '') {
      if (!executorResponded) maybeDispatch(item, 'EXECUTOR', RESOLVE_ENDPOINT, maxExecutors);
      else if (maybeDispatch(item, 'REVIEWER', RESOLVE_ENDPOINT, maxReviewers)) state.in_review_origin = '';
      continue;
    }
    if (outcome === '') {
      maybeDispatch(item, 'REVIEWER', RESOLVE_ENDPOINT, maxReviewers);
    } else if (outcome === 'FAIL' || outcome === 'INCOMPLETE') {
      const answeredFeedback = hasText(state.last_reviewer_feedback_at) && executorResponded && isLater(state.last_executor_response_at, state.last_reviewer_feedback_at);
      if (answeredFeedback) maybeDispatch(item, 'REVIEWER', RESOLVE_ENDPOINT, maxReviewers);
      else maybeDispatch(item, 'EXECUTOR', RESOLVE_ENDPOINT, maxExecutors);
    }
  }

  for (const item of scoped) {
    const state = items[item.project_item_id];
    const stuckMinutes = minutesBetween(state.status_since_at, nowIso);
    const inReviewPolls = pollCount - state.status_since_poll + 1;
    if (item.status === 'In Progress' && stuckMinutes >= stallMinutes) {
      summary.needs_attention.stalled_in_progress.push({
        issue_number: item.issue_number,
        project_item_id: item.project_item_id,
        stuck_minutes: stuckMinutes,
        status_since_at: state.status_since_at,
        last_activity_indicator: state.last_activity_indicator,
        last_activity_at: state.last_activity_at,
      });
    }
    if (item.status === 'In Review' && inReviewPolls >= reviewChurnPolls && state.last_dispatched_role === 'REVIEWER' && state.last_dispatched_status === 'In Review') {
      summary.needs_attention.in_review_churn.push({
        issue_number: item.issue_number,
        project_item_id: item.project_item_id,
        in_review_polls: inReviewPolls,
        last_run_id: state.last_run_id,
        last_dispatched_at: state.last_dispatched_at,
      });
    }
    summary.processed_items.push({
      issue_number: item.issue_number,
      project_item_id: item.project_item_id,
      status: item.status,
      last_dispatch:
        state.last_dispatched_status === item.status && hasText(state.last_dispatched_role)
          ? { role: state.last_dispatched_role, run_id: state.last_run_id, dispatched_at: state.last_dispatched_at }
          : null,
      stall: item.status === 'In Progress' ? { stuck_minutes: stuckMinutes, is_stalled: stuckMinutes >= stallMinutes } : null,
      in_review_origin: item.status === 'In Review' ? (state.in_review_origin ?? '') : '',
    });
  }

  const counts = summary.status_counts;
  // Backlog counts as remaining work: the runner promotes it to Ready between polls.
  summary.completed = counts.Ready + counts['In Progress'] + counts['In Review'] === 0 && counts.Backlog === 0;
  return { intents, nextState: { poll_count: pollCount, items }, summary, completed: summary.completed };
}

export function buildRunIntents(options: BuildRunPlanOptions): RunIntent[] {
  return buildRunPlan(options).intents;
}

/**
 * Before writing its state, the CLI re-reads the file and keeps what the runner wrote meanwhile
 * (reviewer outcome, executor response, cycle count, rework origin), but only for items still in
 * the same status epoch. sprint_plan/ownership_index come from the disk copy (plan-apply writes them).
 */
export function mergeRunnerManagedStateFields(args: { nextState: OrchestratorState; diskState: unknown }): Required<OrchestratorState> {
  const { nextState } = args;
  const disk = (args.diskState && typeof args.diskState === 'object' ? args.diskState : {}) as Partial<OrchestratorState>;
  const diskItems = disk.items && typeof disk.items === 'object' ? disk.items : {};
  const merged: Record<string, ItemState> = { ...nextState.items };

  for (const [id, next] of Object.entries(nextState.items)) {
    const saved = diskItems[id] as Partial<ItemState> | undefined;
    if (!next || typeof next !== 'object' || !saved || typeof saved !== 'object') continue;
    const sameEpoch =
      next.last_seen_status === saved.last_seen_status &&
      Number.isInteger(next.status_since_poll) &&
      Number.isInteger(saved.status_since_poll) &&
      next.status_since_poll === saved.status_since_poll;
    if (!sameEpoch) continue;

    const item: ItemState = { ...next };
    item.review_cycle_count = Math.max(nonNegativeInt(next.review_cycle_count), nonNegativeInt(saved.review_cycle_count));

    const nextFeedback = toIso(next.last_reviewer_feedback_at);
    const savedFeedback = toIso(saved.last_reviewer_feedback_at);
    if (savedFeedback && (!nextFeedback || isLater(savedFeedback, nextFeedback))) {
      item.last_reviewer_feedback_at = savedFeedback;
      if (hasText(saved.last_reviewer_outcome)) item.last_reviewer_outcome = saved.last_reviewer_outcome.trim().toUpperCase();
    } else if (nextFeedback) {
      item.last_reviewer_feedback_at = nextFeedback;
      if (hasText(next.last_reviewer_outcome)) item.last_reviewer_outcome = next.last_reviewer_outcome.trim().toUpperCase();
    }

    const nextResponse = toIso(next.last_executor_response_at);
    const savedResponse = toIso(saved.last_executor_response_at);
    if (savedResponse && (!nextResponse || isLater(savedResponse, nextResponse))) item.last_executor_response_at = savedResponse;
    else if (nextResponse) item.last_executor_response_at = nextResponse;

    const nextOrigin = hasText(next.in_review_origin) ? next.in_review_origin.trim() : '';
    const savedOrigin = hasText(saved.in_review_origin) ? saved.in_review_origin.trim() : '';
    // This is what undoes buildRunPlan's clearing of the origin after a reviewer dispatch.
    item.in_review_origin = next.last_seen_status === 'In Review' ? nextOrigin || savedOrigin : '';
    merged[id] = item;
  }

  const pick = (value: unknown, fallback: unknown) =>
    (value && typeof value === 'object' ? value : fallback && typeof fallback === 'object' ? fallback : {}) as Record<string, unknown>;
  return {
    poll_count: Number.isInteger(nextState.poll_count) ? nextState.poll_count : 0,
    items: merged,
    sprint_plan: pick(nextState.sprint_plan, disk.sprint_plan),
    ownership_index: pick(nextState.ownership_index, disk.ownership_index),
  };
}

export const AWAITING_HUMANS =
  'No Ready/In Progress/In Review items remain in Sprint; humans should process Needs Human Approval items, merge approved PRs, verify deployment, and move items to Done.';

export function dispatchSummaryEvent(summary: DispatchSummary): Record<string, unknown> {
  return { type: 'DISPATCH_SUMMARY', ...summary };
}

export function endOfSprintEvent(summary: DispatchSummary): Record<string, unknown> {
  return {
    type: 'END_OF_SPRINT_SUMMARY',
    sprint: summary.sprint,
    status_counts: summary.status_counts,
    processed_items: summary.processed_items,
    awaiting_humans: AWAITING_HUMANS,
  };
}
