/**
 * What one Codex worker run returns once parsed and checked (../../docs/spec/runner-behaviour.md §3.5). Codex's text is
 * parsed by domain/worker-result.ts (parseWorkerResult: the old runner's checks in order, with its
 * codes); this schema guards the result where it crosses Temporal again: the `runResultRecorded`
 * signal that records it in its item workflow (RunResultRecordSchema in messages.ts).
 */
import { z } from 'zod';
import { REVIEWER_OUTCOMES, ROLES, RUN_STATUSES } from './vocabulary';

export const WorkerResultSchema = z.object({
  run_id: z.string(),
  role: z.enum(ROLES),
  status: z.enum(RUN_STATUSES),
  outcome: z.enum(REVIEWER_OUTCOMES).nullable(),
  summary: z.string(),
  urls: z.record(z.string(), z.string()),
  errors: z.array(z.record(z.string(), z.unknown())),
  marker_verified: z.boolean().nullable(),
});
export type WorkerResult = z.infer<typeof WorkerResultSchema>;
