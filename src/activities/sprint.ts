/**
 * Sprint-level activities: the configuration snapshot a sprint runs with, the backend preflight,
 * and board observations forwarded to item workflows.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { RunnerConfig } from '../config';
import { taskQueuesFor } from '../temporal/task-queues';
import { Context } from '@temporalio/activity';
import { MESSAGE_VERSION } from '../contracts/messages';
import { boardObservedSignal, sprintClosedSignal } from '../workflows/item/messages';
import type { NotifyItemsInput, SprintSettings } from '../workflows/sprint/ports';
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
    idlePollMs: config.idlePollMinutes * 60_000,
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
    async notifyItems(input: NotifyItemsInput) {
      let notified = 0;
      await inBatches(input.changes, async (change) => {
        const observation = {
          version: MESSAGE_VERSION,
          status: change.status,
          projectItemId: change.projectItemId,
          ...(input.observedAtMs !== undefined ? { observedAtMs: input.observedAtMs } : {}),
        };
        try {
          if (change.start) {
            const title = input.titles?.[String(change.issueNumber)] ?? null;
            await client().workflow.signalWithStart('itemWorkflow', {
              workflowId: change.workflowId,
              taskQueue: input.itemSettings.taskQueues.main,
              args: [
                {
                  sprint: input.sprint,
                  issueNumber: change.issueNumber,
                  projectItemId: change.projectItemId,
                  settings: input.itemSettings,
                  sprintWorkflowId: input.sprintWorkflowId,
                  title,
                },
              ],
              signal: boardObservedSignal,
              signalArgs: [observation],
              staticSummary: `${input.sprint} · #${change.issueNumber}${title ? ` ${title}` : ''}`,
            });
          } else {
            await client().workflow.getHandle(change.workflowId).signal(boardObservedSignal, observation);
          }
          notified += 1;
        } catch (err) {
          if (!(err instanceof WorkflowNotFoundError)) throw err;
        }
      });
      return { notified };
    },
    async endItemWorkflows(input: { workflowIds: string[]; reason: string }) {
      let ended = 0;
      await inBatches(input.workflowIds, async (workflowId) => {
        try {
          await client()
            .workflow.getHandle(workflowId)
            .signal(sprintClosedSignal, { version: MESSAGE_VERSION, reason: input.reason.slice(0, 500) });
          ended += 1;
        } catch (err) {
          // Already ended (Done, or never started): nothing to do.
          if (!(err instanceof WorkflowNotFoundError)) throw err;
        }
      });
      return { ended };
    },
  };
}

/** Signals many workflows with bounded concurrency, heartbeating between batches. */
async function inBatches<T>(entries: T[], send: (entry: T) => Promise<void>, size = 32): Promise<void> {
  for (let start = 0; start < entries.length; start += size) {
    await Promise.all(entries.slice(start, start + size).map(send));
    Context.current().heartbeat({ sent: start + size });
  }
}
