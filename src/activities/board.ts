/**
 * Board transitions through the backend with the exact update-field bodies of domain/transitions
 * (../../docs/spec/runner-behaviour.md §12.2 B2–B5, ../../docs/spec/backend-orchestrator-contract.md §A.5).
 */
import { HttpError } from '../domain/errors';
import { blockedBody, blockedRetryBody, humanReworkBody, needsHumanApprovalBody, reviewCycleCapBody } from '../domain/transitions';
import type { BlockInput, BoardPayload, ItemActivities } from '../workflows/item/ports';
import type { BackendClient, JsonObject } from './backend-client';

const UPDATE_FIELD = '/internal/project-item/update-field';
const RESOLVE_LINKED_PR = '/internal/reviewer/resolve-linked-pr';

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
      const result = await update(needsHumanApprovalBody({ projectItemId, issueNumber: input.issueNumber, prUrl, reason: input.reason, runId: input.runId }));
      return { ...result, pr_url: prUrl, project_item_id: projectItemId };
    },
    blockItem: (input: BlockInput) => update(blockedBody(input)),
    retryBlockedItem: (input: Parameters<ItemActivities['retryBlockedItem']>[0]) => update(blockedRetryBody(input)),
    blockAtReviewCycleCap: (input: Parameters<ItemActivities['blockAtReviewCycleCap']>[0]) => update(reviewCycleCapBody(input)),
    requestHumanRework: (input: Parameters<ItemActivities['requestHumanRework']>[0]) => update(humanReworkBody(input)),
  };
}
