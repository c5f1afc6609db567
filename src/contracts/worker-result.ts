/** What one Codex worker run returns once parsed and checked (../../docs/spec/runner-behaviour.md §3.5). */
import { z } from 'zod';
import { RoleSchema } from './intent';

export const ReviewerOutcomeSchema = z.enum(['PASS', 'FAIL', 'INCOMPLETE']);
export type ReviewerOutcome = z.infer<typeof ReviewerOutcomeSchema>;

export const WorkerResultSchema = z.object({
  run_id: z.string(),
  role: RoleSchema,
  status: z.enum(['succeeded', 'failed']),
  outcome: ReviewerOutcomeSchema.nullable(),
  summary: z.string(),
  urls: z.record(z.string(), z.string()),
  errors: z.array(z.record(z.string(), z.unknown())),
  marker_verified: z.boolean().nullable(),
});
export type WorkerResult = z.infer<typeof WorkerResultSchema>;
