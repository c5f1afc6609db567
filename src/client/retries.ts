/**
 * How many times a sprint's activities were retried (backend 5xx and resets, Codex stdio loss, lost
 * workers), read from the recorded histories: Temporal records only an activity's final attempt, so
 * each ActivityTaskStarted with attempt N stands for N − 1 retries. Every run of a workflow that
 * continued as new is counted.
 */
import type { Client } from '@temporalio/client';

export interface RetryCounts {
  total: number;
  byActivity: Record<string, number>;
  byWorkflow: Record<string, number>;
}

export async function countRetries(client: Client, workflowIds: string[]): Promise<RetryCounts> {
  const counts: RetryCounts = { total: 0, byActivity: {}, byWorkflow: {} };
  for (const workflowId of workflowIds) {
    for await (const execution of client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) {
      const history = await client.workflow.getHandle(workflowId, execution.runId).fetchHistory();
      const typeOf = new Map<string, string>();
      for (const event of history.events ?? []) {
        const scheduled = event.activityTaskScheduledEventAttributes;
        if (scheduled) typeOf.set(String(event.eventId), scheduled.activityType?.name ?? 'unknown');
        const started = event.activityTaskStartedEventAttributes;
        const retries = (started?.attempt ?? 1) - 1;
        if (!started || retries <= 0) continue;
        const type = typeOf.get(String(started.scheduledEventId)) ?? 'unknown';
        counts.total += retries;
        counts.byActivity[type] = (counts.byActivity[type] ?? 0) + retries;
        counts.byWorkflow[workflowId] = (counts.byWorkflow[workflowId] ?? 0) + retries;
      }
    }
  }
  return counts;
}
