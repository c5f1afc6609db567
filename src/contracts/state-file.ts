/**
 * The orchestrator's state file (../../docs/spec/runner-behaviour.md §10.2, ../../docs/spec/backend-orchestrator-contract.md §C.7), shared with the
 * orchestrator and the backend. Item values are `unknown` on purpose: the file is written by other
 * processes (and by hand), so every read checks the type it needs and every write keeps the rest.
 *
 * The schema says only what every reader relies on: an object whose `items` is an object of
 * objects. parseStateFile (domain/state-file.ts) parses the file with it; what does not match is
 * repaired as ../../docs/spec/runner-behaviour.md §10.2.1 says (and reported): no object → empty state, `items` no
 * object → {}, an item that is no object → left out. Every other key, known or not, is kept as found.
 */
import { z } from 'zod';

/** Documented item fields; the last four are the ones the runner writes. */
export const STATE_ITEM_FIELDS = [
  'last_seen_status',
  'last_seen_sprint',
  'last_seen_issue_number',
  'last_seen_at',
  'status_since_at',
  'status_since_poll',
  'last_activity_at',
  'last_activity_indicator',
  'last_dispatched_role',
  'last_dispatched_status',
  'last_dispatched_at',
  'last_dispatched_poll',
  'last_run_id',
  'reviewer_dispatches_for_current_status',
  'in_review_origin',
  'last_reviewer_outcome',
  'last_reviewer_feedback_at',
  'review_cycle_count',
  'last_executor_response_at',
] as const;

const StateItemSchema = z.record(z.string(), z.unknown());
export type StateItem = Partial<Record<(typeof STATE_ITEM_FIELDS)[number], unknown>> & Record<string, unknown>;

/** `items` absent reads as {} (nothing to repair: a state that never saw an item). */
export const OrchestratorStateSchema = z.looseObject({
  poll_count: z.unknown().optional(),
  items: z.record(z.string(), StateItemSchema).optional(),
  sprint_plan: z.unknown().optional(),
  ownership_index: z.unknown().optional(),
});
export type OrchestratorState = z.infer<typeof OrchestratorStateSchema> & { items: Record<string, StateItem> };
