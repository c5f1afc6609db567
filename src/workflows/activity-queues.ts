/**
 * Which activity runs on which task queue, as types: each queue has its set, a worker registers a
 * queue's set and nothing else (src/worker.ts), and workflows proxy a queue with exactly its set
 * (`activitiesOn`), so routing an activity to the wrong queue is a compile error, not a task that
 * waits forever on a host that cannot run it. Types and a workflow-safe helper only.
 */
import { proxyActivities, type ActivityInterfaceFor, type ActivityOptions } from '@temporalio/workflow';
import type { TaskQueues } from '../temporal/task-queues';
import type { ItemActivities } from './item/ports';
import type { SprintActivities } from './sprint/ports';
import type * as smoke from '../activities/smoke';

/** The smoke workflow's echo (`sprint-runner doctor` and the setup check). */
type SmokeActivities = typeof smoke;

type Every = ItemActivities & SprintActivities;

/** Workflows' queue: backend calls, board writes, routing, and the sprint workflow's state (no disk). */
export type MainActivities = Pick<
  Every,
  | 'loadSprintSettings'
  | 'preflight'
  | 'promoteToReady'
  | 'notifyItems'
  | 'endItemWorkflows'
  | 'applyKickoffDraft'
  | 'routeIntents'
  | 'lookupRunContextInSprint'
  | 'itemWorkflowBoardStatus'
  | 'recordReviewerOutcomeInSprint'
  | 'recordExecutorResponseInSprint'
  | 'handoffToHumanApproval'
  | 'blockItem'
  | 'retryBlockedItem'
  | 'blockAtReviewCycleCap'
  | 'requestHumanRework'
> &
  SmokeActivities;
/** The orchestrator process, and the files of the host that runs it (sprint plan, exported state, regen request). */
export type OrchestratorActivities = Pick<
  Every,
  | 'runOrchestrator'
  | 'loadSprintPlan'
  | 'saveSprintPlan'
  | 'writeRegenRequest'
  | 'findExistingKickoff'
  // Runs that started before issue #14 (state file on this host):
  | 'runOrchestratorTick'
  | 'lookupRunContext'
  | 'recordReviewerOutcome'
  | 'recordExecutorResponse'
>;
/** Codex EXECUTOR runs (capped by RUNNER_MAX_EXECUTORS slots) and the Codex MCP check. */
export type ExecutorActivities = Pick<Every, 'runCodexWorker' | 'checkCodexMcp'>;
/** Codex REVIEWER runs (RUNNER_MAX_REVIEWERS slots) and the kickoff plan (a Codex run too). */
export type ReviewerActivities = Pick<Every, 'runCodexWorker' | 'generateKickoffPlan'>;

export interface QueueActivities {
  main: MainActivities;
  orchestrator: OrchestratorActivities;
  executor: ExecutorActivities;
  reviewer: ReviewerActivities;
}
export type QueueRole = keyof QueueActivities;
export const QUEUE_ROLES: readonly QueueRole[] = ['main', 'executor', 'reviewer', 'orchestrator'];

/** A proxy for `role`'s queue with exactly the activities that queue serves. */
export function activitiesOn<R extends QueueRole>(role: R, taskQueues: TaskQueues, options: Omit<ActivityOptions, 'taskQueue'>): ActivityInterfaceFor<QueueActivities[R]> {
  return proxyActivities<QueueActivities[R]>({ ...options, taskQueue: taskQueues[role] });
}

type AnyActivityName = { [R in QueueRole]: keyof QueueActivities[R] }[QueueRole];

/**
 * A queue's set as its worker registers it: exactly that queue's activities. An activity of another
 * queue in it is a compile error (test/unit/activity-queues.test.ts), so it can never be served by a
 * host that should not run it.
 */
export function queueSet<R extends QueueRole>(
  _role: R,
  activities: QueueActivities[R] & { [K in Exclude<AnyActivityName, keyof QueueActivities[R]>]?: never },
): QueueActivities[R] {
  return activities;
}
