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
