/**
 * Dependency-graph sanitisation before any promotion (../../docs/spec/runner-behaviour.md §5.1–§5.3,
 * ../../docs/spec/backend-orchestrator-contract.md §C.11): `depends_on` only sequences issues that own overlapping paths, so edges to unknown
 * issues, from code onto doc-only issues and between disjoint owners are dropped; cycles that
 * remain are patched once deterministically, then handed off to a planner (regen request file).
 */
import type { RunnerEvent } from '../contracts/event';

/** One issue's scope metadata plus its number, list fields defaulted to [] (../../docs/spec/runner-behaviour.md §5.1 step 5). */
export type ScopeItem = Record<string, unknown> & { number: number; depends_on: unknown[]; owns_paths: unknown[]; touch_paths: unknown[] };

export type EdgeDropReason = 'DEAD_REF' | 'DOC_BLOCKER' | 'NO_OVERLAP';
export interface DroppedEdge {
  from: number;
  to: unknown;
  reason: EdgeDropReason;
}
export interface SanitizationReport {
  droppedEdges: DroppedEdge[];
  cycles: number[][] | null;
}
export interface SanitizedGraph {
  /** Same order as the input; only `depends_on` differs. */
  items: ScopeItem[];
  report: SanitizationReport;
  error: { cycles: number[][] } | null;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const deepCopy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** `./a\b/` → `a/b`; '' for anything that is not a path. */
export function normalizePath(path: unknown): string {
  if (typeof path !== 'string') return '';
  let normalized = path.trim().replace(/\\/g, '/');
  while (normalized.startsWith('./')) normalized = normalized.slice(2);
  normalized = normalized.replace(/^\/+/, '');
  while (normalized.length > 1 && normalized.endsWith('/')) normalized = normalized.slice(0, -1);
  return normalized;
}

/** Prefix overlap by path segment: `apps/api` overlaps `apps/api/src`, not `apps/api2`. */
export function pathsOverlap(a: string, b: string): boolean {
  return a !== '' && b !== '' && (a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`));
}

export function isDocPath(path: unknown): boolean {
  const p = normalizePath(path).toLowerCase();
  return p.endsWith('.md') || p.endsWith('.txt') || p.endsWith('.rst') || p.startsWith('docs/') || p.includes('/docs/') || p.endsWith('/docs');
}

/** Touches something, and only documentation. */
export function isDocOnly(item: { touch_paths: unknown[] }): boolean {
  return item.touch_paths.length > 0 && item.touch_paths.every(isDocPath);
}

function ownedPaths(item: { owns_paths: unknown[] }): string[] {
  return item.owns_paths.map(normalizePath).filter((path) => path !== '');
}

/**
 * ../../docs/spec/runner-behaviour.md §5.1 step 4: `plan.sprint_plan` entries keyed by a positive issue number (Python int() rules:
 * blanks, sign and digit underscores allowed) with an object value; if there are none, the tasks'
 * `scope` objects; else nothing.
 */
export function extractScopePlan(plan: unknown): Map<number, Record<string, unknown>> {
  const scopePlan = new Map<number, Record<string, unknown>>();
  if (!isObject(plan)) return scopePlan;
  if (isObject(plan.sprint_plan)) {
    for (const [key, meta] of Object.entries(plan.sprint_plan)) {
      const issue = /^\s*[+-]?\d+(?:_\d+)*\s*$/.test(key) ? Number(key.replace(/_/g, '')) : NaN;
      if (Number.isSafeInteger(issue) && issue > 0 && isObject(meta)) scopePlan.set(issue, meta);
    }
    if (scopePlan.size) return scopePlan;
  }
  if (Array.isArray(plan.tasks)) {
    for (const task of plan.tasks) {
      if (isObject(task) && Number.isInteger(task.issue_number) && (task.issue_number as number) > 0 && isObject(task.scope)) {
        scopePlan.set(task.issue_number as number, task.scope);
      }
    }
  }
  return scopePlan;
}

/** ../../docs/spec/runner-behaviour.md §5.1 step 5: deep copies sorted by issue number. */
export function scopeItemsFrom(scopePlan: Map<number, Record<string, unknown>>): ScopeItem[] {
  return [...scopePlan.entries()]
    .sort(([a], [b]) => a - b)
    .map(([number, meta]) => {
      const item: Record<string, unknown> = { ...deepCopy(meta), number };
      for (const key of ['depends_on', 'owns_paths', 'touch_paths']) if (!Array.isArray(item[key])) item[key] = [];
      return item as ScopeItem;
    });
}

/** ../../docs/spec/runner-behaviour.md §5.2: drop edges that sequence nothing, then find the cycles among the kept ones. */
export function sanitizeDependencyGraph(items: readonly ScopeItem[]): SanitizedGraph {
  const byNumber = new Map(items.map((item) => [item.number, item]));
  const droppedEdges: DroppedEdge[] = [];
  const sanitized = items.map((item) => {
    const kept = item.depends_on.filter((dep) => {
      const reason = edgeDropReason(item, dep, byNumber);
      if (reason) droppedEdges.push({ from: item.number, to: dep, reason });
      return reason === null;
    });
    return { ...item, depends_on: kept };
  });
  const cycles = findCycles(sanitized);
  return {
    items: sanitized,
    report: { droppedEdges, cycles: cycles.length ? cycles : null },
    error: cycles.length ? { cycles } : null,
  };
}

function edgeDropReason(item: ScopeItem, dep: unknown, byNumber: Map<number, ScopeItem>): EdgeDropReason | null {
  const target = typeof dep === 'number' && Number.isInteger(dep) ? byNumber.get(dep) : undefined;
  if (!target) return 'DEAD_REF';
  if (isDocOnly(target) && !isDocOnly(item)) return 'DOC_BLOCKER';
  const mine = ownedPaths(item);
  const theirs = ownedPaths(target);
  if (mine.length && theirs.length && !mine.some((a) => theirs.some((b) => pathsOverlap(a, b)))) return 'NO_OVERLAP';
  return null;
}

/** Tarjan's SCC, nodes visited in ascending order; a cycle is an SCC of 2+ nodes or a self-loop. Kickoff reuses it on task titles. */
export function findCycles(items: ReadonlyArray<{ number: number; depends_on: unknown[] }>): number[][] {
  const edges = new Map(items.map((item) => [item.number, item.depends_on as number[]]));
  const index = new Map<number, number>();
  const low = new Map<number, number>();
  const stack: number[] = [];
  const onStack = new Set<number>();
  const components: number[][] = [];
  const visit = (node: number): void => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const next of edges.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: number[] = [];
      let member: number;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      components.push(component);
    }
  };
  for (const node of [...edges.keys()].sort((a, b) => a - b)) if (!index.has(node)) visit(node);
  return components
    .filter((component) => component.length > 1 || (edges.get(component[0]!) ?? []).includes(component[0]!))
    .map((component) => component.sort((a, b) => a - b))
    .sort((a, b) => a[0]! - b[0]!);
}

export type SanitizationTier = 'DETERMINISTIC_PATCH' | 'PLANNER_REGEN' | 'FINAL_SANITIZATION_FAILED';
export type SanitizationHistoryEntry = { attempt: number; tier: SanitizationTier } & Record<string, unknown>;

export interface SanitizationContext {
  /** The sprint plan cache the planner should revise ({} when there is none). */
  previousSprintPlan: Record<string, unknown> | null;
  nowIso: string;
  /** Where the caller writes the regen request (see regenRequestPath). */
  requestPath: string;
}

/** ../../docs/spec/runner-behaviour.md §10.5: the file external automation reads to re-plan; the caller writes it, then the run stops with exit 6. */
export interface RegenRequest {
  requested_at: string;
  attempt: number;
  tier: 'PLANNER_REGEN';
  context: {
    previous_sprint_plan: Record<string, unknown>;
    sanitization_report: SanitizationReport;
    cycle_error: { cycles: number[][] };
    attempt_history: SanitizationHistoryEntry[];
    instruction: string;
  };
  deterministic_patch_probe: { cycles_targeted: number[][]; edges_removed: Array<{ from: number; to: number }> };
}

/** Why the run stops; `hardStop` is the HARD_STOP event the old runner printed. */
export interface SanitizationStop {
  message: string;
  exitCode: 3 | 5 | 6;
  hardStop: RunnerEvent;
}

export type SanitizationResult =
  | { outcome: 'clean'; items: ScopeItem[]; events: RunnerEvent[]; history: SanitizationHistoryEntry[] }
  | { outcome: 'malformed' | 'exhausted'; events: RunnerEvent[]; history: SanitizationHistoryEntry[]; error: SanitizationStop }
  | { outcome: 'handoff'; events: RunnerEvent[]; history: SanitizationHistoryEntry[]; error: SanitizationStop; regenRequest: RegenRequest };

const REGEN_INSTRUCTION =
  'The depends_on graph for this sprint contains cycles or invalid edges that survived automated patching. ' +
  'Revise the scope metadata for the affected issues only. Do not change unaffected issues.';

export function regenRequestPath(orchestratorStatePath: string): string {
  return `${orchestratorStatePath}.regen-request.json`;
}

/**
 * ../../docs/spec/runner-behaviour.md §5.3. Attempt 0 removes, for each cycle, every edge from its largest to its smallest issue
 * (DETERMINISTIC_PATCH); any later attempt, or an attempt 0 with nothing to remove, asks a planner
 * (PLANNER_REGEN, exit 6). No attempts allowed → exit 3; attempts used up → exit 5.
 */
export function runSanitization(items: readonly ScopeItem[], regenAttempts: number, context: SanitizationContext): SanitizationResult {
  const maxAttempts = Math.max(0, regenAttempts);
  const events: RunnerEvent[] = [];
  const history: SanitizationHistoryEntry[] = [];
  let current: readonly ScopeItem[] = items;
  for (let attempts = 0; ; attempts += 1) {
    const graph = sanitizeDependencyGraph(current);
    events.push({ type: 'DEPENDENCY_GRAPH_SANITIZED', report: graph.report });
    if (!graph.error) {
      if (history.length) events.push({ type: 'sanitization_regen_succeeded', attempts, history });
      return { outcome: 'clean', items: graph.items, events, history };
    }
    if (maxAttempts === 0) {
      events.push({ type: 'DEPENDENCY_CYCLE_DETECTED', cycles: graph.error.cycles });
      const message = 'dependency graph contains cycle(s); manual fix required';
      return { outcome: 'malformed', events, history, error: { message, exitCode: 3, hardStop: { type: 'HARD_STOP', reason: 'malformed_item_data', error: message } } };
    }
    if (attempts >= maxAttempts) {
      history.push({ attempt: attempts, tier: 'FINAL_SANITIZATION_FAILED', sanitization_report: graph.report, cycle_error: graph.error });
      events.push({ type: 'sanitization_regen_exhausted', attempts, history });
      const message = 'dependency graph regeneration exhausted';
      return {
        outcome: 'exhausted',
        events,
        history,
        error: { message, exitCode: 5, hardStop: { type: 'HARD_STOP', reason: 'sanitization_regen_exhausted', error: message, history } },
      };
    }
    const { cycles } = graph.error;
    const { patchedItems, edgesRemoved } = removeCycleClosingEdges(current, cycles);
    if (attempts === 0 && edgesRemoved.length) {
      history.push({
        attempt: attempts,
        tier: 'DETERMINISTIC_PATCH',
        cycles_targeted: cycles,
        edges_removed: edgesRemoved,
        sanitization_report: graph.report,
        cycle_error: graph.error,
        patched_items: patchedItems,
      });
      current = patchedItems;
      continue;
    }
    const regenRequest: RegenRequest = {
      requested_at: context.nowIso,
      attempt: attempts,
      tier: 'PLANNER_REGEN',
      context: {
        previous_sprint_plan: context.previousSprintPlan ?? {},
        sanitization_report: graph.report,
        cycle_error: graph.error,
        attempt_history: [...history],
        instruction: REGEN_INSTRUCTION,
      },
      deterministic_patch_probe: { cycles_targeted: cycles, edges_removed: edgesRemoved },
    };
    history.push({
      attempt: attempts,
      tier: 'PLANNER_REGEN',
      cycles_targeted: cycles,
      edges_removed: edgesRemoved,
      sanitization_report: graph.report,
      cycle_error: graph.error,
      context_sent: regenRequest.context,
      request_path: context.requestPath,
      handoff_requested: true,
      patched_items: patchedItems,
    });
    events.push({ type: 'sanitization_regen_handoff_requested', attempts: attempts + 1, history, request_path: context.requestPath });
    const message = 'planner regeneration handoff requested';
    return {
      outcome: 'handoff',
      events,
      history,
      regenRequest,
      error: {
        message,
        exitCode: 6,
        hardStop: { type: 'HARD_STOP', reason: 'sanitization_regen_handoff_requested', error: message, request_path: context.requestPath, history },
      },
    };
  }
}

/** On a copy of the unsanitised items: drop every `cycle[0]` from the `depends_on` of `cycle[last]`. */
function removeCycleClosingEdges(items: readonly ScopeItem[], cycles: number[][]) {
  const patchedItems = deepCopy(items) as ScopeItem[];
  const byNumber = new Map(patchedItems.map((item) => [item.number, item]));
  const edgesRemoved: Array<{ from: number; to: number }> = [];
  for (const cycle of cycles) {
    const from = cycle[cycle.length - 1]!;
    const to = cycle[0]!;
    const item = byNumber.get(from)!;
    const remaining = item.depends_on.filter((dep) => dep !== to);
    if (remaining.length !== item.depends_on.length) {
      item.depends_on = remaining;
      edgesRemoved.push({ from, to });
    }
  }
  return { patchedItems, edgesRemoved };
}
