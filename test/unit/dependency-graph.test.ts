/**
 * Dependency-graph sanitisation: ../../docs/spec/backend-orchestrator-contract.md §E.3 vectors 1–10 and the §C.11 mixed case, path rules,
 * scope-plan extraction (../../docs/spec/runner-behaviour.md §5.1) and the regeneration loop (§5.3, §10.5).
 */
import {
  extractScopePlan,
  isDocOnly,
  isDocPath,
  normalizePath,
  pathsOverlap,
  regenRequestPath,
  runSanitization,
  sanitizeDependencyGraph,
  scopeItemsFrom,
  type ScopeItem,
} from '../../src/domain/dependency-graph';

const item = (number: number, depends_on: unknown[], owns: string[], touch: string[] = owns): ScopeItem => ({
  number,
  depends_on,
  owns_paths: owns,
  touch_paths: touch,
});
const context = { previousSprintPlan: { sprint: 'M1' }, nowIso: '2026-11-25T10:00:00.000Z', requestPath: '/tmp/state.json.regen-request.json' };

// ../../docs/spec/backend-orchestrator-contract.md §E.3
describe('sanitiser vectors', () => {
  it('1: a clean chain is unchanged', () => {
    const items = [item(1, [], ['apps/api']), item(2, [1], ['apps/api']), item(3, [2], ['apps/api'])];
    const result = sanitizeDependencyGraph(items);
    expect(result.items.map((i) => i.depends_on)).toEqual([[], [1], [2]]);
    expect(result.report).toEqual({ droppedEdges: [], cycles: null });
    expect(result.error).toBeNull();
  });
  it('2: a dependency on an unknown issue is DEAD_REF', () => {
    const result = sanitizeDependencyGraph([item(10, [999], ['apps/api'])]);
    expect(result.items[0]!.depends_on).toEqual([]);
    expect(result.report.droppedEdges).toEqual([{ from: 10, to: 999, reason: 'DEAD_REF' }]);
  });
  it('3: code depending on doc-only work is DOC_BLOCKER', () => {
    const result = sanitizeDependencyGraph([item(11, [12], ['apps/api']), item(12, [], ['docs'], ['docs/guide.md', 'notes/readme.txt'])]);
    expect(result.report.droppedEdges).toEqual([{ from: 11, to: 12, reason: 'DOC_BLOCKER' }]);
  });
  it('4: doc-only depending on doc-only is kept', () => {
    const result = sanitizeDependencyGraph([item(13, [14], ['docs'], ['docs/a.md']), item(14, [], ['docs'], ['README.rst'])]);
    expect(result.items[0]!.depends_on).toEqual([14]);
    expect(result.report.droppedEdges).toEqual([]);
  });
  it('5: disjoint owners are NO_OVERLAP', () => {
    expect(sanitizeDependencyGraph([item(20, [21], ['apps/api']), item(21, [], ['apps/web'])]).report.droppedEdges).toEqual([{ from: 20, to: 21, reason: 'NO_OVERLAP' }]);
  });
  it('6: a prefix overlap keeps the edge', () => {
    expect(sanitizeDependencyGraph([item(22, [23], ['apps/api']), item(23, [], ['apps/api/src'])]).items[0]!.depends_on).toEqual([23]);
  });
  it('7: an item without owned paths keeps its edge (no overlap check)', () => {
    expect(sanitizeDependencyGraph([item(24, [25], []), item(25, [], ['apps/x'])]).items[0]!.depends_on).toEqual([25]);
  });
  it('8: a two-node cycle is reported in report and error', () => {
    const result = sanitizeDependencyGraph([item(30, [31], ['a']), item(31, [30], ['a'])]);
    expect(result.report.cycles).toEqual([[30, 31]]);
    expect(result.error).toEqual({ cycles: [[30, 31]] });
  });
  it('9: a three-node cycle is reported sorted', () => {
    expect(sanitizeDependencyGraph([item(40, [41], ['a']), item(41, [42], ['a']), item(42, [40], ['a'])]).report.cycles).toEqual([[40, 41, 42]]);
  });
  it('10 (C.11 mixed case): DEAD_REF, NO_OVERLAP, DOC_BLOCKER in edge order, then the remaining cycle', () => {
    const result = sanitizeDependencyGraph([
      item(50, [999, 51, 54], ['apps/api']),
      item(51, [52], ['apps/web']),
      item(52, [51], ['apps/web']),
      item(54, [], ['docs'], ['docs/guide.md', 'notes/readme.txt']),
    ]);
    expect(result.report.droppedEdges).toEqual([
      { from: 50, to: 999, reason: 'DEAD_REF' },
      { from: 50, to: 51, reason: 'NO_OVERLAP' },
      { from: 50, to: 54, reason: 'DOC_BLOCKER' },
    ]);
    expect(result.report.cycles).toEqual([[51, 52]]);
    expect(result.items[0]!.depends_on).toEqual([]);
  });
});

describe('graph details', () => {
  it('self-loops are cycles, non-integer deps are DEAD_REF, cycles are sorted by their first issue', () => {
    const result = sanitizeDependencyGraph([item(5, [5, '6', 2.5], ['a']), item(60, [61], ['b']), item(61, [60], ['b']), item(7, [8], ['c']), item(8, [7], ['c'])]);
    expect(result.report.droppedEdges).toEqual([
      { from: 5, to: '6', reason: 'DEAD_REF' },
      { from: 5, to: 2.5, reason: 'DEAD_REF' },
    ]);
    expect(result.report.cycles).toEqual([[5], [7, 8], [60, 61]]);
  });
  it('paths are normalised and overlap by whole segments', () => {
    expect(normalizePath(' .\\./apps\\api/ ')).toBe('apps/api');
    expect(normalizePath('//x//')).toBe('x');
    expect(normalizePath(42)).toBe('');
    expect(pathsOverlap('apps/api', 'apps/api/src')).toBe(true);
    expect(pathsOverlap('apps/api', 'apps/api2')).toBe(false);
    expect(pathsOverlap('', 'apps')).toBe(false);
  });
  it('doc paths: .md/.txt/.rst, docs/ prefix, /docs/ inside, /docs at the end — but not a bare "docs" bucket', () => {
    expect(['a/B.MD', 'x.txt', 'y.rst', 'docs/a', 'pkg/docs/a', 'pkg/docs'].every(isDocPath)).toBe(true);
    expect(isDocPath('docs')).toBe(false);
    expect(isDocOnly({ touch_paths: [] })).toBe(false);
    expect(isDocOnly({ touch_paths: ['docs/a.md', 'src/a.ts'] })).toBe(false);
  });
});

// ../../docs/spec/runner-behaviour.md §5.1
describe('scope plan extraction', () => {
  it('reads sprint_plan keys as Python int() would and skips non-object values', () => {
    const scope = extractScopePlan({ sprint_plan: { ' +7 ': { owns_paths: [] }, '1_0': {}, '0': {}, '-3': {}, x: {}, '4': 'nope' } });
    expect([...scope.keys()]).toEqual([7, 10]);
  });
  it('falls back to tasks[].scope when sprint_plan yields nothing', () => {
    const scope = extractScopePlan({
      sprint_plan: {},
      tasks: [
        { issue_number: 3, scope: { owns_paths: ['a'] } },
        { issue_number: 0, scope: {} },
        { issue_number: 4, scope: null },
      ],
    });
    expect([...scope.entries()]).toEqual([[3, { owns_paths: ['a'] }]]);
  });
  it('items are sorted deep copies with list fields defaulted', () => {
    const meta = { owns_paths: ['a'], depends_on: 'x', isolation_mode: 'CHAINED' };
    const items = scopeItemsFrom(
      new Map<number, Record<string, unknown>>([
        [9, meta],
        [2, {}],
      ]),
    );
    expect(items).toEqual([
      { number: 2, depends_on: [], owns_paths: [], touch_paths: [] },
      { owns_paths: ['a'], depends_on: [], isolation_mode: 'CHAINED', number: 9, touch_paths: [] },
    ]);
    (items[1]!.owns_paths as string[]).push('b');
    expect(meta.owns_paths).toEqual(['a']);
  });
});

// ../../docs/spec/runner-behaviour.md §5.3
describe('regeneration loop', () => {
  const tangled = () => [item(2, [3], ['apps/api']), item(3, [2, 4], ['apps/api']), item(4, [2], ['apps/api'])];

  it('a clean graph emits one DEPENDENCY_GRAPH_SANITIZED and no regen event', () => {
    const result = runSanitization([item(1, [], ['a'])], 2, context);
    expect(result.outcome).toBe('clean');
    expect(result.events).toEqual([{ type: 'DEPENDENCY_GRAPH_SANITIZED', report: { droppedEdges: [], cycles: null } }]);
  });
  // ../../docs/spec/runner-behaviour.md §10.5
  it('handoff: the regen request is the exact regen request file, the HARD_STOP carries path and history (exit 6)', () => {
    const result = runSanitization(tangled(), 2, context);
    if (result.outcome !== 'handoff') throw new Error(`expected handoff, got ${result.outcome}`);
    expect(result.events.map((e) => e.type)).toEqual(['DEPENDENCY_GRAPH_SANITIZED', 'DEPENDENCY_GRAPH_SANITIZED', 'sanitization_regen_handoff_requested']);
    expect(result.events[2]).toEqual({ type: 'sanitization_regen_handoff_requested', attempts: 2, history: result.history, request_path: context.requestPath });
    const [patch, regen] = result.history;
    expect(patch).toMatchObject({ attempt: 0, tier: 'DETERMINISTIC_PATCH', cycles_targeted: [[2, 3, 4]], edges_removed: [{ from: 4, to: 2 }] });
    expect(regen).toMatchObject({ attempt: 1, tier: 'PLANNER_REGEN', handoff_requested: true, request_path: context.requestPath, edges_removed: [{ from: 3, to: 2 }] });
    expect(result.regenRequest).toEqual({
      requested_at: context.nowIso,
      attempt: 1,
      tier: 'PLANNER_REGEN',
      context: {
        previous_sprint_plan: { sprint: 'M1' },
        sanitization_report: { droppedEdges: [], cycles: [[2, 3]] },
        cycle_error: { cycles: [[2, 3]] },
        attempt_history: [patch],
        instruction:
          'The depends_on graph for this sprint contains cycles or invalid edges that survived automated patching. Revise the scope metadata for the affected issues only. Do not change unaffected issues.',
      },
      deterministic_patch_probe: { cycles_targeted: [[2, 3]], edges_removed: [{ from: 3, to: 2 }] },
    });
    expect(result.error).toEqual({
      message: 'planner regeneration handoff requested',
      exitCode: 6,
      hardStop: {
        type: 'HARD_STOP',
        reason: 'sanitization_regen_handoff_requested',
        error: 'planner regeneration handoff requested',
        request_path: context.requestPath,
        history: result.history,
      },
    });
  });
  it('exhausted: one attempt allowed, the patched graph still cycles (exit 5)', () => {
    const result = runSanitization(tangled(), 1, context);
    expect(result.outcome).toBe('exhausted');
    expect(result.history.map((h) => h.tier)).toEqual(['DETERMINISTIC_PATCH', 'FINAL_SANITIZATION_FAILED']);
    expect(result.events.at(-1)).toEqual({ type: 'sanitization_regen_exhausted', attempts: 1, history: result.history });
    expect(result.outcome !== 'clean' && result.error.hardStop).toEqual({
      type: 'HARD_STOP',
      reason: 'sanitization_regen_exhausted',
      error: 'dependency graph regeneration exhausted',
      history: result.history,
    });
  });
  it('malformed: zero attempts stop at the first cycle with DEPENDENCY_CYCLE_DETECTED (exit 3)', () => {
    const result = runSanitization([item(2, [3], ['a']), item(3, [2], ['a'])], 0, context);
    expect(result.outcome).toBe('malformed');
    expect(result.events.at(-1)).toEqual({ type: 'DEPENDENCY_CYCLE_DETECTED', cycles: [[2, 3]] });
    expect(result.outcome !== 'clean' && result.error).toEqual({
      message: 'dependency graph contains cycle(s); manual fix required',
      exitCode: 3,
      hardStop: { type: 'HARD_STOP', reason: 'malformed_item_data', error: 'dependency graph contains cycle(s); manual fix required' },
    });
  });
  it('nothing removable at attempt 0 hands off at once, even with one attempt', () => {
    // Cycle 2 → 4 → 3 → 2: the closing edge 4 → 2 does not exist.
    const result = runSanitization([item(2, [4], ['a']), item(3, [2], ['a']), item(4, [3], ['a'])], 1, context);
    expect(result.outcome).toBe('handoff');
    expect(result.history).toHaveLength(1);
    expect(result.history[0]).toMatchObject({ attempt: 0, tier: 'PLANNER_REGEN', edges_removed: [] });
  });
  it('the input items are never mutated by a patch', () => {
    const items = tangled();
    runSanitization(items, 2, context);
    expect(items.map((i) => i.depends_on)).toEqual([[3], [2, 4], [2]]);
  });
  it('the regen request sits next to the state file', () => {
    expect(regenRequestPath('/srv/.orchestrator-state.json')).toBe('/srv/.orchestrator-state.json.regen-request.json');
  });
});
