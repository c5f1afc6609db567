/**
 * The replay corpus (issue #16): every history recorded from a released version of the code
 * (test/fixtures/histories/<release>/*.json, written by `npm run record-histories`) must replay with
 * the current workflow code. A change to workflow code that would break the open sprints and items
 * of a deployment fails here with the file that shows it; guard such changes with `patched()`
 * (docs/upgrading.md).
 *
 * The corpus must not be empty: a replay test without histories would pass for any code. Two more
 * cases keep this test honest: the same kind of change, once guarded by patched() and once not, is
 * applied to a copy of the code — the guarded one replays, the unguarded one fails naming files.
 */
import { join } from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { HistoryFixture, loadHistoryFixtures, replayFixtures } from '../support/replay';
import { itemWorkflowVariantBundle, PATCHED_PROBE, UNGUARDED_TIMER } from '../support/workflow-variant';

// SPRINT_RUNNER_HISTORIES_DIR: check a fresh recording (e.g. `--out /tmp/h`) before committing it.
const CORPUS = process.env.SPRINT_RUNNER_HISTORIES_DIR || join(__dirname, '..', 'fixtures', 'histories');

const describeFailures = (results: Array<{ file: string; error: Error | null }>) =>
  results.filter((r) => r.error).map((r) => `${r.file}: ${r.error!.name}: ${r.error!.message.split('\n')[0]}`);

describe('committed workflow histories replay with the current code', () => {
  let fixtures: HistoryFixture[] = [];
  beforeAll(() => {
    try {
      // Quiet replay workers (state changes are logged at INFO by default).
      Runtime.install({ logger: new DefaultLogger('WARN') });
    } catch {
      // installed already in this jest worker
    }
    fixtures = loadHistoryFixtures(CORPUS);
  });

  it('the corpus has histories (record them with `npm run record-histories`)', () => {
    if (fixtures.length === 0) {
      throw new Error(`no histories under ${CORPUS}: record the current release with \`npm run record-histories\` and commit the folder (docs/upgrading.md)`);
    }
    // Item and sprint workflows are both in it.
    const ids = fixtures.map((f) => f.workflowId);
    expect(ids.some((id) => /-item-\d+$/.test(id))).toBe(true);
    expect(ids.some((id) => /^sprint-[^-]+$/.test(id))).toBe(true);
  });

  it('every history replays without a non-determinism error (the failure names the file)', async () => {
    expect(fixtures.length).toBeGreaterThan(0);
    const results = await replayFixtures(fixtures);
    expect(results).toHaveLength(fixtures.length);
    expect(describeFailures(results)).toEqual([]);
  }, 120_000);

  it('a workflow change guarded by patched() replays; the same kind of change without it fails, naming the files', async () => {
    expect(fixtures.length).toBeGreaterThan(0);
    const items = fixtures.filter((f) => /-item-\d+$/.test(f.workflowId));
    expect(items.length).toBeGreaterThan(0);

    const guarded = await replayFixtures(items, await itemWorkflowVariantBundle('patched-probe', PATCHED_PROBE));
    expect(describeFailures(guarded)).toEqual([]);

    const unguarded = await replayFixtures(items, await itemWorkflowVariantBundle('unguarded-timer', UNGUARDED_TIMER));
    const failures = describeFailures(unguarded);
    // Every item history fails, and the message says which file and why.
    expect(failures).toHaveLength(items.length);
    for (const [i, failure] of failures.entries()) {
      expect(failure.startsWith(`${items[i]!.file}: `)).toBe(true);
      expect(failure).toMatch(/Determinism|Nondeterminism|non-determinism/i);
    }
  }, 240_000);
});
