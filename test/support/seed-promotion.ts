/**
 * Boards and sprint plans of the old runner's test_runner_recovery_and_promotion cases
 * (../../docs/spec/runner-behaviour.md §13), shared by the domain test and the same cases run
 * through the sprint workflow.
 */
import type { DispatchSummary } from '../../src/contracts/summary';

/** A DISPATCH_SUMMARY listing `items` as [issue, board status], with `ready` items counted Ready. */
export const summary = (items: Array<[number, string]>, ready = 0): DispatchSummary => ({
  type: 'DISPATCH_SUMMARY',
  sprint: 'M1',
  status_counts: { Ready: ready },
  processed_items: items.map(([n, status]) => ({ issue_number: n, project_item_id: `PVTI_${n}`, status })),
});

/** One item's scope in `sprint_plan`; ISOLATED, no dependencies unless `extra` says so. */
export const scope = (owns: string[], extra: Record<string, unknown> = {}) => ({ owns_paths: owns, touch_paths: owns, depends_on: [], isolation_mode: 'ISOLATED', ...extra });

/** A sprint M1 plan: `sprintPlan` keyed by issue, and tasks as [issue, priority, dependency titles]. */
export const plan = (sprintPlan: Record<string, unknown>, tasks: Array<[number, string, string[]?]>) => ({
  sprint: 'M1',
  sprint_plan: sprintPlan,
  tasks: tasks.map(([n, priority, deps = []]) => ({ title: `[TASK] ${n}`, issue_number: n, project_item_id: `PVTI_${n}`, priority, depends_on_titles: deps })),
});

/** Cases 8 and 9: edges 2→3, 3→2, 3→4, 4→2, all overlapping — the deterministic patch cannot fix it. */
export const tangledPlan = () =>
  plan({ 2: scope(['apps/api'], { depends_on: [3] }), 3: scope(['apps/api'], { depends_on: [2, 4] }), 4: scope(['apps/api'], { depends_on: [2] }) }, [
    [2, 'P0'],
    [3, 'P0'],
    [4, 'P0'],
  ]);
export const tangledBoard = () =>
  summary([
    [2, 'Backlog'],
    [3, 'Backlog'],
    [4, 'Backlog'],
  ]);

export interface SeedPromotionCase {
  /** "<old runner's case number>: what it shows" */
  name: string;
  board: DispatchSummary;
  sprintPlan: Record<string, unknown> | null;
  readyTarget: number;
  regenAttempts: number;
}

/** A plan whose items are all P0, with `depends_on` and owned paths given per issue. */
const allP0Plan = (depends: Record<number, number[]>, owns: Record<number, string[]>, extra: Record<string, unknown> = {}) =>
  plan(
    Object.fromEntries(Object.entries(owns).map(([n, paths]) => [n, scope(paths, { depends_on: depends[Number(n)] ?? [], ...extra })])),
    Object.keys(owns).map((n) => [Number(n), 'P0'] as [number, string]),
  );

/** The inputs of the old runner's cases 1–11, in order. */
export const seedPromotionCases: SeedPromotionCase[] = [
  {
    name: '1: without a plan, Backlog fills the deficit in issue order',
    board: summary([
      [4, 'Backlog'],
      [2, 'Backlog'],
      [3, 'In Progress'],
    ]),
    sprintPlan: null,
    readyTarget: 2,
    regenAttempts: 2,
  },
  {
    name: '2: disjoint ISOLATED owners are both promoted',
    board: summary([
      [2, 'Backlog'],
      [4, 'Backlog'],
    ]),
    sprintPlan: plan({ 2: scope(['apps/api']), 4: scope(['apps/runner']) }, [
      [2, 'P0'],
      [4, 'P0'],
    ]),
    readyTarget: 2,
    regenAttempts: 2,
  },
  {
    name: '3: P0 first; the P1 CHAINED dependant waits',
    board: summary([
      [2, 'Backlog'],
      [3, 'Backlog'],
      [4, 'Backlog'],
    ]),
    sprintPlan: plan({ 2: scope(['apps/api'], { isolation_mode: 'CHAINED' }), 3: scope(['apps/api'], { isolation_mode: 'CHAINED', depends_on: [2] }), 4: scope(['apps/runner']) }, [
      [2, 'P0'],
      [3, 'P1'],
      [4, 'P0'],
    ]),
    readyTarget: 2,
    regenAttempts: 2,
  },
  {
    name: '4: a CHAINED item whose dependency is Done is promoted',
    board: summary([
      [2, 'Done'],
      [3, 'Backlog'],
    ]),
    sprintPlan: plan({ 2: scope(['apps/api']), 3: scope(['apps/api'], { isolation_mode: 'CHAINED', depends_on: [2] }) }, [
      [2, 'P0'],
      [3, 'P0'],
    ]),
    readyTarget: 1,
    regenAttempts: 2,
  },
  {
    name: '5: a dependency in Needs Human Approval blocks the CHAINED item',
    board: summary([
      [2, 'Needs Human Approval'],
      [3, 'Backlog'],
    ]),
    sprintPlan: plan({ 2: scope(['apps/api']), 3: scope(['apps/api'], { isolation_mode: 'CHAINED', depends_on: [2] }) }, [
      [2, 'P0'],
      [3, 'P0'],
    ]),
    readyTarget: 1,
    regenAttempts: 2,
  },
  {
    name: '6: an edge between disjoint owners is pruned (NO_OVERLAP)',
    board: summary([
      [2, 'Backlog'],
      [3, 'Backlog'],
    ]),
    sprintPlan: allP0Plan({ 2: [3] }, { 2: ['apps/api'], 3: ['apps/web'] }, { isolation_mode: 'CHAINED' }),
    readyTarget: 1,
    regenAttempts: 2,
  },
  {
    name: '7: a two-node cycle is patched deterministically',
    board: summary([
      [2, 'Backlog'],
      [3, 'Backlog'],
    ]),
    sprintPlan: allP0Plan({ 2: [3], 3: [2] }, { 2: ['apps/api'], 3: ['apps/api/src'] }, { isolation_mode: 'CHAINED' }),
    readyTarget: 1,
    regenAttempts: 2,
  },
  { name: '8: a cycle that survives the patch hands off (exit 6)', board: tangledBoard(), sprintPlan: tangledPlan(), readyTarget: 1, regenAttempts: 2 },
  { name: '9: the same graph with one attempt is exhausted (exit 5)', board: tangledBoard(), sprintPlan: tangledPlan(), readyTarget: 1, regenAttempts: 1 },
  {
    name: '10: zero attempts: a cycle is malformed item data (exit 3)',
    board: summary([
      [2, 'Backlog'],
      [3, 'Backlog'],
    ]),
    sprintPlan: allP0Plan({ 2: [3], 3: [2] }, { 2: ['apps/api'], 3: ['apps/api'] }),
    readyTarget: 1,
    regenAttempts: 0,
  },
  {
    name: '11: the patch removes only the closing edge',
    board: summary([
      [2, 'Backlog'],
      [3, 'Backlog'],
      [4, 'Backlog'],
      [5, 'Backlog'],
    ]),
    sprintPlan: allP0Plan({ 2: [3], 3: [4], 4: [2], 5: [2] }, { 2: ['apps/api'], 3: ['apps/api'], 4: ['apps/api'], 5: ['apps/api'] }),
    readyTarget: 1,
    regenAttempts: 2,
  },
];
