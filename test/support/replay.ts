/**
 * Determinism check: replays recorded histories against the current workflow code.
 * Histories come from real runs (`handle.fetchHistory()`), or JSON from `temporal workflow show -o json`.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import type { temporal } from '@temporalio/proto';
import { eventSinks } from '../../src/worker';

export interface RecordedHistory {
  workflowId: string;
  history: temporal.api.history.v1.IHistory | unknown;
}

export async function fetchHistories(client: Client, workflowIds: string[]): Promise<RecordedHistory[]> {
  return Promise.all(workflowIds.map(async (workflowId) => ({ workflowId, history: await client.workflow.getHandle(workflowId).fetchHistory() })));
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

/** One committed history of the replay corpus (test/fixtures/histories/<release>/), see scripts/record-histories.ts. */
export interface HistoryFixture {
  /** Path relative to the corpus root, e.g. `v0.1.0-abc1234/human-rework.sprint-M1-item-241.json`. */
  file: string;
  workflowId: string;
  history: unknown;
}

/**
 * Every `*.json` history under `root` (any depth) except the manifests; each release folder's
 * manifest.json gives the workflow id replay needs (histories do not carry it). A history missing
 * from its manifest is an error, not a silent skip.
 */
export function loadHistoryFixtures(root: string): HistoryFixture[] {
  if (!existsSync(root)) return [];
  const fixtures: HistoryFixture[] = [];
  const walk = (dir: string) => {
    const names = readdirSync(dir).sort();
    const manifestPath = join(dir, 'manifest.json');
    const manifest = existsSync(manifestPath) ? (JSON.parse(readFileSync(manifestPath, 'utf8')) as { histories?: Array<{ file: string; workflowId: string }> }) : null;
    for (const name of names) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) {
        walk(path);
        continue;
      }
      if (!name.endsWith('.json') || name === 'manifest.json') continue;
      const file = relative(root, path);
      const entry = manifest?.histories?.find((h) => h.file === name);
      if (!entry) throw new Error(`${file}: not listed in ${relative(root, manifestPath)} (its workflow id is needed to replay it); re-record with npm run record-histories`);
      fixtures.push({ file, workflowId: entry.workflowId, history: JSON.parse(readFileSync(path, 'utf8')) });
    }
  };
  walk(root);
  return fixtures;
}

/**
 * Replays each fixture with the workflow code of `codePath` (a bundle; default: the test bundle) in
 * one replay worker; one result per fixture, in order, with its error (e.g. DeterminismViolationError).
 */
export async function replayFixtures(fixtures: HistoryFixture[], codePath = process.env.TEMPORAL_TEST_WORKFLOW_BUNDLE): Promise<Array<{ file: string; error: Error | null }>> {
  if (!codePath) throw new Error('no workflow bundle: TEMPORAL_TEST_WORKFLOW_BUNDLE is not set (global-setup builds it)');
  const results: Array<{ file: string; error: Error | null }> = [];
  const histories = fixtures.map((fixture) => ({ workflowId: fixture.workflowId, history: fixture.history }));
  const options = { workflowBundle: { codePath }, sinks: eventSinks(() => undefined) };
  for await (const result of Worker.runReplayHistories(options, histories as never)) {
    results.push({ file: fixtures[results.length]!.file, error: (result.error as Error | undefined) ?? null });
  }
  return results;
}
