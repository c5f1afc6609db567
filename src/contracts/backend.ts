/**
 * Backend responses the runner reads (../../docs/spec/runner-behaviour.md §12.2, ../../docs/spec/backend-orchestrator-contract.md §A.1, §A.5–§A.7). Loose:
 * extra keys pass through, and fields the callers check themselves (with the old runner's error codes)
 * stay optional.
 */
import { z } from 'zod';

export const PreflightResponseSchema = z.looseObject({
  role: z.string().optional(),
  bundle_hash: z.string().optional(),
  template: z.looseObject({ path: z.string(), size_bytes: z.number(), sha256: z.string() }).optional(),
  project_schema: z.looseObject({ status: z.string(), mismatches: z.array(z.unknown()) }).optional(),
  status: z.string().optional(),
  errors: z.array(z.record(z.string(), z.unknown())).optional(),
});
export type PreflightResponse = z.infer<typeof PreflightResponseSchema>;

const CommentRefSchema = z.looseObject({ id: z.number(), html_url: z.string() });

export const UpdateFieldResponseSchema = z.looseObject({
  role: z.string().optional(),
  project_item_id: z.string().optional(),
  updated: z.record(z.string(), z.string()).optional(),
  handoff_comment: CommentRefSchema.optional(),
  failure_comment: CommentRefSchema.optional(),
  rework_comment: CommentRefSchema.optional(),
  retry_comment: CommentRefSchema.optional(),
});
export type UpdateFieldResponse = z.infer<typeof UpdateFieldResponseSchema>;

export const ResolveLinkedPrResponseSchema = z.looseObject({
  pr_number: z.number().optional(),
  pr_url: z.string().optional(),
  issue_number: z.number().optional(),
  project_item_id: z.string().optional(),
  run_id: z.string().optional(),
  head_ref: z.string().optional(),
  head_sha: z.string().optional(),
});
export type ResolveLinkedPrResponse = z.infer<typeof ResolveLinkedPrResponseSchema>;

export const ClaimedItemSchema = z.looseObject({
  issue_number: z.number(),
  issue_url: z.string().optional(),
  project_item_id: z.string(),
  branch: z.string().optional(),
  fields_set: z.record(z.string(), z.string()).optional(),
});

/** `claimed: null` is "no claimable Ready item", not an error. */
export const ClaimResponseSchema = z.looseObject({
  role: z.string().optional(),
  run_id: z.string().optional(),
  claimed: ClaimedItemSchema.nullable(),
  reason: z.string().optional(),
});
export type ClaimResponse = z.infer<typeof ClaimResponseSchema>;
