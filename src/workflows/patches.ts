/**
 * Patch ids (wf.patched) shared by more than one workflow. Never rename or reuse one: open
 * workflows and the replay corpus (test/fixtures/histories) carry them.
 */

/** Issue #14: the sprint workflow holds the orchestrator's state; before it, a state file on the orchestrator host did. */
export const STATE_IN_WORKFLOW_PATCH = 'orchestrator-state-in-workflow';

/** Issue #14: a claim lost after it landed is released (In Progress → Blocked → Ready at once) and re-claimed with its own run_id. */
export const CLAIM_RESUME_PATCH = 'claim-resume-same-run-id';

/**
 * Issue #18: the sprint ticks at a fixed rate: the next tick is due the poll interval after the
 * previous one *started* (the wait is shortened by the tick's duration; none after a tick that
 * overran). Before it, the wait was the whole interval after the tick ended.
 */
export const FIXED_RATE_TICKS_PATCH = 'sprint-fixed-rate-ticks';

/** Issue #18: an item workflow upserts its search attributes and memo only when their values changed. */
export const UPSERT_ON_CHANGE_PATCH = 'item-upsert-on-change';

/**
 * Issue #14, stop 13: a lost claim is resumed on the item its run really holds (the claim call's
 * answer, recorded by the activity through the runClaimed signal), which may be another item than
 * the one its intent was routed to.
 */
export const CLAIM_HELD_ITEM_PATCH = 'claim-resume-held-item';

/**
 * Issue #18, stop 17: a held item is released only while it is In Progress. A claim run lost after
 * its work landed (the item In Review or beyond, the result never recorded) had done its part;
 * releasing then took a reviewed item back from Needs Human Approval (found by the native rig).
 */
export const CLAIM_RESUME_IN_PROGRESS_ONLY_PATCH = 'claim-resume-in-progress-only';

/**
 * Issue #18, stop 18: an item workflow records its runs' executor responses and reviewer outcomes in
 * the sprint workflow through local activities, which signal the sprint: no activity task through the
 * server and no workflow task of its own for each (the sprint applies a run_id's record once). Before
 * it: activities on the main queue, which update the sprint.
 */
export const RECORD_IN_SPRINT_LOCALLY_PATCH = 'item-records-in-sprint-locally';

/**
 * Issue #18, stop 18: a tick's batch of at most LOCAL_ROUTING_MAX_INTENTS intents is routed by a
 * local activity in the sprint's workflow task (no activity task through the server: less latency
 * from intent to item); a crash routes the small batch again, and item workflows drop a run_id they
 * already have. Larger batches keep the resumable, heartbeating activity.
 */
export const ROUTE_SMALL_BATCH_LOCALLY_PATCH = 'sprint-routes-small-batches-locally';
