/**
 * Every activity the worker registers, as one set per task queue (workflows/activity-queues.ts).
 * Activities are thin adapters to the outside world (backend HTTP, orchestrator process, Codex,
 * the sprint workflow's state); they close over the configuration and a Temporal client, and every
 * error leaves them classified (see failures.ts).
 */
import type { Client } from '@temporalio/client';
import type { RunnerConfig } from '../config';
import { queueSet, type QueueActivities } from '../workflows/activity-queues';
import { BackendClient } from './backend-client';
import { createBoardActivities } from './board';
import { createCodexWorkerActivity } from './codex-worker';
import { classified, heartbeating } from './failures';
import { createIntakeActivities } from './intake';
import { createIntentRouterActivities } from './intent-router';
import { createKickoffActivities } from './kickoff';
import { createOrchestratorStateActivities } from './orchestrator-state';
import { createOrchestratorTickActivities } from './orchestrator-tick';
import { createSprintActivities } from './sprint';
import { createSprintStateActivities } from './sprint-state';
import * as smoke from './smoke';
import { claimRecorder, withRecoverableResult } from './run-result-recovery';

/** These heartbeat with their own details (progress, resume points); the rest get a plain heartbeat. */
const SELF_HEARTBEATING = new Set(['runCodexWorker', 'generateKickoffPlan', 'runOrchestratorTick', 'routeIntents']);

export function createActivitySets(config: RunnerConfig, client: () => Client): QueueActivities {
  const backend = new BackendClient(config.backendBaseUrl, config.backendTimeoutS);
  const sprint = createSprintActivities(config, backend, client);
  const kickoff = createKickoffActivities(config, backend, client);
  const board = createBoardActivities(backend);
  const runCodexWorker = withRecoverableResult(client, createCodexWorkerActivity(config, backend, claimRecorder(client)));
  const sets: QueueActivities = {
    main: queueSet('main', {
      loadSprintSettings: sprint.loadSprintSettings,
      preflight: sprint.preflight,
      promoteToReady: sprint.promoteToReady,
      notifyItems: sprint.notifyItems,
      endItemWorkflows: sprint.endItemWorkflows,
      applyKickoffDraft: kickoff.applyKickoffDraft,
      ...createIntentRouterActivities(client),
      ...createSprintStateActivities(client),
      ...board,
      ...smoke,
    }),
    orchestrator: queueSet('orchestrator', {
      ...createOrchestratorTickActivities(config, client),
      loadSprintPlan: kickoff.loadSprintPlan,
      saveSprintPlan: kickoff.saveSprintPlan,
      findExistingKickoff: kickoff.findExistingKickoff,
      writeRegenRequest: sprint.writeRegenRequest,
      ...createIntakeActivities(config, client),
      ...createOrchestratorStateActivities(config.orchestratorStatePath),
    }),
    executor: queueSet('executor', { runCodexWorker, checkCodexMcp: kickoff.checkCodexMcp }),
    reviewer: queueSet('reviewer', { runCodexWorker, generateKickoffPlan: kickoff.generateKickoffPlan }),
  };
  return {
    main: wrap(sets.main),
    orchestrator: wrap(sets.orchestrator),
    executor: wrap(sets.executor),
    reviewer: wrap(sets.reviewer),
  };
}

/** Classified failures and heartbeats for every activity of a set. */
function wrap<T extends object>(set: T): T {
  return Object.fromEntries(Object.entries(set).map(([name, fn]) => [name, classified(SELF_HEARTBEATING.has(name) ? fn : heartbeating(fn))])) as T;
}
