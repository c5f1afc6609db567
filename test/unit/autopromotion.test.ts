/** runner-behaviour.md §13 test_runner_recovery_and_promotion 1–11 and contract §E.3 / §C.11 sanitiser vectors. */
import { planAutopromotion, type AutopromotionPlan } from '../../src/domain/autopromotion';
import { sanitizeDependencyGraph, type ScopeItem } from '../../src/domain/dependency-graph';

const NOW = '2026-11-25T00:00:00.000Z';
const summary = (items: Array<[number, string]>, ready = 0) => ({
  type: 'DISPATCH_SUMMARY', sprint: 'M1', status_counts: { Ready: ready },
  processed_items: items.map(([n, status]) => ({ issue_number: n, project_item_id: `PVTI_${n}`, status })),
});
const scope = (owns: string[], extra: Record<string, unknown> = {}) => ({ owns_paths: owns, touch_paths: owns, depends_on: [], isolation_mode: 'ISOLATED', ...extra });
const plan = (sprintPlan: Record<string, unknown>, tasks: Array<[number, string]>) => ({
  sprint: 'M1', sprint_plan: sprintPlan,
  tasks: tasks.map(([n, priority]) => ({ title: `[TASK] ${n}`, issue_number: n, project_item_id: `PVTI_${n}`, priority, depends_on_titles: [] })),
});
const promoted = (result: AutopromotionPlan) => (result.kind === 'plan' ? result.promotions.map((p) => p.project_item_id) : result.kind);
const run = (s: ReturnType<typeof summary>, sprintPlan: Record<string, unknown> | null, readyTarget: number, regenAttempts = 2) =>
  planAutopromotion({ summary: s, sprintPlan, readyTarget, dryRun: false, regenAttempts, nowIso: NOW });

describe('autopromotion (seed test_runner_recovery_and_promotion)', () => {
  it('1: without a plan, Backlog items by number fill the deficit', () => {
    expect(promoted(run(summary([[4, 'Backlog'], [2, 'Backlog'], [3, 'In Progress']]), null, 2))).toEqual(['PVTI_2', 'PVTI_4']);
  });
  it('2: disjoint ISOLATED owners are both promoted', () => {
    const p = plan({ 2: scope(['apps/api']), 4: scope(['apps/runner']) }, [[2, 'P0'], [4, 'P0']]);
    expect(promoted(run(summary([[2, 'Backlog'], [4, 'Backlog']]), p, 2))).toEqual(['PVTI_2', 'PVTI_4']);
  });
  it('3: a CHAINED item waits for its dependency', () => {
    const p = plan(
      { 2: scope(['apps/api'], { isolation_mode: 'CHAINED' }), 3: scope(['apps/api'], { isolation_mode: 'CHAINED', depends_on: [2] }), 4: scope(['apps/runner']) },
      [[2, 'P0'], [3, 'P1'], [4, 'P0']],
    );
    const result = run(summary([[2, 'Backlog'], [3, 'Backlog'], [4, 'Backlog']]), p, 2);
    expect(promoted(result)).toEqual(['PVTI_2', 'PVTI_4']);
  });
  it('4: a CHAINED item whose dependency is Done is promoted', () => {
    const p = plan({ 2: scope(['apps/api']), 3: scope(['apps/api'], { isolation_mode: 'CHAINED', depends_on: [2] }) }, [[2, 'P0'], [3, 'P0']]);
    expect(promoted(run(summary([[2, 'Done'], [3, 'Backlog']]), p, 1))).toEqual(['PVTI_3']);
  });
  it('5: a dependency in Needs Human Approval blocks the CHAINED item', () => {
    const p = plan({ 2: scope(['apps/api']), 3: scope(['apps/api'], { isolation_mode: 'CHAINED', depends_on: [2] }) }, [[2, 'P0'], [3, 'P0']]);
    const result = run(summary([[2, 'Needs Human Approval'], [3, 'Backlog']]), p, 1);
    expect(promoted(result)).toEqual([]);
    expect(result.kind === 'plan' && result.skips[0]).toMatchObject({ type: 'BOARD_PROMOTION_SKIPPED_DEPENDENCY', issue_number: 3, depends_on: 2 });
  });
  it('6: an edge between disjoint owners is pruned (NO_OVERLAP)', () => {
    const p = plan({ 2: scope(['apps/api'], { isolation_mode: 'CHAINED', depends_on: [3] }), 3: scope(['apps/web'], { isolation_mode: 'CHAINED' }) }, [[2, 'P0'], [3, 'P1']]);
    const result = run(summary([[2, 'Backlog'], [3, 'Backlog']]), p, 1);
    expect(promoted(result)).toEqual(['PVTI_2']);
    expect(result.kind === 'plan' && result.sanitizationEvents[0]).toMatchObject({ report: { droppedEdges: [{ from: 2, to: 3, reason: 'NO_OVERLAP' }] } });
  });
  it('7: a two-node cycle is patched deterministically', () => {
    const p = plan(
      { 2: scope(['apps/api'], { isolation_mode: 'CHAINED', depends_on: [3] }), 3: scope(['apps/api/src'], { isolation_mode: 'CHAINED', depends_on: [2] }) },
      [[2, 'P0'], [3, 'P0']],
    );
    const result = run(summary([[2, 'Backlog'], [3, 'Backlog']]), p, 1);
    // One promotion: with 3 → 2 removed, #2 (CHAINED) still waits for #3, so #3 goes first.
    expect(promoted(result)).toEqual(['PVTI_3']);
    const succeeded = result.kind === 'plan' ? result.sanitizationEvents.filter((e) => e.type === 'sanitization_regen_succeeded') : [];
    expect(succeeded).toHaveLength(1);
    expect(succeeded[0]).toMatchObject({ attempts: 1, history: [{ tier: 'DETERMINISTIC_PATCH', edges_removed: [{ from: 3, to: 2 }] }] });
  });
  const tangled = () =>
    plan(
      {
        2: scope(['apps/api'], { depends_on: [3] }), 3: scope(['apps/api'], { depends_on: [2, 4] }), 4: scope(['apps/api'], { depends_on: [2] }),
      },
      [[2, 'P0'], [3, 'P0'], [4, 'P0']],
    );
  it('8: a cycle that survives the patch hands off to a planner (exit 6) with the regen request', () => {
    const result = run(summary([[2, 'Backlog'], [3, 'Backlog'], [4, 'Backlog']]), tangled(), 1, 2);
    expect(result.kind).toBe('stop');
    if (result.kind !== 'stop') return;
    expect(result.sanitization.outcome).toBe('handoff');
    expect(result.sanitization.history.map((h) => h.tier)).toEqual(['DETERMINISTIC_PATCH', 'PLANNER_REGEN']);
    expect(result.sanitization.history[1]).toMatchObject({ attempt: 1 });
    expect(result.sanitization.regenRequest).toMatchObject({ tier: 'PLANNER_REGEN', attempt: 1, requested_at: NOW });
  });
  it('9: with one attempt the same graph is exhausted (exit 5)', () => {
    const result = run(summary([[2, 'Backlog'], [3, 'Backlog'], [4, 'Backlog']]), tangled(), 1, 1);
    expect(result.kind === 'stop' && result.sanitization.outcome).toBe('exhausted');
    expect(result.kind === 'stop' && result.sanitization.history.map((h) => h.tier)).toEqual(['DETERMINISTIC_PATCH', 'FINAL_SANITIZATION_FAILED']);
  });
  it('10: with zero attempts a cycle is malformed data (exit 3) and no regen event is emitted', () => {
    const p = plan({ 2: scope(['apps/api'], { depends_on: [3] }), 3: scope(['apps/api'], { depends_on: [2] }) }, [[2, 'P0'], [3, 'P0']]);
    const result = run(summary([[2, 'Backlog'], [3, 'Backlog']]), p, 1, 0);
    expect(result.kind === 'stop' && result.sanitization.outcome).toBe('malformed');
    expect(result.kind === 'stop' && result.sanitization.events.some((e) => String(e.type).startsWith('sanitization_regen_'))).toBe(false);
  });
  it('11: the patch removes only the closing edge', () => {
    const p = plan(
      { 2: scope(['apps/api'], { depends_on: [3] }), 3: scope(['apps/api'], { depends_on: [4] }), 4: scope(['apps/api'], { depends_on: [2] }), 5: scope(['apps/api'], { depends_on: [2] }) },
      [[2, 'P0'], [3, 'P0'], [4, 'P0'], [5, 'P0']],
    );
    const result = run(summary([[2, 'Backlog'], [3, 'Backlog'], [4, 'Backlog'], [5, 'Backlog']]), p, 1);
    const succeeded = result.kind === 'plan' ? result.sanitizationEvents.find((e) => e.type === 'sanitization_regen_succeeded') : undefined;
    expect(succeeded).toMatchObject({ history: [{ edges_removed: [{ from: 4, to: 2 }] }] });
  });
  it('a full Ready buffer promotes nothing; dry run counts toward the deficit (seed ⚠ fixed)', () => {
    expect(promoted(run(summary([[2, 'Backlog']], 2), null, 2))).toEqual([]);
    const dry = planAutopromotion({ summary: summary([[2, 'Backlog'], [3, 'Backlog']]), sprintPlan: null, readyTarget: 1, dryRun: true, regenAttempts: 2, nowIso: NOW });
    expect(promoted(dry)).toEqual(['PVTI_2']);
  });
});

describe('sanitiser vectors (contract §E.3, §C.11)', () => {
  const item = (number: number, deps: unknown[], owns: string[], touch = owns): ScopeItem => ({ number, depends_on: deps, owns_paths: owns, touch_paths: touch });
  it('mixed case: DEAD_REF, NO_OVERLAP, DOC_BLOCKER and a cycle', () => {
    const { items, report } = sanitizeDependencyGraph([
      item(50, [999, 51, 54], ['apps/api']), item(51, [52], ['apps/web']), item(52, [51], ['apps/web']), item(54, [], ['docs'], ['docs/guide.md', 'notes/readme.txt']),
    ]);
    expect(report.droppedEdges).toEqual([
      { from: 50, to: 999, reason: 'DEAD_REF' }, { from: 50, to: 51, reason: 'NO_OVERLAP' }, { from: 50, to: 54, reason: 'DOC_BLOCKER' },
    ]);
    expect(report.cycles).toEqual([[51, 52]]);
    expect(items[0]!.depends_on).toEqual([]);
  });
  it('prefix overlap keeps the edge; an owner-less side keeps it too; a clean chain has no report', () => {
    expect(sanitizeDependencyGraph([item(22, [23], ['apps/api']), item(23, [], ['apps/api/src'])]).report).toEqual({ droppedEdges: [], cycles: null });
    expect(sanitizeDependencyGraph([item(24, [25], []), item(25, [], ['apps/x'])]).report.droppedEdges).toEqual([]);
    expect(sanitizeDependencyGraph([item(40, [41], ['a']), item(41, [42], ['a']), item(42, [40], ['a'])]).report.cycles).toEqual([[40, 41, 42]]);
  });
});
