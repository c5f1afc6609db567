/**
 * Sprint-level activities: the configuration snapshot a sprint runs with, the backend preflight,
 * and board observations forwarded to item workflows.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { RunnerConfig } from '../config';
import { taskQueuesFor } from '../temporal/task-queues';
import { boardObservedSignal, type BoardStatus } from '../workflows/item/messages';
import type { SprintSettings } from '../workflows/sprint/ports';
import type { BackendClient } from './backend-client';
import { writeFileAtomically } from './files';
import { regenRequestPath } from '../domain/dependency-graph';
import { pythonJsonFileText } from '../domain/python-json';

export function sprintSettingsFrom(config: RunnerConfig, dryRun: boolean): SprintSettings {
  return {
    pollIntervalMs: config.pollIntervalMs,
    autopromote: config.autopromote,
    readyBuffer: config.readyBuffer,
    sanitizationRegenAttempts: config.sanitizationRegenAttempts,
    regenRequestPath: regenRequestPath(config.orchestratorStatePath),
    transientMaxAttempts: config.transientMaxAttempts,
    historyEventsBeforeContinue: config.historyEventsBeforeContinue,
    itemSettings: {
      dryRun: dryRun || config.dryRun,
      watchdogTimeoutS: config.watchdogTimeoutS,
      toolsCallTimeoutS: config.codexToolsCallTimeoutS,
      blockedRetryCooldownMs: config.blockedRetryMinutes * 60_000,
      blockedRetryMaxAttempts: config.blockedRetryMaxAttempts,
      reviewStallMs: config.reviewStallMinutes !== null ? config.reviewStallMinutes * 60_000 : config.reviewStallPolls * config.pollIntervalMs,
      transientMaxAttempts: config.transientMaxAttempts,
      historyEventsBeforeContinue: config.historyEventsBeforeContinue,
      taskQueues: taskQueuesFor(config.temporalTaskQueue),
    },
  };
}

export function createSprintActivities(config: RunnerConfig, backend: BackendClient, client: () => Client) {
  return {
    async loadSprintSettings(input: { sprint: string; dryRun: boolean }): Promise<SprintSettings> {
      return sprintSettingsFrom(config, input.dryRun);
    },
    async preflight() {
      return backend.get('/internal/preflight', { role: 'ORCHESTRATOR' });
    },
    async promoteToReady(body: Record<string, unknown>) {
      return backend.post('/internal/project-item/update-field', body);
    },
    async writeRegenRequest(content: Record<string, unknown>) {
      const path = regenRequestPath(config.orchestratorStatePath);
      await writeFileAtomically(path, pythonJsonFileText(content));
      return path;
    },
    async notifyItems(changes: Array<{ workflowId: string; status: BoardStatus; projectItemId: string }>) {
      let notified = 0;
      await Promise.all(
        changes.map(async (change) => {
          try {
            await client().workflow.getHandle(change.workflowId).signal(boardObservedSignal, { status: change.status, projectItemId: change.projectItemId });
            notified += 1;
          } catch (err) {
            if (!(err instanceof WorkflowNotFoundError)) throw err;
          }
        }),
      );
      return { notified };
    },
  };
}
