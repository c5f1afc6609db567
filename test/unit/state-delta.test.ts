import type { OrchestratorState } from '../../src/contracts/state-file';
import { applyReviewerOutcome } from '../../src/domain/state-file';
import { applyStateDelta, stateBytes, stateDelta } from '../../src/domain/state-delta';

const item = (issue: number, extra: Record<string, unknown> = {}) => ({
  last_seen_issue_number: issue,
  last_seen_status: 'In Review',
  last_seen_at: '2026-12-01T10:00:00.000Z',
  last_run_id: null,
  last_reviewer_outcome: '',
  review_cycle_count: 0,
  ...extra,
});

describe('orchestrator state deltas (JSON Patch)', () => {
  const before: OrchestratorState = { poll_count: 3, items: { PVTI_1: item(1), PVTI_2: item(2) }, sprint_plan: { goal: { issue_number: 9 } } };

  it('turns the state before a run into the state after it, nulls and removals included', () => {
    const after: OrchestratorState = {
      poll_count: 4,
      items: { PVTI_1: item(1, { last_seen_at: '2026-12-01T10:00:05.000Z', last_run_id: 'r-1', last_dispatched_role: 'REVIEWER' }), PVTI_3: item(3, { in_review_origin: null }) },
      sprint_plan: { goal: { issue_number: 9 } },
    };
    const delta = stateDelta(before, after);
    expect(applyStateDelta(before, delta)).toEqual({ state: after, skipped: 0 });
    // Only what changed travels: not PVTI_1's unchanged fields, not the sprint plan.
    expect(delta.map((op) => op.path).sort()).toEqual([
      '/items/PVTI_1/last_dispatched_role',
      '/items/PVTI_1/last_run_id',
      '/items/PVTI_1/last_seen_at',
      '/items/PVTI_2',
      '/items/PVTI_3',
      '/poll_count',
    ]);
    // The state it was applied to is not changed.
    expect(before.poll_count).toBe(3);
  });

  it('keeps a runner-managed field recorded while the orchestrator ran (the delta is applied to the current state)', () => {
    const after: OrchestratorState = { ...before, poll_count: 4, items: { ...before.items, PVTI_2: item(2, { last_seen_at: '2026-12-01T10:00:05.000Z' }) } };
    const delta = stateDelta(before, after);
    const meanwhile = applyReviewerOutcome(before, 2, 'FAIL', '2026-12-01T10:00:03.000Z').state;
    const { state } = applyStateDelta(meanwhile, delta);
    expect(state.items.PVTI_2).toMatchObject({ last_reviewer_outcome: 'FAIL', review_cycle_count: 1, last_seen_at: '2026-12-01T10:00:05.000Z' });
    expect(state.poll_count).toBe(4);
  });

  it('skips an operation whose target vanished instead of failing', () => {
    const delta = stateDelta(before, { ...before, items: { PVTI_1: before.items.PVTI_1!, PVTI_2: { ...before.items.PVTI_2!, last_seen_status: 'Done' } } });
    const { state, skipped } = applyStateDelta({ poll_count: 3, items: { PVTI_1: before.items.PVTI_1! } }, delta);
    expect(skipped).toBe(1);
    expect(state.items.PVTI_2).toBeUndefined();
  });

  it('measures the state as UTF-8 JSON bytes (what its payload costs)', () => {
    expect(stateBytes({ poll_count: 0, items: {} })).toBe(Buffer.byteLength(JSON.stringify({ poll_count: 0, items: {} })));
    const text: OrchestratorState = { poll_count: 0, items: { PVTI_é: item(1, { note: '✓ 𝄞' }) } };
    expect(stateBytes(text)).toBe(Buffer.byteLength(JSON.stringify(text), 'utf8'));
  });
});
