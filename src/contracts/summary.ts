/**
 * DISPATCH_SUMMARY, the orchestrator's per-cycle stderr report (../../docs/spec/runner-behaviour.md §10.4,
 * ../../docs/spec/backend-orchestrator-contract.md §C.6), parsed by the tick (domain/intake-batch.ts, parseDispatchSummary) before
 * anything of its batch is routed. What the runner reads must have its shape: `processed_items` an
 * array of objects and `status_counts` an object (null or absent: none); a summary that breaks this is
 * refused (`summary_invalid`). Inside those, lenient like the old runner: a field the runner reads
 * with the wrong type reads as absent, and everything the runner does not read (`needs_attention` too:
 * review stalls are durable timers here) passes through untouched.
 */
import { z } from 'zod';

const optionalInt = z.number().int().optional().catch(undefined);
const optionalString = z.string().optional().catch(undefined);

const ProcessedItemSchema = z.looseObject({ issue_number: optionalInt, project_item_id: optionalString, status: optionalString });
export type ProcessedItem = z.infer<typeof ProcessedItemSchema>;

export const DispatchSummarySchema = z.looseObject({
  type: z.literal('DISPATCH_SUMMARY'),
  sprint: optionalString,
  status_counts: z.looseObject({ Ready: optionalInt }).nullish(),
  processed_items: z.array(ProcessedItemSchema).nullish(),
});
export type DispatchSummary = z.infer<typeof DispatchSummarySchema>;
