/**
 * Patch ids (wf.patched) shared by more than one workflow. Never rename or reuse one: open
 * workflows and the replay corpus (test/fixtures/histories) carry them.
 */

/** Issue #14: the sprint workflow holds the orchestrator's state; before it, a state file on the orchestrator host did. */
export const STATE_IN_WORKFLOW_PATCH = 'orchestrator-state-in-workflow';

/** Issue #14: a claim lost after it landed is released (In Progress → Blocked → Ready at once) and re-claimed with its own run_id. */
export const CLAIM_RESUME_PATCH = 'claim-resume-same-run-id';
