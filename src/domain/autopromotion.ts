/**
 * Ready-buffer autopromotion (../../docs/spec/runner-behaviour.md §5.1, §5.4, §5.5): on every DISPATCH_SUMMARY,
 * sanitise the sprint's dependency graph, then promote Backlog items to Ready until the buffer is
 * full, skipping items whose CHAINED dependencies are not Done or whose owned paths overlap an
 * active item's. Pure: returns the steps in emission order; the caller POSTs each promotion and
 * emits BOARD_PROMOTION_APPLIED with the backend's answer (promotionAppliedEvent).
 *
 * Deviations from the old runner:
 * - dry-run promotions count toward the deficit and reserve their paths, so a dry run reports what
 *   a live run would do (the old runner logged every eligible item, ⚠ ../../docs/spec/runner-behaviour.md §2.6, §14.10);
 * - an invalid sprint plan task throws RunnerError `malformed_sprint_plan` (the caller stops with
 *   exit 3) instead of crashing the process with exit 1 (⚠ ../../docs/spec/runner-behaviour.md §14.5).
 */
import type { RunnerEvent } from '../contracts/event';
import { PRIORITIES } from '../contracts/vocabulary';
import type { DispatchSummary, ProcessedItem } from '../contracts/summary';
import { RunnerError } from './errors';
import { extractScopePlan, normalizePath, pathsOverlap, runSanitization, scopeItemsFrom, type SanitizationResult, type SanitizationStop, type ScopeItem } from './dependency-graph';
import { promoteToReadyBody, type PromoteToReadyBody } from './transitions';

export type PromotionReason = 'ready_buffer_low' | 'kickoff_ready_set';

export interface Promotion {
  issue_number: number;
  project_item_id: string;
  title: string;
  reason: PromotionReason;
  body: PromoteToReadyBody;
}

/** In order: emit the event, or POST the promotion's body and then emit promotionAppliedEvent. */
export type PromotionStep = { kind: 'emit'; event: RunnerEvent } | { kind: 'promote'; promotion: Promotion };

export interface AutopromotionInput {
  summary: DispatchSummary;
  /** The sprint plan cache (../../docs/spec/runner-behaviour.md §10.3) as loaded, or null. */
  sprintPlan: Record<string, unknown> | null;
  readyTarget: number;
  dryRun: boolean;
  regenAttempts: number;
  nowIso: string;
  /** Where a regen request goes (dependency-graph regenRequestPath). */
  requestPath: string;
}

export interface AutopromotionPlan {
  /** null when nothing was looked at (no target, another sprint's plan, no processed items). */
  sanitization: SanitizationResult | null;
  steps: PromotionStep[];
  /** The dependency graph stops the run: emit the steps, write any regen request, then stop with this. */
  stop: SanitizationStop | null;
}

/** Items in these statuses own their paths: nothing overlapping them may become Ready. */
const ACTIVE_STATUSES = new Set(['Ready', 'In Progress', 'In Review', 'Needs Human Approval']);

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isPositiveInt = (value: unknown): value is number => Number.isInteger(value) && (value as number) > 0;
const nonBlank = (value: unknown): value is string => typeof value === 'string' && value.trim() !== '';
const emit = (event: RunnerEvent): PromotionStep => ({ kind: 'emit', event });

export function planAutopromotion(input: AutopromotionInput): AutopromotionPlan {
  const nothing: AutopromotionPlan = { sanitization: null, steps: [], stop: null };
  const { summary } = input;
  // Python truthiness: an empty plan object counts as no plan.
  const sprintPlan = input.sprintPlan && Object.keys(input.sprintPlan).length ? input.sprintPlan : null;
  if (input.readyTarget <= 0) return nothing;
  if (sprintPlan && summary.sprint !== sprintPlan.sprint) return nothing;
  if (!Array.isArray(summary.processed_items)) return nothing;

  const board = boardOf(summary.processed_items);
  const sanitization = runSanitization(scopeItemsFrom(extractScopePlan(sprintPlan)), input.regenAttempts, {
    previousSprintPlan: sprintPlan,
    nowIso: input.nowIso,
    requestPath: input.requestPath,
  });
  const steps = sanitization.events.map(emit);
  if (sanitization.outcome !== 'clean') return { sanitization, steps, stop: sanitization.error };

  const deficit = Math.max(0, input.readyTarget - (summary.status_counts?.Ready ?? 0));
  if (deficit === 0) return { sanitization, steps, stop: null };

  const scope = new Map(sanitization.items.map((item) => [item.number, item]));
  const reservations = new PathReservations();
  for (const [issue, status] of board.statusByIssue) {
    const meta = scope.get(issue);
    if (ACTIVE_STATUSES.has(status) && meta) reservations.reserve(issue, meta);
  }
  const candidates = sprintPlan ? candidatesFromSprintPlan(sprintPlan, board) : candidatesFromBoard(summary.processed_items);
  let promoted = 0;
  for (const candidate of candidates) {
    if (promoted >= deficit) break;
    const meta = scope.get(candidate.issue_number);
    const skip = meta && promotionBlocker(candidate.issue_number, meta, board.statusByIssue, reservations);
    if (skip) {
      steps.push(emit(skip));
      continue;
    }
    const promotion: Promotion = { ...candidate, reason: 'ready_buffer_low', body: promoteToReadyBody(candidate.project_item_id) };
    steps.push(input.dryRun ? emit(dryRunPromotionEvent(promotion)) : { kind: 'promote', promotion });
    promoted += 1;
    if (meta) reservations.reserve(candidate.issue_number, meta);
  }
  return { sanitization, steps, stop: null };
}

function promotionEventFields(promotion: Promotion) {
  return {
    type: 'BOARD_PROMOTION_APPLIED',
    issue_number: promotion.issue_number,
    project_item_id: promotion.project_item_id,
    from: 'Backlog',
    to: 'Ready',
    reason: promotion.reason,
  } as const;
}

/** BOARD_PROMOTION_APPLIED after a live POST (autopromotion events say dry_run:false, kickoff ones do not). */
export function promotionAppliedEvent(promotion: Promotion, backendPayload: unknown): RunnerEvent {
  return {
    ...promotionEventFields(promotion),
    ...(promotion.reason === 'ready_buffer_low' ? { dry_run: false } : {}),
    backend_payload: backendPayload,
  };
}

/** BOARD_PROMOTION_APPLIED in dry-run: the body that would have been sent. */
export function dryRunPromotionEvent(promotion: Promotion): RunnerEvent {
  return {
    ...promotionEventFields(promotion),
    dry_run: true,
    body: promotion.body,
  };
}

/** Owned paths of active items and of the items promoted earlier in the same pass. */
export class PathReservations {
  private readonly entries: Array<{ issue: number; path: string }> = [];

  reserve(issue: number, meta: ScopeItem): void {
    for (const path of meta.owns_paths.map(normalizePath)) if (path) this.entries.push({ issue, path });
  }

  /** The first of the item's owned paths that overlaps another issue's reservation. */
  conflictFor(issue: number, meta: ScopeItem): { path: string; conflict_issue_number: number; conflict_path: string } | null {
    for (const path of meta.owns_paths.map(normalizePath)) {
      const taken = this.entries.find((entry) => entry.issue !== issue && pathsOverlap(path, entry.path));
      if (taken) return { path, conflict_issue_number: taken.issue, conflict_path: taken.path };
    }
    return null;
  }
}

/**
 * The skip event for an item that must not become Ready yet, or null: a CHAINED item waits for its
 * (sanitised) dependencies to be Done; any item waits while its owned paths are reserved. Done
 * items never hold reservations, so the old runner's extra "CHAINED may overlap Done" rule is implied.
 */
export function promotionBlocker(
  issue: number,
  meta: ScopeItem,
  statusByIssue: ReadonlyMap<number, string>,
  reservations: PathReservations,
  extra: Record<string, unknown> = {},
): RunnerEvent | null {
  if (typeof meta.isolation_mode === 'string' && meta.isolation_mode.toUpperCase() === 'CHAINED') {
    const dependency = meta.depends_on.find((dep): dep is number => isPositiveInt(dep) && statusByIssue.get(dep) !== 'Done');
    if (dependency !== undefined) {
      return {
        type: 'BOARD_PROMOTION_SKIPPED_DEPENDENCY',
        issue_number: issue,
        depends_on: dependency,
        depends_on_status: statusByIssue.get(dependency) ?? '',
        ...extra,
      };
    }
  }
  const conflict = reservations.conflictFor(issue, meta);
  return conflict ? { type: 'BOARD_PROMOTION_SKIPPED_CONFLICT', issue_number: issue, ...conflict, ...extra } : null;
}

interface Board {
  statusByIssue: Map<number, string>;
  projectItemIdByIssue: Map<number, string>;
}

interface Candidate {
  issue_number: number;
  project_item_id: string;
  title: string;
  priority: string;
}

function boardOf(items: readonly ProcessedItem[]): Board {
  const board: Board = { statusByIssue: new Map(), projectItemIdByIssue: new Map() };
  for (const item of items) {
    if (isPositiveInt(item.issue_number) && nonBlank(item.project_item_id) && nonBlank(item.status)) {
      board.statusByIssue.set(item.issue_number, item.status.trim());
      board.projectItemIdByIssue.set(item.issue_number, item.project_item_id.trim());
    }
  }
  return board;
}

/** ../../docs/spec/runner-behaviour.md §5.4 with a sprint plan: Backlog tasks whose dependency titles are all Done, best priority first. */
function candidatesFromSprintPlan(plan: Record<string, unknown>, board: Board): Candidate[] {
  const malformed = (message: string, details: Record<string, unknown> = {}) => new RunnerError('malformed_sprint_plan', message, details);
  if (!Array.isArray(plan.tasks)) throw malformed('sprint plan tasks missing/invalid');
  const tasks = plan.tasks.filter(isObject);
  const issueByTitle = new Map<string, number>();
  for (const task of tasks) if (typeof task.title === 'string' && Number.isInteger(task.issue_number)) issueByTitle.set(task.title, task.issue_number as number);

  const candidates: Candidate[] = [];
  for (const task of tasks) {
    const issue = task.issue_number;
    if (!isPositiveInt(issue) || board.statusByIssue.get(issue) !== 'Backlog' || !nonBlank(task.title)) continue;
    const { title } = task;
    if (!PRIORITIES.includes(task.priority as (typeof PRIORITIES)[number])) throw malformed('sprint plan task priority missing/invalid', { title });
    const dependencyTitles = task.depends_on_titles || [];
    if (!Array.isArray(dependencyTitles) || !dependencyTitles.every(nonBlank)) throw malformed('sprint plan task depends_on_titles missing/invalid', { title });
    const dependencyIssues = dependencyTitles.map((dependency) => issueByTitle.get(dependency));
    if (dependencyIssues.includes(undefined)) throw malformed('sprint plan dependency title missing mapping', { title });
    if (dependencyIssues.some((dependency) => board.statusByIssue.get(dependency!) !== 'Done')) continue;
    const projectItemId = board.projectItemIdByIssue.get(issue) ?? (nonBlank(task.project_item_id) ? task.project_item_id.trim() : null);
    if (!projectItemId) throw malformed('missing project_item_id mapping for task', { title });
    candidates.push({ issue_number: issue, project_item_id: projectItemId, title, priority: task.priority as string });
  }
  return byPriorityThenIssue(candidates);
}

/** ../../docs/spec/runner-behaviour.md §5.4 without a sprint plan: every Backlog item, as P2. */
function candidatesFromBoard(items: readonly ProcessedItem[]): Candidate[] {
  const candidates: Candidate[] = [];
  for (const item of items) {
    if (item.status?.trim() === 'Backlog' && isPositiveInt(item.issue_number) && nonBlank(item.project_item_id)) {
      candidates.push({ issue_number: item.issue_number, project_item_id: item.project_item_id.trim(), title: `#${item.issue_number}`, priority: 'P2' });
    }
  }
  return byPriorityThenIssue(candidates);
}

function byPriorityThenIssue(candidates: Candidate[]): Candidate[] {
  const rank = (priority: string) => {
    const index = PRIORITIES.indexOf(priority as (typeof PRIORITIES)[number]);
    return index < 0 ? PRIORITIES.length : index;
  };
  return candidates.sort((a, b) => rank(a.priority) - rank(b.priority) || a.issue_number - b.issue_number);
}
