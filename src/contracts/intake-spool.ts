/**
 * The legacy tick's spool (activities/intake.ts): the validated batch of one orchestrator run, written
 * next to ORCHESTRATOR_STATE_PATH before the first intent is routed and read back by a retried
 * attempt to resume routing. A file on disk, so it is parsed on the way back in; one that does not
 * parse refuses the batch (IntakeRefusal `intake_spool_invalid`) instead of routing part of it.
 */
import { z } from 'zod';
import { DispatchSummarySchema } from './summary';
import { BOARD_STATUSES } from './vocabulary';

const positiveInt = z.number().int().positive();

export const IntakeSpoolSchema = z.object({
  intents: z.array(
    z.object({
      line: positiveInt,
      raw: z.record(z.string(), z.unknown()),
      issueNumber: positiveInt,
      projectItemId: z.string().nullable(),
    }),
  ),
  summary: DispatchSummarySchema.nullable(),
  endOfSprint: z.boolean(),
  observedAtMs: z.number().int().nonnegative(),
  observedStatus: z.record(z.string(), z.enum(BOARD_STATUSES)),
  exitCode: z.number().int(),
});
export type IntakeSpool = z.infer<typeof IntakeSpoolSchema>;
