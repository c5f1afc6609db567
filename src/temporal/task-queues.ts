/**
 * Task queues derived from TEMPORAL_TASK_QUEUE. Codex runs get one queue per role so that each
 * worker caps them with its activity slots (RUNNER_MAX_EXECUTORS / RUNNER_MAX_REVIEWERS) and more
 * workers on more machines scale out. The orchestrator queue serves activities that must run where
 * the orchestrator's state file lives. Workflow-safe.
 */
export interface TaskQueues {
  /** Workflows and backend activities. */
  main: string;
  executor: string;
  reviewer: string;
  /** Orchestrator invocation and orchestrator-state-file reads/writes. */
  orchestrator: string;
}

export function taskQueuesFor(base: string): TaskQueues {
  return { main: base, executor: `${base}-executor`, reviewer: `${base}-reviewer`, orchestrator: `${base}-orchestrator` };
}
