/** Reads of a workflow's history that fault tests assert on. */
import type { Client } from '@temporalio/client';

/** Attempt numbers of the completed activities of one type in a workflow's history (its current run). */
export async function completedAttempts(client: Client, workflowId: string, activityType: string): Promise<number[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const types = new Map<string, string>();
  const attempts = new Map<string, number>();
  const out: number[] = [];
  for (const event of history.events ?? []) {
    const id = String(event.eventId);
    if (event.activityTaskScheduledEventAttributes) types.set(id, event.activityTaskScheduledEventAttributes.activityType?.name ?? '');
    const started = event.activityTaskStartedEventAttributes;
    if (started) attempts.set(String(started.scheduledEventId), started.attempt ?? 0);
    const completed = event.activityTaskCompletedEventAttributes;
    if (completed && types.get(String(completed.scheduledEventId)) === activityType) out.push(attempts.get(String(completed.scheduledEventId)) ?? 0);
  }
  return out;
}

/**
 * A query of a workflow that may just have completed: a worker must replay its whole history to
 * answer, which on a loaded machine can outlast one query's deadline ("Failed to query Workflow").
 */
export async function queryPatiently<T>(query: () => Promise<T>, attempts = 6): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await query();
    } catch (err) {
      if (attempt >= attempts || !/Failed to query Workflow|deadline|timed? ?out/i.test((err as Error).message)) throw err;
      await new Promise((resolve) => setTimeout(resolve, 1000 * attempt));
    }
  }
}
