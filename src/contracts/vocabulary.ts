/**
 * Board and kickoff vocabulary (../../docs/spec/backend-orchestrator-contract.md §B.2, ../../docs/spec/runner-behaviour.md §4.3). Plain constants without
 * zod, so workflow code can import them.
 */
export const SPRINTS = ['M1', 'M2', 'M3', 'M4'] as const;
export const PRIORITIES = ['P0', 'P1', 'P2'] as const;
export const SIZES = ['S', 'M', 'L'] as const;
/** Areas a kickoff task may name; plan-apply only knows POLICY_AREAS. */
export const TASK_AREAS = ['infra', 'api', 'orchestrator', 'runner', 'docs', 'tests'] as const;
export const POLICY_AREAS = ['db', 'api', 'web', 'providers', 'infra', 'docs'] as const;
export const SPRINT_GOAL_LABEL = 'meta:sprint-goal';

export type Priority = (typeof PRIORITIES)[number];
