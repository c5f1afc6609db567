/**
 * DISPATCH_SUMMARY, the orchestrator's per-cycle stderr report (../../docs/spec/runner-behaviour.md §10.4,
 * ../../docs/spec/backend-orchestrator-contract.md §C.6). Lenient like the old runner: a field of the wrong type reads as absent instead of rejecting the
 * summary, and everything the runner does not read passes through untouched.
 */
import { z } from 'zod';

const optionalInt = z.number().int().optional().catch(undefined);
const optionalString = z.string().optional().catch(undefined);

export const ProcessedItemSchema = z
  .looseObject({ issue_number: optionalInt, project_item_id: optionalString, status: optionalString })
  .catch(() => ({}));
export type ProcessedItem = z.infer<typeof ProcessedItemSchema>;

export const InReviewChurnSchema = z
  .looseObject({
    issue_number: optionalInt,
    project_item_id: optionalString,
    in_review_polls: optionalInt,
    last_run_id: optionalString,
    last_dispatched_at: optionalString,
  })
  .catch(() => ({}));
export type InReviewChurn = z.infer<typeof InReviewChurnSchema>;

export const DispatchSummarySchema = z.looseObject({
  type: z.literal('DISPATCH_SUMMARY'),
  sprint: optionalString,
  status_counts: z.looseObject({ Ready: optionalInt }).optional().catch(undefined),
  processed_items: z.array(ProcessedItemSchema).optional().catch(undefined),
  needs_attention: z
    .looseObject({ in_review_churn: z.array(InReviewChurnSchema).optional().catch(undefined) })
    .optional()
    .catch(undefined),
});
export type DispatchSummary = z.infer<typeof DispatchSummarySchema>;
