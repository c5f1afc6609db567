/**
 * Task queues derived from TEMPORAL_TASK_QUEUE. Codex runs get one queue per role so that each
 * worker caps them with its activity slots (RUNNER_MAX_EXECUTORS / RUNNER_MAX_REVIEWERS) and more
 * workers on more machines scale out. The orchestrator queue runs the orchestrator process (against
 * the state the sprint workflow holds, so any number of hosts can serve it). Which activity runs on
 * which queue: workflows/activity-queues.ts. Workflow-safe.
 */
export interface TaskQueues {
  /** Workflows and backend activities. */
  main: string;
  executor: string;
  reviewer: string;
  /** The orchestrator process and the files of its host (sprint plan, exported state, regen request). */
  orchestrator: string;
}

export function taskQueuesFor(base: string): TaskQueues {
  return { main: base, executor: `${base}-executor`, reviewer: `${base}-reviewer`, orchestrator: `${base}-orchestrator` };
}
