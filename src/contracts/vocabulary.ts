/**
 * The runner's vocabulary, declared once; everyone imports it from here.
 * Board statuses and worker roles: ../../docs/spec/backend-orchestrator-contract.md §B.4, §C.8.
 * Reviewer outcomes and worker run statuses: ../../docs/spec/runner-behaviour.md §3.5.
 * Failure classifications: ../../docs/spec/runner-behaviour.md §12.3.
 * Board and kickoff fields: ../../docs/spec/backend-orchestrator-contract.md §B.2, ../../docs/spec/runner-behaviour.md §4.3.
 * Plain constants without zod, so workflow code can import them; the zod enums built from them
 * live with the schemas that use them.
 */
export const BOARD_STATUSES = ['Backlog', 'Ready', 'In Progress', 'In Review', 'Needs Human Approval', 'Blocked', 'Done'] as const;
export type BoardStatus = (typeof BOARD_STATUSES)[number];

/** The roles a RUN_INTENT (and so a Codex worker run) can have. */
export const ROLES = ['EXECUTOR', 'REVIEWER'] as const;
export type Role = (typeof ROLES)[number];

export const REVIEWER_OUTCOMES = ['PASS', 'FAIL', 'INCOMPLETE'] as const;
export type ReviewerOutcome = (typeof REVIEWER_OUTCOMES)[number];

/** A worker result's `status`. */
export const RUN_STATUSES = ['succeeded', 'failed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** ITEM_STOP stops one item, TRANSIENT is worth retrying, HARD_STOP needs a human. */
export const CLASSIFICATIONS = ['ITEM_STOP', 'HARD_STOP', 'TRANSIENT'] as const;
export type Classification = (typeof CLASSIFICATIONS)[number];

export const SPRINTS = ['M1', 'M2', 'M3', 'M4'] as const;
export const PRIORITIES = ['P0', 'P1', 'P2'] as const;
export const SIZES = ['S', 'M', 'L'] as const;
/** Areas a kickoff task may name; plan-apply only knows POLICY_AREAS. */
export const TASK_AREAS = ['infra', 'api', 'orchestrator', 'runner', 'docs', 'tests'] as const;
export const POLICY_AREAS = ['db', 'api', 'web', 'providers', 'infra', 'docs'] as const;
export const SPRINT_GOAL_LABEL = 'meta:sprint-goal';

export type Priority = (typeof PRIORITIES)[number];
export type Sprint = (typeof SPRINTS)[number];
export type Size = (typeof SIZES)[number];
export type TaskArea = (typeof TASK_AREAS)[number];
export type PolicyArea = (typeof POLICY_AREAS)[number];
