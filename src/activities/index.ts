/**
 * Every activity the worker registers. Activities are thin adapters to the outside world
 * (backend HTTP, orchestrator process, Codex MCP, state files); they close over the configuration
 * and a Temporal client (intake routes intents to item workflows), and every error leaves them
 * classified (see failures.ts).
 */
import type { Client } from '@temporalio/client';
import type { RunnerConfig } from '../config';
import type { ItemActivities } from '../workflows/item/ports';
import type { SprintActivities } from '../workflows/sprint/ports';
import { BackendClient } from './backend-client';
import { createBoardActivities } from './board';
import { createCodexWorkerActivity } from './codex-worker';
import { classified, heartbeating } from './failures';
import { createIntakeActivities } from './intake';
import { createKickoffActivities } from './kickoff';
import { createOrchestratorStateActivities } from './orchestrator-state';
import { createSprintActivities } from './sprint';
import * as smoke from './smoke';

/** These heartbeat with their own details (progress, resume points); the rest get a plain heartbeat. */
const SELF_HEARTBEATING = new Set(['runCodexWorker', 'generateKickoffPlan', 'runOrchestratorTick']);

export function createActivities(config: RunnerConfig, client: () => Client) {
  const backend = new BackendClient(config.backendBaseUrl, config.backendTimeoutS);
  const item: ItemActivities = {
    ...createBoardActivities(backend),
    ...createOrchestratorStateActivities(config.orchestratorStatePath),
    runCodexWorker: createCodexWorkerActivity(config, backend),
  };
  const sprint: SprintActivities = {
    ...createSprintActivities(config, backend, client),
    ...createIntakeActivities(config, client),
    ...createKickoffActivities(config, backend, client),
  };
  const all = { ...item, ...sprint } as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const wrapped = Object.fromEntries(
    Object.entries(all).map(([name, fn]) => [name, classified(SELF_HEARTBEATING.has(name) ? fn : heartbeating(fn))]),
  );
  return { ...smoke, ...(wrapped as unknown as ItemActivities & SprintActivities) };
}

export type Activities = ReturnType<typeof createActivities>;
