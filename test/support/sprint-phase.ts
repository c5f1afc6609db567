/**
 * A sprint's automatic work is over when it reaches `awaiting-humans` (its workflow then stays open
 * for reworks). Tests that only need the automatic part wait for that phase and close the sprint,
 * which ends its item workflows and gives the sprint's result.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { closeUpdate, sprintStatusQuery, type SprintResult } from '../../src/workflows/sprint/messages';

export async function closeWhenAwaitingHumans(handle: WorkflowHandle, timeoutMs = 170_000): Promise<SprintResult> {
  let ended = false;
  const result = (handle.result() as Promise<SprintResult>).finally(() => void (ended = true));
  result.catch(() => undefined);
  const deadline = Date.now() + timeoutMs;
  while (!ended) {
    const status = await handle.query(sprintStatusQuery).catch(() => null);
    if (status?.phase === 'awaiting-humans') {
      await handle.executeUpdate(closeUpdate, { args: [{ reason: 'test: automatic work done' }] }).catch(() => undefined);
      break;
    }
    if (Date.now() > deadline) throw new Error(`sprint ${handle.workflowId} did not reach awaiting-humans in ${timeoutMs} ms (phase ${status?.phase})`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return result;
}
