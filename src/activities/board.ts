/**
 * Board transitions through the backend, with the exact update-field bodies the backend expects
 * (runner-behaviour.md §12.2 B2–B5, contract §A.5). Runner-initiated moves use role ORCHESTRATOR;
 * human rework uses role HUMAN (the backend's policy allows only HUMAN for NHA → In Review).
 */
import { HttpError } from '../domain/errors';
import type { BlockInput, BoardPayload, ItemActivities } from '../workflows/item/ports';
import type { BackendClient, JsonObject } from './backend-client';

const UPDATE_FIELD = '/internal/project-item/update-field';
const RESOLVE_LINKED_PR = '/internal/reviewer/resolve-linked-pr';

const B3_STEPS_IN_REVIEW = [
  'Inspect reviewer feedback and linked PR comments for unresolved items.',
  'Resume work on the existing linked PR branch (do not open a new PR).',
  'Move item back to In Review only after updates are pushed and verified.',
];
const B3_STEPS_OTHERWISE = [
  'Inspect runner logs and ledger entry for this run_id.',
  'Validate PR linkage and backend policy constraints.',
  'Move item to Ready only after remediation is complete.',
];

export function needsHumanApprovalBody(projectItemId: string, issueNumber: number, prUrl: string, reason: string, runId: string) {
  return {
    role: 'ORCHESTRATOR', project_item_id: projectItemId, field: 'Status', value: 'Needs Human Approval', issue_number: issueNumber, pr_url: prUrl,
    checks_performed: ['Canonical PR linkage resolved via backend', 'Reviewer run completed with deterministic outcome'],
    checks_passed: ['No unresolved blocking findings remain', 'Item is ready for human merge decision'],
    human_steps: [reason, 'Review linked PR, merge if acceptable, and move item to Done after validation.'],
    run_id: runId,
  };
}

export function blockedBody(input: BlockInput) {
  return {
    role: 'ORCHESTRATOR', project_item_id: input.projectItemId, field: 'Status', value: 'Blocked', issue_number: input.issueNumber,
    failure_classification: input.classification, failure_message: input.message.slice(0, 1000),
    suggested_next_steps: input.fromStatus === 'In Review' ? B3_STEPS_IN_REVIEW : B3_STEPS_OTHERWISE,
    run_id: input.runId,
  };
}

export function blockedRetryBody(input: Parameters<ItemActivities['retryBlockedItem']>[0]) {
  return {
    role: 'ORCHESTRATOR', project_item_id: input.projectItemId, field: 'Status', value: 'Ready', issue_number: input.issueNumber,
    retry_reason: 'automatic_retry_after_cooldown', failure_classification: input.classification, failure_error_code: input.errorCode,
    blocked_minutes: input.blockedMinutes, run_id: input.runId,
    suggested_next_steps: ['Re-run executor for this item.', 'If failure repeats, inspect logs and keep item Blocked for human triage.'],
  };
}

export function reviewCycleCapBody(input: Parameters<ItemActivities['blockAtReviewCycleCap']>[0]) {
  return {
    role: 'ORCHESTRATOR', project_item_id: input.projectItemId, field: 'Status', value: 'Blocked', issue_number: input.issueNumber,
    failure_classification: 'ITEM_STOP', failure_message: 'Exceeded review iterations; needs human intervention.',
    suggested_next_steps: ['Human triage required to unblock review loop.', 'Decide whether to merge, split scope, or adjust acceptance criteria.'],
    run_id: input.runId, review_cycle_count: input.reviewCycleCount,
  };
}

export function humanReworkBody(input: Parameters<ItemActivities['requestHumanRework']>[0]) {
  return {
    role: 'HUMAN', project_item_id: input.projectItemId, field: 'Status', value: 'In Review', issue_number: input.issueNumber,
    human_rework_reason: input.reason, requested_actions: input.steps?.length ? input.steps : [input.reason],
  };
}

function nonBlank(value: unknown): string | null {
  return typeof value === 'string' && value.trim() ? value.trim() : null;
}

export function createBoardActivities(backend: BackendClient) {
  const update = async (body: object): Promise<BoardPayload> => ({ backend_payload: await backend.post(UPDATE_FIELD, body) });
  return {
    async handoffToHumanApproval(input: { issueNumber: number; runId: string; reason: string; expectedProjectItemId?: string }) {
      const linkage: JsonObject = await backend.post(RESOLVE_LINKED_PR, { role: 'REVIEWER', issue_number: input.issueNumber });
      const prUrl = nonBlank(linkage.pr_url);
      const projectItemId = nonBlank(linkage.project_item_id);
      if (!prUrl) throw new HttpError('backend_invalid_payload', 'review linkage missing pr_url', 0, linkage);
      if (!projectItemId) throw new HttpError('backend_invalid_payload', 'review linkage missing project_item_id', 0, linkage);
      if (input.expectedProjectItemId && projectItemId !== input.expectedProjectItemId) {
        throw new HttpError('backend_invalid_payload', 'review linkage project_item_id mismatch', 0, linkage);
      }
      const result = await update(needsHumanApprovalBody(projectItemId, input.issueNumber, prUrl, input.reason, input.runId));
      return { ...result, pr_url: prUrl, project_item_id: projectItemId };
    },
    blockItem: (input: BlockInput) => update(blockedBody(input)),
    retryBlockedItem: (input: Parameters<ItemActivities['retryBlockedItem']>[0]) => update(blockedRetryBody(input)),
    blockAtReviewCycleCap: (input: Parameters<ItemActivities['blockAtReviewCycleCap']>[0]) => update(reviewCycleCapBody(input)),
    requestHumanRework: (input: Parameters<ItemActivities['requestHumanRework']>[0]) => update(humanReworkBody(input)),
  };
}
