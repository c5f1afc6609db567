/**
 * Runner-managed fields of the orchestrator's state (../../docs/spec/runner-behaviour.md §10.2.3–§10.2.5)
 * against the state the sprint workflow holds. The two records are signals when they run as local
 * activities (item workflows since patch item-records-in-sprint-locally; the sprint applies a run_id's
 * record once): a signal waits for the server only, while an update would wait for the sprint's
 * workflow task with the item's task slot held. As activities (item runs from before the patch) they
 * are updates (durable, deduplicated by their id within a run). Also a query for a run's item, and
 * another item workflow's board status (a lost claim's held item). Any host can run these: no file.
 */
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { MESSAGE_VERSION } from '../contracts/messages';
import {
  executorResponseRecordedSignal,
  recordExecutorResponseUpdate,
  recordReviewerOutcomeUpdate,
  reviewerOutcomeRecordedSignal,
  runContextQuery,
} from '../workflows/sprint/messages';
import { itemStatusQuery } from '../workflows/item/messages';
import type { ItemActivities } from '../workflows/item/ports';
import { patientQuery } from './patient-query';

type SprintStateActivities = Pick<ItemActivities, 'lookupRunContextInSprint' | 'recordReviewerOutcomeInSprint' | 'recordExecutorResponseInSprint' | 'itemWorkflowBoardStatus'>;

export function createSprintStateActivities(client: () => Client): SprintStateActivities {
  const sprint = (workflowId: string) => client().workflow.getHandle(workflowId);
  return {
    async lookupRunContextInSprint({ sprintWorkflowId, runId }) {
      return unlessSprintEnded(() => patientQuery(`run context in ${sprintWorkflowId}`, () => sprint(sprintWorkflowId).query(runContextQuery, { runId })), null);
    },
    async itemWorkflowBoardStatus({ workflowId }) {
      const status = await patientQuery(`item status of ${workflowId}`, () => client().workflow.getHandle(workflowId).query(itemStatusQuery)).catch((err: unknown) => {
        if (err instanceof WorkflowNotFoundError) return null;
        throw err;
      });
      return status?.boardStatus ?? null;
    },
    async recordReviewerOutcomeInSprint({ sprintWorkflowId, issueNumber, outcome, at, runId }) {
      if (Context.current().info.isLocal) {
        const send = () => sprint(sprintWorkflowId).signal(reviewerOutcomeRecordedSignal, { version: MESSAGE_VERSION, issueNumber, outcome, at, runId });
        return unlessSprintEnded(() => send().then(() => ({ reviewCycleCount: null })), { reviewCycleCount: null });
      }
      const update = () =>
        sprint(sprintWorkflowId).executeUpdate(recordReviewerOutcomeUpdate, {
          updateId: `reviewer-outcome-${runId}`,
          args: [{ version: MESSAGE_VERSION, issueNumber, outcome, at, runId }],
        });
      return unlessSprintEnded(update, { reviewCycleCount: null });
    },
    async recordExecutorResponseInSprint({ sprintWorkflowId, runId, at }) {
      if (Context.current().info.isLocal) {
        const send = () => sprint(sprintWorkflowId).signal(executorResponseRecordedSignal, { version: MESSAGE_VERSION, runId, at });
        return unlessSprintEnded(() => send().then(() => ({ recorded: true })), { recorded: false });
      }
      const update = () =>
        sprint(sprintWorkflowId).executeUpdate(recordExecutorResponseUpdate, {
          updateId: `executor-response-${runId}`,
          args: [{ version: MESSAGE_VERSION, runId, at }],
        });
      return unlessSprintEnded(update, { recorded: false });
    },
  };
}

/** A sprint that has ended keeps no orchestrator state to update: the item carries on without it. */
async function unlessSprintEnded<T>(call: () => Promise<T>, ended: T): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return ended;
    throw err;
  }
}
