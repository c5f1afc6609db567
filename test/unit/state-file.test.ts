/**
 * Orchestrator state file (../../docs/spec/runner-behaviour.md §10.2): the old runner's test_runner_state_resolution
 * case, timestamp comparison by instant (⚠ ../../docs/spec/runner-behaviour.md §14.17), run context and the runner-managed updates.
 */
import type { OrchestratorState } from '../../src/contracts/state-file';
import { applyExecutorResponse, applyReviewerOutcome, emptyState, parseStateFile, projectItemIdForIssue, runContext, serializeStateFile } from '../../src/domain/state-file';

const state = (items: OrchestratorState['items']): OrchestratorState => ({ poll_count: 3, items, sprint_plan: {} });

describe("test_runner_state_resolution (the old runner's case 1)", () => {
  it('a FAIL is recorded on the newest item of the issue only', () => {
    const before = state({
      PVTI_old: { last_seen_issue_number: 2, last_seen_status: 'Backlog', last_seen_at: '2026-02-09T20:00:00.000Z' },
      PVTI_new: { last_seen_issue_number: 2, last_seen_status: 'In Review', last_seen_at: '2026-02-09T21:00:00.000Z' },
    });
    const update = applyReviewerOutcome(before, 2, 'FAIL', '2026-02-09T21:05:48.000Z');
    expect(update).toMatchObject({ changed: true, itemId: 'PVTI_new', reviewCycleCount: 1 });
    expect(update.state.items.PVTI_old).toEqual(before.items.PVTI_old);
    expect(update.state.items.PVTI_new).toMatchObject({
      last_reviewer_outcome: 'FAIL',
      last_reviewer_feedback_at: '2026-02-09T21:05:48.000Z',
      review_cycle_count: 1,
    });
    expect(before.items.PVTI_new).not.toHaveProperty('last_reviewer_outcome');
  });
});

// ../../docs/spec/runner-behaviour.md §10.2.2
describe('which project item an issue is', () => {
  it('compares instants, not strings (mixed precision and offsets)', () => {
    expect(
      projectItemIdForIssue(
        state({
          PVTI_a: { last_seen_issue_number: 7, last_seen_at: '2026-02-09T21:00:00Z' },
          PVTI_b: { last_seen_issue_number: 7, last_seen_at: '2026-02-09T21:00:00.500Z' },
        }),
        7,
      ),
    ).toBe('PVTI_b');
    expect(
      projectItemIdForIssue(
        state({
          PVTI_a: { last_seen_issue_number: 7, last_seen_at: '2026-02-09T22:00:00+02:00' },
          PVTI_b: { last_seen_issue_number: 7, last_seen_at: '2026-02-09T21:00:00Z' },
        }),
        7,
      ),
    ).toBe('PVTI_b');
  });
  it('ties go to the newer status, then to the greater id; unreadable times count as oldest', () => {
    const at = '2026-02-09T21:00:00Z';
    expect(
      projectItemIdForIssue(
        state({
          PVTI_z: { last_seen_issue_number: 7, last_seen_at: at, status_since_at: '2026-02-09T10:00:00Z' },
          PVTI_a: { last_seen_issue_number: 7, last_seen_at: at, status_since_at: '2026-02-09T11:00:00Z' },
        }),
        7,
      ),
    ).toBe('PVTI_a');
    expect(projectItemIdForIssue(state({ PVTI_a: { last_seen_issue_number: 7, last_seen_at: at }, PVTI_b: { last_seen_issue_number: 7, last_seen_at: at } }), 7)).toBe('PVTI_b');
    expect(projectItemIdForIssue(state({ PVTI_b: { last_seen_issue_number: 7, last_seen_at: 'yesterday' }, PVTI_a: { last_seen_issue_number: 7, last_seen_at: at } }), 7)).toBe(
      'PVTI_a',
    );
  });
  it('no item for the issue → null, and a reviewer outcome changes nothing', () => {
    const s = state({ PVTI_1: { last_seen_issue_number: 1 } });
    expect(projectItemIdForIssue(s, 2)).toBeNull();
    expect(applyReviewerOutcome(s, 2, 'FAIL', 'now')).toEqual({ state: s, changed: false, itemId: null, reviewCycleCount: null });
  });
});

// ../../docs/spec/runner-behaviour.md §10.2.3
describe('run context', () => {
  const s = state({
    PVTI_r: { last_run_id: 'run-1', last_dispatched_role: 'REVIEWER', last_seen_issue_number: 3, last_seen_status: 'In Review' },
    PVTI_x: { last_run_id: 'run-1', last_dispatched_role: 'EXECUTOR', last_seen_issue_number: 0 },
    PVTI_e: { last_run_id: 'run-1', last_dispatched_role: 'EXECUTOR', last_seen_issue_number: 4, last_seen_status: 'In Progress' },
    PVTI_f: { last_run_id: 'run-1', last_dispatched_role: 'EXECUTOR', last_seen_issue_number: 5, last_seen_status: 'Ready' },
    PVTI_n: { last_run_id: 'run-2', last_dispatched_role: 'EXECUTOR', last_seen_issue_number: 6 },
  });
  it('the first EXECUTOR dispatch with that run id and a positive issue, in file order', () => {
    expect(runContext(s, 'run-1')).toEqual({ issueNumber: 4, projectItemId: 'PVTI_e', status: 'In Progress' });
  });
  it('a missing status reads as ""; an unknown run is null', () => {
    expect(runContext(s, 'run-2')).toEqual({ issueNumber: 6, projectItemId: 'PVTI_n', status: '' });
    expect(runContext(s, 'run-3')).toBeNull();
  });
});

// ../../docs/spec/runner-behaviour.md §10.2.4, §10.2.5
describe('runner-managed fields', () => {
  const item = (extra: Record<string, unknown>) => state({ PVTI_9: { last_seen_issue_number: 9, last_seen_at: '2026-02-09T21:00:00Z', ...extra } });
  it.each([
    ['PASS keeps the count', { review_cycle_count: 2 }, 'PASS', 2],
    ['INCOMPLETE counts a cycle', { review_cycle_count: 2 }, 'INCOMPLETE', 3],
    ['a non-integer count restarts at 0', { review_cycle_count: '4' }, 'FAIL', 1],
    ['a negative count restarts at 0', { review_cycle_count: -1 }, 'FAIL', 1],
  ])('%s', (_label, extra, outcome, expected) => {
    expect(applyReviewerOutcome(item(extra), 9, outcome, 't').reviewCycleCount).toBe(expected);
  });
  it('an executor response is recorded only while the item is In Review', () => {
    const dispatched = { last_run_id: 'run-9', last_dispatched_role: 'EXECUTOR', review_cycle_count: 2 };
    const inReview = applyExecutorResponse(item({ ...dispatched, last_seen_status: 'In Review' }), 'run-9', '2026-02-09T22:00:00Z');
    expect(inReview).toMatchObject({ changed: true, itemId: 'PVTI_9', reviewCycleCount: 2 });
    expect(inReview.state.items.PVTI_9!.last_executor_response_at).toBe('2026-02-09T22:00:00Z');
    const inProgress = item({ ...dispatched, last_seen_status: 'In Progress' });
    expect(applyExecutorResponse(inProgress, 'run-9', 't')).toEqual({ state: inProgress, changed: false, itemId: 'PVTI_9', reviewCycleCount: null });
    expect(applyExecutorResponse(inProgress, 'other', 't').changed).toBe(false);
  });
});

// ../../docs/spec/runner-behaviour.md §10.2.1
describe('reading and writing the file', () => {
  it('unreadable or non-object content is the empty state', () => {
    expect(parseStateFile('<html>')).toEqual(emptyState());
    expect(parseStateFile('[1]')).toEqual({ poll_count: 0, items: {} });
  });
  it('keeps every other key; non-object items are dropped and a non-object items map becomes {}', () => {
    expect(parseStateFile('{"poll_count":4,"items":{"A":{"x":1},"B":3},"ownership_index":{"a":1}}')).toEqual({ poll_count: 4, items: { A: { x: 1 } }, ownership_index: { a: 1 } });
    expect(parseStateFile('{"poll_count":4,"items":[]}').items).toEqual({});
  });
  it('is written with indent 2, ASCII only and a trailing newline', () => {
    expect(serializeStateFile({ poll_count: 1, items: { P: { note: 'é' } } })).toBe('{\n  "poll_count": 1,\n  "items": {\n    "P": {\n      "note": "\\u00e9"\n    }\n  }\n}\n');
  });
});
