/**
 * update-field bodies (../../docs/spec/runner-behaviour.md §12.2 B1–B5, ../../docs/spec/backend-orchestrator-contract.md §A.5), key order included, and
 * the old runner's recovery cases 12–13 (executor failure → Blocked with the right next steps).
 */
import type { OrchestratorState } from '../../src/contracts/state-file';
import { runContext } from '../../src/domain/state-file';
import { blockedBody, blockedRetryBody, humanReworkBody, needsHumanApprovalBody, promoteToReadyBody, reviewCycleCapBody } from '../../src/domain/transitions';

const executorFailure = (state: OrchestratorState, runId: string, message: string) => {
  const context = runContext(state, runId);
  if (!context) throw new Error('no run context');
  return blockedBody({ projectItemId: context.projectItemId, issueNumber: context.issueNumber, fromStatus: context.status, classification: 'ITEM_STOP', message, runId });
};
const dispatched = (id: string, issue: number, status: string, runId: string): OrchestratorState => ({
  poll_count: 1,
  items: { [id]: { last_seen_issue_number: issue, last_seen_status: status, last_dispatched_role: 'EXECUTOR', last_run_id: runId } },
});

describe('test_runner_recovery_and_promotion 12–13 (B3)', () => {
  it('12: an In Progress failure blocks the item with the runner-log next steps', () => {
    const body = executorFailure(dispatched('PVTI_44', 44, 'In Progress', 'run-44'), 'run-44', 'mcp call timed out');
    expect(body).toEqual({
      role: 'ORCHESTRATOR',
      project_item_id: 'PVTI_44',
      field: 'Status',
      value: 'Blocked',
      issue_number: 44,
      failure_classification: 'ITEM_STOP',
      failure_message: 'mcp call timed out',
      suggested_next_steps: [
        'Inspect runner logs and ledger entry for this run_id.',
        'Validate PR linkage and backend policy constraints.',
        'Move item to Ready only after remediation is complete.',
      ],
      run_id: 'run-44',
    });
    expect(Object.keys(body)).toEqual(['role', 'project_item_id', 'field', 'value', 'issue_number', 'failure_classification', 'failure_message', 'suggested_next_steps', 'run_id']);
  });
  it('13: an In Review failure points at the existing linked PR branch', () => {
    const body = executorFailure(dispatched('PVTI_55', 55, 'In Review', 'run-55'), 'run-55', 'x');
    expect(body).toMatchObject({ project_item_id: 'PVTI_55', issue_number: 55, value: 'Blocked' });
    expect(body.suggested_next_steps).toEqual([
      'Inspect reviewer feedback and linked PR comments for unresolved items.',
      'Resume work on the existing linked PR branch (do not open a new PR).',
      'Move item back to In Review only after updates are pushed and verified.',
    ]);
  });
  it('failure_message is cut at 1000 code points', () => {
    const body = blockedBody({ projectItemId: 'P', issueNumber: 1, fromStatus: 'In Progress', classification: 'HARD_STOP', message: '😀'.repeat(1500), runId: 'r' });
    expect(Array.from(body.failure_message)).toHaveLength(1000);
  });
});

describe('the other bodies', () => {
  it('B1 promote to Ready', () => {
    expect(JSON.stringify(promoteToReadyBody('PVTI_1'))).toBe('{"role":"ORCHESTRATOR","project_item_id":"PVTI_1","field":"Status","value":"Ready"}');
  });
  it('B2 handoff to Needs Human Approval', () => {
    const body = needsHumanApprovalBody({
      projectItemId: 'PVTI_2',
      issueNumber: 2,
      prUrl: 'https://x/pull/5',
      reason: 'Reviewer PASS outcome reached; awaiting human approval.',
      runId: 'run-2',
    });
    expect(JSON.stringify(body)).toBe(
      JSON.stringify({
        role: 'ORCHESTRATOR',
        project_item_id: 'PVTI_2',
        field: 'Status',
        value: 'Needs Human Approval',
        issue_number: 2,
        pr_url: 'https://x/pull/5',
        checks_performed: ['Canonical PR linkage resolved via backend', 'Reviewer run completed with deterministic outcome'],
        checks_passed: ['No unresolved blocking findings remain', 'Item is ready for human merge decision'],
        human_steps: ['Reviewer PASS outcome reached; awaiting human approval.', 'Review linked PR, merge if acceptable, and move item to Done after validation.'],
        run_id: 'run-2',
      }),
    );
  });
  it('B4 Blocked → Ready retry', () => {
    const body = blockedRetryBody({ projectItemId: 'PVTI_3', issueNumber: 3, classification: 'TRANSIENT', errorCode: 'backend_unreachable', blockedMinutes: 16, runId: 'run-3' });
    expect(JSON.stringify(body)).toBe(
      JSON.stringify({
        role: 'ORCHESTRATOR',
        project_item_id: 'PVTI_3',
        field: 'Status',
        value: 'Ready',
        issue_number: 3,
        retry_reason: 'automatic_retry_after_cooldown',
        failure_classification: 'TRANSIENT',
        failure_error_code: 'backend_unreachable',
        blocked_minutes: 16,
        run_id: 'run-3',
        suggested_next_steps: ['Re-run executor for this item.', 'If failure repeats, inspect logs and keep item Blocked for human triage.'],
      }),
    );
  });
  it('B5 review cycle cap', () => {
    const body = reviewCycleCapBody({ projectItemId: 'PVTI_4', issueNumber: 4, reviewCycleCount: 5, runId: '' });
    expect(JSON.stringify(body)).toBe(
      JSON.stringify({
        role: 'ORCHESTRATOR',
        project_item_id: 'PVTI_4',
        field: 'Status',
        value: 'Blocked',
        issue_number: 4,
        failure_classification: 'ITEM_STOP',
        failure_message: 'Exceeded review iterations; needs human intervention.',
        suggested_next_steps: ['Human triage required to unblock review loop.', 'Decide whether to merge, split scope, or adjust acceptance criteria.'],
        run_id: '',
        review_cycle_count: 5,
      }),
    );
  });
  it('human rework goes as HUMAN; steps become requested_actions, absent when none are given', () => {
    expect(humanReworkBody({ projectItemId: 'PVTI_6', issueNumber: 6, reason: 'Missing tests', steps: ['Add a test'] })).toEqual({
      role: 'HUMAN',
      project_item_id: 'PVTI_6',
      field: 'Status',
      value: 'In Review',
      issue_number: 6,
      human_rework_reason: 'Missing tests',
      requested_actions: ['Add a test'],
    });
    expect(humanReworkBody({ projectItemId: 'PVTI_6', issueNumber: 6, reason: 'Missing tests', steps: [] })).not.toHaveProperty('requested_actions');
  });
});
