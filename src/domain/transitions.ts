/**
 * The exact `POST /internal/project-item/update-field` bodies (../../docs/spec/runner-behaviour.md §12.2 B1–B5,
 * ../../docs/spec/backend-orchestrator-contract.md §A.5), keys in the order the old runner sent them. The backend rejects a handoff transition
 * without its metadata (400), so these shapes are part of the contract, not cosmetics.
 */
import type { Classification } from '../contracts/vocabulary';
import { truncateCodePoints } from './python-json';

const FAILURE_MESSAGE_MAX = 1000;

const BLOCKED_STEPS_IN_REVIEW = [
  'Inspect reviewer feedback and linked PR comments for unresolved items.',
  'Resume work on the existing linked PR branch (do not open a new PR).',
  'Move item back to In Review only after updates are pushed and verified.',
];
const BLOCKED_STEPS_OTHERWISE = [
  'Inspect runner logs and ledger entry for this run_id.',
  'Validate PR linkage and backend policy constraints.',
  'Move item to Ready only after remediation is complete.',
];

/** B1: Backlog → Ready (autopromotion, kickoff ready set). */
export function promoteToReadyBody(projectItemId: string) {
  return { role: 'ORCHESTRATOR', project_item_id: projectItemId, field: 'Status', value: 'Ready' } as const;
}
export type PromoteToReadyBody = ReturnType<typeof promoteToReadyBody>;

/** The fields every Status transition body starts with, in the order the backend's contract lists them. */
function statusChange<V extends string>(role: 'ORCHESTRATOR' | 'HUMAN', projectItemId: string, value: V, issueNumber: number) {
  return { role, project_item_id: projectItemId, field: 'Status', value, issue_number: issueNumber } as const;
}

/** B2: In Review → Needs Human Approval (reviewer PASS, stall escalation); `reason` is the first human step. */
export function needsHumanApprovalBody(input: { projectItemId: string; issueNumber: number; prUrl: string; reason: string; runId: string }) {
  return {
    ...statusChange('ORCHESTRATOR', input.projectItemId, 'Needs Human Approval', input.issueNumber),
    pr_url: input.prUrl,
    checks_performed: ['Canonical PR linkage resolved via backend', 'Reviewer run completed with deterministic outcome'],
    checks_passed: ['No unresolved blocking findings remain', 'Item is ready for human merge decision'],
    human_steps: [input.reason, 'Review linked PR, merge if acceptable, and move item to Done after validation.'],
    run_id: input.runId,
  };
}

/** B3: In Progress / In Review → Blocked (executor failure, watchdog); the next steps depend on where it was. */
export function blockedBody(input: { projectItemId: string; issueNumber: number; fromStatus: string; classification: Classification; message: string; runId: string }) {
  return {
    ...statusChange('ORCHESTRATOR', input.projectItemId, 'Blocked', input.issueNumber),
    failure_classification: input.classification,
    failure_message: truncateCodePoints(input.message, FAILURE_MESSAGE_MAX),
    suggested_next_steps: input.fromStatus === 'In Review' ? [...BLOCKED_STEPS_IN_REVIEW] : [...BLOCKED_STEPS_OTHERWISE],
    run_id: input.runId,
  };
}

/** B4: Blocked → Ready after the cooldown. */
export function blockedRetryBody(input: { projectItemId: string; issueNumber: number; classification: string; errorCode: string; blockedMinutes: number; runId: string }) {
  return {
    ...statusChange('ORCHESTRATOR', input.projectItemId, 'Ready', input.issueNumber),
    retry_reason: 'automatic_retry_after_cooldown',
    failure_classification: input.classification,
    failure_error_code: input.errorCode,
    blocked_minutes: input.blockedMinutes,
    run_id: input.runId,
    suggested_next_steps: ['Re-run executor for this item.', 'If failure repeats, inspect logs and keep item Blocked for human triage.'],
  };
}

/** B5: In Review → Blocked at the review cycle cap (`review_cycle_count` is ignored by the backend, kept for readers). */
export function reviewCycleCapBody(input: { projectItemId: string; issueNumber: number; reviewCycleCount: number; runId: string }) {
  return {
    ...statusChange('ORCHESTRATOR', input.projectItemId, 'Blocked', input.issueNumber),
    failure_classification: 'ITEM_STOP',
    failure_message: 'Exceeded review iterations; needs human intervention.',
    suggested_next_steps: ['Human triage required to unblock review loop.', 'Decide whether to merge, split scope, or adjust acceptance criteria.'],
    run_id: input.runId,
    review_cycle_count: input.reviewCycleCount,
  };
}

/**
 * Human rework, Needs Human Approval → In Review (../../docs/spec/backend-orchestrator-contract.md §A.5). The policy allows only HUMAN for
 * this move. Steps become `requested_actions`; without them the backend lists the reason.
 */
export function humanReworkBody(input: { projectItemId: string; issueNumber: number; reason: string; steps?: readonly string[] }) {
  return {
    ...statusChange('HUMAN', input.projectItemId, 'In Review', input.issueNumber),
    human_rework_reason: input.reason,
    ...(input.steps?.length ? { requested_actions: [...input.steps] } : {}),
  };
}
