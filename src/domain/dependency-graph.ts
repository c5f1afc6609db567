/**
 * Dependency-graph sanitisation before promotion (runner-behaviour.md §5.2–§5.3, contract §C.11):
 * `depends_on` exists only to sequence conflicting ownership, so edges to unknown issues
 * (DEAD_REF), from code onto doc-only work (DOC_BLOCKER) and between items that own no common
 * path (NO_OVERLAP) are dropped; what remains must be acyclic (Tarjan SCC), else a bounded
 * regeneration loop runs. Pure and deterministic: workflows call it.
 */

export interface ScopeItem {
  number: number;
  depends_on: unknown[];
  owns_paths: unknown[];
  touch_paths: unknown[];
  [key: string]: unknown;
}

export interface DroppedEdge {
  from: number;
  to: unknown;
  reason: 'DEAD_REF' | 'DOC_BLOCKER' | 'NO_OVERLAP';
}

export interface SanitizationReport {
  droppedEdges: DroppedEdge[];
  cycles: number[][] | null;
}

export function normalizePath(path: string): string {
  let p = path.trim().replace(/\\/g, '/');
  while (p.startsWith('./')) p = p.slice(2);
  p = p.replace(/^\/+/, '');
  while (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  return p;
}

export function pathsOverlap(a: string, b: string): boolean {
  return a !== '' && b !== '' && (a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`));
}

function isDocPath(path: string): boolean {
  const p = normalizePath(path).toLowerCase();
  return /\.(md|txt|rst)$/.test(p) || p.startsWith('docs/') || p.includes('/docs/') || p.endsWith('/docs');
}

function isDocOnly(item: ScopeItem): boolean {
  const paths = item.touch_paths.filter((p): p is string => typeof p === 'string');
  return item.touch_paths.length > 0 && paths.length === item.touch_paths.length && paths.every(isDocPath);
}

function ownedPaths(item: ScopeItem): string[] {
  return item.owns_paths.filter((p): p is string => typeof p === 'string').map(normalizePath).filter(Boolean);
}

/** One sanitisation pass: pruned copies of the items plus the report. */
export function sanitizeDependencyGraph(items: readonly ScopeItem[]): { items: ScopeItem[]; report: SanitizationReport } {
  const byNumber = new Map(items.map((item) => [item.number, item]));
  const droppedEdges: DroppedEdge[] = [];
  const pruned = items.map((item) => {
    const kept: number[] = [];
    for (const dep of item.depends_on) {
      const target = Number.isInteger(dep) ? byNumber.get(dep as number) : undefined;
      if (!target) droppedEdges.push({ from: item.number, to: dep, reason: 'DEAD_REF' });
      else if (isDocOnly(target) && !isDocOnly(item)) droppedEdges.push({ from: item.number, to: dep, reason: 'DOC_BLOCKER' });
      else if (noOverlap(ownedPaths(item), ownedPaths(target))) droppedEdges.push({ from: item.number, to: dep, reason: 'NO_OVERLAP' });
      else kept.push(dep as number);
    }
    return { ...item, depends_on: kept };
  });
  const cycles = findCycles(pruned);
  return { items: pruned, report: { droppedEdges, cycles: cycles.length ? cycles : null } };
}

function noOverlap(a: string[], b: string[]): boolean {
  return a.length > 0 && b.length > 0 && !a.some((x) => b.some((y) => pathsOverlap(x, y)));
}

/** Tarjan's SCC in ascending node order; a component of size > 1 or a self-loop is a cycle. */
export function findCycles(items: readonly ScopeItem[]): number[][] {
  const nodes = items.map((item) => item.number).sort((a, b) => a - b);
  const present = new Set(nodes);
  const edges = new Map(items.map((item) => [item.number, (item.depends_on as number[]).filter((dep) => present.has(dep))]));
  let index = 0;
  const indices = new Map<number, number>();
  const lowlink = new Map<number, number>();
  const stack: number[] = [];
  const onStack = new Set<number>();
  const cycles: number[][] = [];
  const visit = (node: number) => {
    indices.set(node, index);
    lowlink.set(node, index);
    index += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of edges.get(node) ?? []) {
      if (!indices.has(next)) {
        visit(next);
        lowlink.set(node, Math.min(lowlink.get(node)!, lowlink.get(next)!));
      } else if (onStack.has(next)) {
        lowlink.set(node, Math.min(lowlink.get(node)!, indices.get(next)!));
      }
    }
    if (lowlink.get(node) === indices.get(node)) {
      const component: number[] = [];
      let member: number;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (edges.get(node) ?? []).includes(node)) cycles.push(component.sort((a, b) => a - b));
    }
  };
  for (const node of nodes) if (!indices.has(node)) visit(node);
  return cycles.sort((a, b) => a[0]! - b[0]!);
}

export type RegenOutcome =
  | { outcome: 'clean'; items: ScopeItem[]; events: Array<Record<string, unknown>>; history: Array<Record<string, unknown>> }
  | { outcome: 'malformed' | 'exhausted' | 'handoff'; events: Array<Record<string, unknown>>; history: Array<Record<string, unknown>>; error: string; regenRequest?: Record<string, unknown> };

/**
 * §5.3: sanitise; on cycles, attempt 0 removes each cycle's closing edge (largest → smallest,
 * DETERMINISTIC_PATCH); later attempts hand off to a planner (PLANNER_REGEN, regen request file,
 * exit 6); exhausted attempts exit 5; with 0 attempts a cycle is malformed data (exit 3).
 */
export function runSanitization(
  items: readonly ScopeItem[],
  regenAttempts: number,
  context: { previousSprintPlan: unknown; nowIso: string },
): RegenOutcome {
  const max = Math.max(0, regenAttempts);
  const events: Array<Record<string, unknown>> = [];
  const history: Array<Record<string, unknown>> = [];
  let current = items.map((item) => ({ ...item }));
  let attempts = 0;
  for (;;) {
    const { items: sanitized, report } = sanitizeDependencyGraph(current);
    events.push({ type: 'DEPENDENCY_GRAPH_SANITIZED', report });
    if (!report.cycles) {
      if (history.length) events.push({ type: 'sanitization_regen_succeeded', attempts, history });
      return { outcome: 'clean', items: sanitized, events, history };
    }
    const cycleError = { cycles: report.cycles };
    if (max === 0) {
      events.push({ type: 'DEPENDENCY_CYCLE_DETECTED', cycles: report.cycles });
      return { outcome: 'malformed', events, history, error: 'dependency graph contains cycle(s); manual fix required' };
    }
    if (attempts >= max) {
      history.push({ attempt: attempts, tier: 'FINAL_SANITIZATION_FAILED', sanitization_report: report, cycle_error: cycleError });
      events.push({ type: 'sanitization_regen_exhausted', attempts, history });
      return { outcome: 'exhausted', events, history, error: 'dependency graph regeneration exhausted' };
    }
    const patched = current.map((item) => ({ ...item, depends_on: [...item.depends_on] }));
    const edgesRemoved: Array<{ from: number; to: number }> = [];
    for (const cycle of report.cycles) {
      const from = cycle[cycle.length - 1]!;
      const to = cycle[0]!;
      const item = patched.find((candidate) => candidate.number === from)!;
      const before = item.depends_on.length;
      item.depends_on = item.depends_on.filter((dep) => dep !== to);
      if (item.depends_on.length < before) edgesRemoved.push({ from, to });
    }
    const base = { attempt: attempts, cycles_targeted: report.cycles, edges_removed: edgesRemoved, sanitization_report: report, cycle_error: cycleError };
    if (attempts === 0 && edgesRemoved.length > 0) {
      history.push({ ...base, tier: 'DETERMINISTIC_PATCH' });
      current = patched;
      attempts += 1;
      continue;
    }
    const regenRequest = {
      requested_at: context.nowIso, attempt: attempts, tier: 'PLANNER_REGEN',
      context: {
        previous_sprint_plan: context.previousSprintPlan ?? {}, sanitization_report: report, cycle_error: cycleError, attempt_history: [...history],
        instruction: 'The depends_on graph for this sprint contains cycles or invalid edges that survived automated patching. Revise the scope metadata for the affected issues only. Do not change unaffected issues.',
      },
      deterministic_patch_probe: { cycles_targeted: report.cycles, edges_removed: edgesRemoved },
    };
    history.push({ ...base, tier: 'PLANNER_REGEN', handoff_requested: true });
    attempts += 1;
    events.push({ type: 'sanitization_regen_handoff_requested', attempts, history });
    return { outcome: 'handoff', events, history, error: 'planner regeneration handoff requested', regenRequest };
  }
}
