/**
 * Determinism check: replays recorded histories against the current workflow code.
 * Histories come from real runs (`handle.fetchHistory()`), or JSON from `temporal workflow show -o json`.
 */
import type { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import type { temporal } from '@temporalio/proto';
import { eventSinks } from '../../src/worker';

export interface RecordedHistory {
  workflowId: string;
  history: temporal.api.history.v1.IHistory | unknown;
}

export async function fetchHistories(client: Client, workflowIds: string[]): Promise<RecordedHistory[]> {
  return Promise.all(
    workflowIds.map(async (workflowId) => ({ workflowId, history: await client.workflow.getHandle(workflowId).fetchHistory() })),
  );
}

/** Resolves when every history replays; rejects with the first replay error (e.g. DeterminismViolationError). */
export async function replayHistories(histories: RecordedHistory[]): Promise<number> {
  const codePath = process.env.TEMPORAL_TEST_WORKFLOW_BUNDLE;
  const source = codePath ? { workflowBundle: { codePath } } : { workflowsPath: require.resolve('../../src/workflows') };
  // Sinks are never called on replay, but the workflow code references them.
  const options = { ...source, sinks: eventSinks(() => undefined) };
  let replayed = 0;
  for await (const result of Worker.runReplayHistories(options, histories as never)) {
    if (result.error) throw result.error;
    replayed += 1;
  }
  return replayed;
}
