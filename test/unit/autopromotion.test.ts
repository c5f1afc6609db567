/**
 * Ready-buffer autopromotion: ../../docs/spec/runner-behaviour.md §13 test_runner_recovery_and_promotion 1–11, plus
 * our deviations (dry-run counts and reserves; a malformed sprint plan is a typed error).
 */
import { DispatchSummarySchema, type DispatchSummary } from '../../src/contracts/summary';
import { dryRunPromotionEvent, planAutopromotion, promotionAppliedEvent, type AutopromotionPlan, type Promotion } from '../../src/domain/autopromotion';
import { RunnerError } from '../../src/domain/errors';
import { plan, scope, seedPromotionCases, summary, tangledPlan } from '../support/seed-promotion';

const NOW = '2026-11-25T00:00:00.000Z';
const REQUEST_PATH = '/tmp/state.json.regen-request.json';

const run = (s: DispatchSummary, sprintPlan: Record<string, unknown> | null, readyTarget: number, regenAttempts = 2, dryRun = false) =>
  planAutopromotion({ summary: s, sprintPlan, readyTarget, dryRun, regenAttempts, nowIso: NOW, requestPath: REQUEST_PATH });

const promoted = (result: AutopromotionPlan) => result.steps.flatMap((step) => (step.kind === 'promote' ? [step.promotion.project_item_id] : []));
const emitted = (result: AutopromotionPlan) => result.steps.flatMap((step) => (step.kind === 'emit' ? [step.event] : []));
const history = (result: AutopromotionPlan) => result.sanitization?.history ?? [];

describe("test_runner_recovery_and_promotion (the old runner's cases 1–11)", () => {
  const runCase = (n: number) => {
    const c = seedPromotionCases[n - 1]!;
    return run(c.board, c.sprintPlan, c.readyTarget, c.regenAttempts);
  };
  it('1: without a plan, Backlog items fill the deficit in issue order with B1 bodies', () => {
    const result = runCase(1);
    expect(promoted(result)).toEqual(['PVTI_2', 'PVTI_4']);
    const first = result.steps.find((step) => step.kind === 'promote');
    expect(first?.kind === 'promote' && first.promotion.body).toEqual({ role: 'ORCHESTRATOR', project_item_id: 'PVTI_2', field: 'Status', value: 'Ready' });
  });
  it('2: disjoint ISOLATED owners are both promoted', () => {
    expect(promoted(runCase(2))).toEqual(['PVTI_2', 'PVTI_4']);
  });
  it('3: P0 items go first; the P1 CHAINED dependant is left for later', () => {
    expect(promoted(runCase(3))).toEqual(['PVTI_2', 'PVTI_4']);
  });
  it('4: a CHAINED item whose dependency is Done is promoted', () => {
    expect(promoted(runCase(4))).toEqual(['PVTI_3']);
  });
  it('5: a dependency in Needs Human Approval blocks the CHAINED item', () => {
    const result = runCase(5);
    expect(promoted(result)).toEqual([]);
    expect(emitted(result).at(-1)).toEqual({ type: 'BOARD_PROMOTION_SKIPPED_DEPENDENCY', issue_number: 3, depends_on: 2, depends_on_status: 'Needs Human Approval' });
  });
  it('6: an edge between disjoint owners is pruned (NO_OVERLAP) and the item promoted', () => {
    const result = runCase(6);
    expect(promoted(result)).toEqual(['PVTI_2']);
    expect(emitted(result)[0]).toEqual({ type: 'DEPENDENCY_GRAPH_SANITIZED', report: { droppedEdges: [{ from: 2, to: 3, reason: 'NO_OVERLAP' }], cycles: null } });
  });
  it('7: a two-node cycle is patched deterministically, then one item is promoted', () => {
    const result = runCase(7);
    // 3 → 2 is removed; #2 (CHAINED) still waits for #3, so #3 goes first.
    expect(promoted(result)).toEqual(['PVTI_3']);
    const succeeded = emitted(result).filter((e) => e.type === 'sanitization_regen_succeeded');
    expect(succeeded).toHaveLength(1);
    expect(succeeded[0]).toMatchObject({ attempts: 1, history: [{ tier: 'DETERMINISTIC_PATCH', edges_removed: [{ from: 3, to: 2 }] }] });
  });
  it('8: a cycle that survives the patch hands off to a planner (exit 6) with a regen request; nothing is promoted', () => {
    const result = runCase(8);
    expect(result.stop).toMatchObject({ exitCode: 6, hardStop: { reason: 'sanitization_regen_handoff_requested', request_path: REQUEST_PATH } });
    expect(result.sanitization?.outcome).toBe('handoff');
    expect(history(result).map((h) => h.tier)).toEqual(['DETERMINISTIC_PATCH', 'PLANNER_REGEN']);
    expect(history(result)[1]).toMatchObject({ attempt: 1 });
    expect(emitted(result).filter((e) => e.type === 'sanitization_regen_handoff_requested')).toHaveLength(1);
    expect(result.sanitization?.outcome === 'handoff' && result.sanitization.regenRequest).toMatchObject({
      requested_at: NOW,
      attempt: 1,
      tier: 'PLANNER_REGEN',
      context: { previous_sprint_plan: tangledPlan() },
    });
    expect(promoted(result)).toEqual([]);
  });
  it('9: with one attempt the same graph is exhausted (exit 5)', () => {
    const result = runCase(9);
    expect(result.stop?.exitCode).toBe(5);
    expect(emitted(result).filter((e) => e.type === 'sanitization_regen_exhausted')).toHaveLength(1);
    expect(history(result)[0]!.tier).toBe('DETERMINISTIC_PATCH');
    expect(history(result).at(-1)!.tier).toBe('FINAL_SANITIZATION_FAILED');
    expect(promoted(result)).toEqual([]);
  });
  it('10: with zero attempts a cycle is malformed item data (exit 3) and no regen event is emitted', () => {
    const result = runCase(10);
    expect(result.stop).toMatchObject({ exitCode: 3, hardStop: { type: 'HARD_STOP', reason: 'malformed_item_data' } });
    expect(emitted(result).some((e) => e.type.startsWith('sanitization_regen_'))).toBe(false);
  });
  it('11: the patch removes only the closing edge of the cycle', () => {
    const result = runCase(11);
    expect(result.sanitization?.outcome).toBe('clean');
    const [patch] = history(result);
    expect(patch!.edges_removed).toEqual([{ from: 4, to: 2 }]);
    const patched = patch!.patched_items as Array<{ number: number; depends_on: unknown[] }>;
    expect(patched.find((i) => i.number === 4)!.depends_on).toEqual([]);
    expect(patched.find((i) => i.number === 5)!.depends_on).toEqual([2]);
    // ISOLATED items ignore depends_on for eligibility, so issue order decides among the P0s.
    expect(promoted(result)).toEqual(['PVTI_2']);
  });
});

describe('deficit, reservations and skips', () => {
  it('a full Ready buffer promotes nothing but the graph is still sanitised', () => {
    const result = run(summary([[2, 'Backlog']], 2), null, 2);
    expect(result.steps).toEqual([{ kind: 'emit', event: { type: 'DEPENDENCY_GRAPH_SANITIZED', report: { droppedEdges: [], cycles: null } } }]);
  });
  it("nothing at all for a non-positive target, another sprint's plan or a summary without items", () => {
    expect(run(summary([[2, 'Backlog']]), null, 0)).toEqual({ sanitization: null, steps: [], stop: null });
    expect(run(summary([[2, 'Backlog']]), { ...plan({}, []), sprint: 'M2' }, 2)).toEqual({ sanitization: null, steps: [], stop: null });
    expect(run({ type: 'DISPATCH_SUMMARY', sprint: 'M1' }, null, 2)).toEqual({ sanitization: null, steps: [], stop: null });
  });
  it('an owned path of an active item blocks an overlapping candidate (SKIPPED_CONFLICT)', () => {
    const p = plan({ 5: scope(['apps/api']), 2: scope(['apps/api/x']), 3: scope(['apps/web']) }, [
      [5, 'P0'],
      [2, 'P0'],
      [3, 'P1'],
    ]);
    const result = run(
      summary([
        [5, 'In Progress'],
        [2, 'Backlog'],
        [3, 'Backlog'],
      ]),
      p,
      2,
    );
    expect(emitted(result).at(-1)).toEqual({ type: 'BOARD_PROMOTION_SKIPPED_CONFLICT', issue_number: 2, conflict_issue_number: 5, path: 'apps/api/x', conflict_path: 'apps/api' });
    expect(promoted(result)).toEqual(['PVTI_3']);
  });
  it('a task whose dependency title is not Done waits silently', () => {
    const p = plan({}, [
      [2, 'P0'],
      [3, 'P0', ['[TASK] 2']],
    ]);
    expect(
      promoted(
        run(
          summary([
            [2, 'In Review'],
            [3, 'Backlog'],
          ]),
          p,
          2,
        ),
      ),
    ).toEqual([]);
    expect(
      promoted(
        run(
          summary([
            [2, 'Done'],
            [3, 'Backlog'],
          ]),
          p,
          2,
        ),
      ),
    ).toEqual(['PVTI_3']);
  });
  // ../../docs/spec/runner-behaviour.md §14.10
  it("dry run: events instead of POSTs, and they count toward the deficit and reserve paths (the old runner's dry-run misreport fixed)", () => {
    const p = plan({ 2: scope(['apps/api']), 3: scope(['apps/api/src']), 4: scope(['apps/runner']), 6: scope(['apps/six']) }, [
      [2, 'P0'],
      [3, 'P0'],
      [4, 'P1'],
      [6, 'P2'],
    ]);
    const result = run(
      summary([
        [2, 'Backlog'],
        [3, 'Backlog'],
        [4, 'Backlog'],
        [6, 'Backlog'],
      ]),
      p,
      2,
      2,
      true,
    );
    expect(promoted(result)).toEqual([]);
    expect(emitted(result).slice(1)).toEqual([
      {
        type: 'BOARD_PROMOTION_APPLIED',
        issue_number: 2,
        project_item_id: 'PVTI_2',
        from: 'Backlog',
        to: 'Ready',
        reason: 'ready_buffer_low',
        dry_run: true,
        body: { role: 'ORCHESTRATOR', project_item_id: 'PVTI_2', field: 'Status', value: 'Ready' },
      },
      { type: 'BOARD_PROMOTION_SKIPPED_CONFLICT', issue_number: 3, conflict_issue_number: 2, path: 'apps/api/src', conflict_path: 'apps/api' },
      expect.objectContaining({ type: 'BOARD_PROMOTION_APPLIED', issue_number: 4, dry_run: true }),
    ]);
  });
  it('a lenient summary: wrongly typed fields read as absent instead of failing the summary', () => {
    const parsed = DispatchSummarySchema.parse({
      type: 'DISPATCH_SUMMARY',
      sprint: 'M1',
      status_counts: { Ready: 'many' },
      extra: 1,
      processed_items: [
        { issue_number: '7', project_item_id: 'PVTI_7', status: 'Backlog' },
        { issue_number: 8, project_item_id: 'PVTI_8', status: 'Backlog' },
      ],
    });
    expect(promoted(run(parsed, null, 1))).toEqual(['PVTI_8']);
  });
});

describe('malformed sprint plan → RunnerError malformed_sprint_plan (deviation: the old runner crashed with exit 1)', () => {
  const expectMalformed = (sprintPlan: Record<string, unknown>, message: string) => {
    let error: unknown;
    try {
      run(
        summary([
          [2, 'Backlog'],
          [3, 'Done'],
        ]),
        sprintPlan,
        1,
      );
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(RunnerError);
    expect(error).toMatchObject({ code: 'malformed_sprint_plan', message });
  };
  it.each([
    ['sprint plan tasks missing/invalid', { sprint: 'M1', tasks: 'nope' }],
    ['sprint plan task priority missing/invalid', plan({}, [[2, 'P9']])],
    ['sprint plan task depends_on_titles missing/invalid', { sprint: 'M1', tasks: [{ title: '[TASK] 2', issue_number: 2, priority: 'P0', depends_on_titles: [''] }] }],
    ['sprint plan dependency title missing mapping', plan({}, [[2, 'P0', ['[TASK] missing']]])],
  ])('%s', (message, sprintPlan) => expectMalformed(sprintPlan as Record<string, unknown>, message));
  it('only Backlog tasks are checked (a Done task with a bad priority is fine)', () => {
    expect(
      promoted(
        run(
          summary([
            [2, 'Done'],
            [3, 'Backlog'],
          ]),
          plan({}, [
            [2, 'P9'],
            [3, 'P1'],
          ]),
          1,
        ),
      ),
    ).toEqual(['PVTI_3']);
  });
});

describe('BOARD_PROMOTION_APPLIED events', () => {
  const promotion = (reason: Promotion['reason']): Promotion => ({
    issue_number: 4,
    project_item_id: 'PVTI_4',
    title: '[TASK] 4',
    reason,
    body: { role: 'ORCHESTRATOR', project_item_id: 'PVTI_4', field: 'Status', value: 'Ready' },
  });
  it('live autopromotion says dry_run:false and carries the backend payload', () => {
    const event = promotionAppliedEvent(promotion('ready_buffer_low'), { updated: { Status: 'Ready' } });
    expect(event).toEqual({
      type: 'BOARD_PROMOTION_APPLIED',
      issue_number: 4,
      project_item_id: 'PVTI_4',
      from: 'Backlog',
      to: 'Ready',
      reason: 'ready_buffer_low',
      dry_run: false,
      backend_payload: { updated: { Status: 'Ready' } },
    });
    expect(Object.keys(event)).toEqual(['type', 'issue_number', 'project_item_id', 'from', 'to', 'reason', 'dry_run', 'backend_payload']);
  });
  it('kickoff promotions have no dry_run field; dry-run events carry the body', () => {
    expect(promotionAppliedEvent(promotion('kickoff_ready_set'), {})).not.toHaveProperty('dry_run');
    expect(dryRunPromotionEvent(promotion('ready_buffer_low'))).toMatchObject({ dry_run: true, body: promotion('ready_buffer_low').body });
  });
});
