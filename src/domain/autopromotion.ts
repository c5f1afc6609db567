/**
 * Ready-buffer autopromotion (runner-behaviour.md §5.1, §5.4, §5.5): on every DISPATCH_SUMMARY,
 * after sanitising the dependency graph, promote Backlog items to Ready until `readyTarget` items
 * are Ready — P0 before P1 before P2, then by issue number; CHAINED items wait for their
 * dependencies to be Done; no item is promoted onto a path another active item owns. Pure: returns
 * the promotions (B1 bodies) and the skip events; the caller applies them.
 * Deviations from the seed: dry-run promotions count toward the deficit and reserve paths (the seed
 * logged every eligible item, ⚠ §14.10); a malformed sprint plan is a typed error, not a crash.
 */
import { RunnerError } from './errors';
import { normalizePath, pathsOverlap, runSanitization, type RegenOutcome, type ScopeItem } from './dependency-graph';

export interface SummaryItem {
  issue_number: number;
  project_item_id: string;
  status: string;
}

export interface Promotion {
  issue_number: number;
  project_item_id: string;
  body: { role: 'ORCHESTRATOR'; project_item_id: string; field: 'Status'; value: 'Ready' };
}

export type AutopromotionPlan =
  | { kind: 'skipped'; reason: string }
  | { kind: 'stop'; sanitization: Exclude<RegenOutcome, { outcome: 'clean' }> }
  | { kind: 'plan'; sanitizationEvents: Array<Record<string, unknown>>; promotions: Promotion[]; skips: Array<Record<string, unknown>> };

const ACTIVE = new Set(['Ready', 'In Progress', 'In Review', 'Needs Human Approval']);
const PRIORITY_RANK: Record<string, number> = { P0: 0, P1: 1, P2: 2 };
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const posint = (value: unknown): value is number => Number.isInteger(value) && (value as number) > 0;

/** §5.1 step 4: scope metadata from `sprint_plan` (keys are issue numbers), else from `tasks[].scope`. */
export function extractScopePlan(plan: unknown): Map<number, Record<string, unknown>> {
  const scope = new Map<number, Record<string, unknown>>();
  if (!isObject(plan)) return scope;
  if (isObject(plan.sprint_plan)) {
    for (const [key, meta] of Object.entries(plan.sprint_plan)) {
      const issue = /^\s*\+?\d+\s*$/.test(key) ? Number(key) : NaN;
      if (issue > 0 && isObject(meta)) scope.set(issue, meta);
    }
    if (scope.size) return scope;
  }
  if (Array.isArray(plan.tasks)) {
    for (const task of plan.tasks) if (isObject(task) && posint(task.issue_number) && isObject(task.scope)) scope.set(task.issue_number, task.scope);
  }
  return scope;
}

export function planAutopromotion(input: {
  summary: Record<string, unknown>;
  sprintPlan: Record<string, unknown> | null;
  readyTarget: number;
  dryRun: boolean;
  regenAttempts: number;
  nowIso: string;
}): AutopromotionPlan {
  const { summary, sprintPlan, readyTarget } = input;
  if (readyTarget <= 0) return { kind: 'skipped', reason: 'ready_target_not_positive' };
  if (sprintPlan && summary.sprint !== sprintPlan.sprint) return { kind: 'skipped', reason: 'sprint_plan_for_other_sprint' };
  if (!Array.isArray(summary.processed_items)) return { kind: 'skipped', reason: 'no_processed_items' };
  const status = new Map<number, string>();
  const itemId = new Map<number, string>();
  for (const entry of summary.processed_items as unknown[]) {
    if (!isObject(entry) || !posint(entry.issue_number)) continue;
    if (typeof entry.project_item_id !== 'string' || !entry.project_item_id.trim() || typeof entry.status !== 'string' || !entry.status.trim()) continue;
    status.set(entry.issue_number, entry.status);
    itemId.set(entry.issue_number, entry.project_item_id);
  }

  const scopeItems: ScopeItem[] = [...extractScopePlan(sprintPlan)]
    .sort(([a], [b]) => a - b)
    .map(([number, meta]) => ({
      ...(JSON.parse(JSON.stringify(meta)) as Record<string, unknown>), number,
      depends_on: Array.isArray(meta.depends_on) ? [...meta.depends_on] : [],
      owns_paths: Array.isArray(meta.owns_paths) ? [...meta.owns_paths] : [],
      touch_paths: Array.isArray(meta.touch_paths) ? [...meta.touch_paths] : [],
    }));
  const sanitization = runSanitization(scopeItems, input.regenAttempts, { previousSprintPlan: sprintPlan ?? {}, nowIso: input.nowIso });
  if (sanitization.outcome !== 'clean') return { kind: 'stop', sanitization };
  const scope = new Map(sanitization.items.map((item) => [item.number, item]));

  const deficit = Math.max(0, readyTarget - Number((summary.status_counts as Record<string, unknown> | undefined)?.Ready ?? 0));
  const plan = { kind: 'plan' as const, sanitizationEvents: sanitization.events, promotions: [] as Promotion[], skips: [] as Array<Record<string, unknown>> };
  if (deficit === 0) return plan;

  const candidates = sprintPlan ? candidatesFromPlan(sprintPlan, status, itemId) : candidatesFromBoard(status, itemId);
  candidates.sort((a, b) => (PRIORITY_RANK[a.priority] ?? 3) - (PRIORITY_RANK[b.priority] ?? 3) || a.issue_number - b.issue_number);

  const reserved: Array<{ issue: number; path: string }> = [];
  for (const [issue, item] of scope) {
    if (ACTIVE.has(status.get(issue) ?? '')) for (const path of ownedPaths(item)) reserved.push({ issue, path });
  }
  for (const candidate of candidates) {
    if (plan.promotions.length >= deficit) break;
    const meta = scope.get(candidate.issue_number);
    if (meta) {
      const chained = String(meta.isolation_mode ?? '').toUpperCase() === 'CHAINED';
      if (chained) {
        const blocker = (meta.depends_on as number[]).find((dep) => posint(dep) && status.get(dep) !== 'Done');
        if (blocker !== undefined) {
          plan.skips.push({ type: 'BOARD_PROMOTION_SKIPPED_DEPENDENCY', issue_number: candidate.issue_number, depends_on: blocker, depends_on_status: status.get(blocker) ?? '' });
          continue;
        }
      }
      const conflict = firstConflict(candidate.issue_number, ownedPaths(meta), reserved, chained, status);
      if (conflict) {
        plan.skips.push({ type: 'BOARD_PROMOTION_SKIPPED_CONFLICT', issue_number: candidate.issue_number, ...conflict });
        continue;
      }
      for (const path of ownedPaths(meta)) reserved.push({ issue: candidate.issue_number, path });
    }
    plan.promotions.push({
      issue_number: candidate.issue_number, project_item_id: candidate.project_item_id,
      body: { role: 'ORCHESTRATOR', project_item_id: candidate.project_item_id, field: 'Status', value: 'Ready' },
    });
  }
  return plan;
}

interface Candidate {
  issue_number: number;
  project_item_id: string;
  priority: string;
}

function candidatesFromBoard(status: Map<number, string>, itemId: Map<number, string>): Candidate[] {
  return [...status].filter(([, s]) => s === 'Backlog').map(([issue]) => ({ issue_number: issue, project_item_id: itemId.get(issue)!, priority: 'P2' }));
}

function candidatesFromPlan(plan: Record<string, unknown>, status: Map<number, string>, itemId: Map<number, string>): Candidate[] {
  if (!Array.isArray(plan.tasks)) throw new RunnerError('malformed_sprint_plan', 'sprint plan tasks missing/invalid');
  const titleToIssue = new Map<string, number>();
  for (const task of plan.tasks) if (isObject(task) && typeof task.title === 'string' && Number.isInteger(task.issue_number)) titleToIssue.set(task.title, task.issue_number as number);
  const out: Candidate[] = [];
  for (const task of plan.tasks) {
    if (!isObject(task) || !posint(task.issue_number) || status.get(task.issue_number) !== 'Backlog') continue;
    if (typeof task.title !== 'string' || !task.title.trim()) continue;
    if (typeof task.priority !== 'string' || !(task.priority in PRIORITY_RANK)) throw new RunnerError('malformed_sprint_plan', 'sprint plan task priority missing/invalid', { issue_number: task.issue_number });
    const deps = task.depends_on_titles ?? [];
    if (!Array.isArray(deps) || deps.some((d) => typeof d !== 'string' || !d.trim())) {
      throw new RunnerError('malformed_sprint_plan', 'sprint plan task depends_on_titles missing/invalid', { issue_number: task.issue_number });
    }
    const depIssues = deps.map((title) => titleToIssue.get(title as string));
    if (depIssues.some((d) => d === undefined)) throw new RunnerError('malformed_sprint_plan', 'sprint plan dependency title missing mapping', { issue_number: task.issue_number });
    if (depIssues.some((d) => status.get(d!) !== 'Done')) continue;
    const id = itemId.get(task.issue_number);
    if (!id) throw new RunnerError('malformed_sprint_plan', 'missing project_item_id mapping for task', { issue_number: task.issue_number });
    out.push({ issue_number: task.issue_number, project_item_id: id, priority: task.priority });
  }
  return out;
}

function ownedPaths(meta: Record<string, unknown>): string[] {
  return (Array.isArray(meta.owns_paths) ? meta.owns_paths : []).filter((p): p is string => typeof p === 'string').map(normalizePath).filter(Boolean);
}

function firstConflict(issue: number, owned: string[], reserved: Array<{ issue: number; path: string }>, chained: boolean, status: Map<number, string>) {
  for (const path of owned) {
    for (const entry of reserved) {
      if (entry.issue === issue || (chained && status.get(entry.issue) === 'Done')) continue;
      if (pathsOverlap(path, entry.path)) return { conflict_issue_number: entry.issue, path, conflict_path: entry.path };
    }
  }
  return null;
}
