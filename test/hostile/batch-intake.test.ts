/**
 * All-or-nothing batches end to end (issue #13), on the real server with a real worker: an
 * orchestrator batch holding one undeliverable line — too large for the payload limit, a run_id
 * used twice, a DISPATCH_SUMMARY the runner cannot read — routes nothing (no item workflow, no
 * backend effect) and stops the sprint with exit 2 and the specific code; the refusal is one compact
 * INTENT_REFUSED line and no SDK "Activity failed" warning. A line just under the limit is routed.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { setEventWriter, type RunnerEvent } from '../../src/logging';
import { itemWorkflowId, sprintWorkflow, sprintWorkflowId } from '../../src/workflows';
import { connectTestTemporal, type TestTemporal } from '../support/temporal';
import { startE2eRig, type E2eRig, boardItem } from '../support/e2e';
import { eventually } from '../support/item-harness';

const dir = mkdtempSync(join(tmpdir(), 'sr-batch-'));
/** Prints `<dir>/<sprint>.out` on stdout and `<dir>/<sprint>.err` on stderr, then exits 0. */
const ORCHESTRATOR = join(dir, 'orchestrator.js');
writeFileSync(
  ORCHESTRATOR,
  `
const fs = require('node:fs');
const base = ${JSON.stringify(dir)} + '/' + process.env.ORCHESTRATOR_SPRINT;
for (const [ext, stream] of [['.out', process.stdout], ['.err', process.stderr]]) {
  if (fs.existsSync(base + ext)) stream.write(fs.readFileSync(base + ext));
}
`,
);

const RESOLVE = '/internal/reviewer/resolve-linked-pr';
const review = (issue: number, runId = randomUUID(), padding?: string) => ({
  type: 'RUN_INTENT',
  role: 'REVIEWER',
  run_id: runId,
  endpoint: RESOLVE,
  body: { role: 'REVIEWER', issue_number: issue, run_id: runId, ...(padding === undefined ? {} : { padding }) },
});
/** A review intent whose JSON line is exactly `bytes` long. */
function reviewOfLength(issue: number, bytes: number): Record<string, unknown> {
  const base = JSON.stringify(review(issue, randomUUID(), '')).length;
  const intent = review(issue, randomUUID(), 'p'.repeat(bytes - base));
  expect(JSON.stringify(intent).length).toBe(bytes);
  return intent;
}

describe('all-or-nothing batches (real server and worker)', () => {
  let temporal: TestTemporal;
  let rig: E2eRig | undefined;
  const refused: RunnerEvent[] = [];
  const warnings: string[] = [];
  let stderrSpy: jest.SpyInstance;
  beforeAll(async () => {
    temporal = await connectTestTemporal();
    setEventWriter((event) => {
      if (event.type === 'INTENT_REFUSED' || event.type === 'SUMMARY_REFUSED') refused.push(event);
    });
    // The SDK's DefaultLogger writes to process.stderr: an expected refusal must not warn there.
    const original = process.stderr.write.bind(process.stderr);
    stderrSpy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
      warnings.push(String(chunk));
      return original(chunk as string, ...(rest as []));
    });
  });
  afterEach(async () => {
    await rig?.stop();
    rig = undefined;
  });
  afterAll(async () => {
    stderrSpy.mockRestore();
    setEventWriter(null);
    await temporal.close();
  });

  /** Runs one tick of sprint `sprint` whose orchestrator prints `stdout`/`stderr`; returns its stop. */
  async function stoppedSprint(sprint: string, stdout: unknown[], stderr: unknown[] = []) {
    writeFileSync(join(dir, `${sprint}.out`), stdout.map((line) => `${typeof line === 'string' ? line : JSON.stringify(line)}\n`).join(''));
    writeFileSync(join(dir, `${sprint}.err`), stderr.map((line) => `${JSON.stringify(line)}\n`).join(''));
    const handle = await temporal.client.workflow.start(sprintWorkflow, {
      taskQueue: rig!.config.temporalTaskQueue,
      workflowId: `${sprintWorkflowId(sprint)}-${rig!.config.temporalTaskQueue}`,
      args: [{ sprint, mode: 'once', dryRun: true }],
    });
    const failure = await handle.result().then(
      () => null,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const cause = (failure as WorkflowFailedError).cause as ApplicationFailure;
    expect(cause.type).toBe('SprintStopped');
    return { details: cause.details?.[0] as Record<string, unknown>, message: cause.message };
  }

  async function expectNothingRouted(sprint: string, issues: number[]) {
    for (const issue of issues) {
      await expect(temporal.client.workflow.getHandle(itemWorkflowId(sprint, issue)).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    }
    const listed: string[] = [];
    for await (const execution of temporal.client.workflow.list({ query: `Sprint = "${sprint}" AND IssueNumber IS NOT NULL` })) listed.push(execution.workflowId);
    expect(listed).toEqual([]);
    expect(rig!.backend.board.effectLog()).toEqual([]);
  }

  it('default limit (2 MiB): a 1,048,000-byte line next to a small one refuses the batch with intent_too_large; nothing routed', async () => {
    rig = await startE2eRig(
      temporal,
      { items: [boardItem(8101, 'In Review'), boardItem(8102, 'In Review')] },
      {
        RUNNER_ORCHESTRATOR_CMD: `${process.execPath} ${ORCHESTRATOR} --loop`,
      },
    );
    expect(rig.config.maxPayloadBytes).toBe(2 * 1024 * 1024);
    const sprint = `B${randomUUID().slice(0, 8)}`;
    const warningsBefore = warnings.length;
    const { details, message } = await stoppedSprint(sprint, [review(8101), reviewOfLength(8102, 1_048_000)]);
    expect(details).toMatchObject({ exitCode: 2, reason: 'intent_error: intent_too_large' });
    expect(message).toMatch(
      /^intent_error: intent_too_large: intent [0-9a-f-]{36} would be sent as \d+ bytes; at most 2093056 fit \(RUNNER_MAX_PAYLOAD_BYTES 2097152 less 4096 for the envelope\) \(orchestrator stdout line 2\)$/,
    );
    expect(refused.at(-1)).toMatchObject({ type: 'INTENT_REFUSED', sprint, code: 'intent_too_large', line: 2 });
    expect(rig.events.find((e) => e.type === 'HARD_STOP')).toMatchObject({ exit_code: 2, reason: 'intent_error: intent_too_large' });
    await expectNothingRouted(sprint, [8101, 8102]);
    expect(warnings.slice(warningsBefore).filter((w) => w.includes('Activity failed'))).toEqual([]);
  }, 120_000);

  it('one run_id for two issues in a batch is intent_duplicate_run_id; a malformed DISPATCH_SUMMARY is summary_invalid; nothing routed', async () => {
    rig = await startE2eRig(
      temporal,
      { items: [boardItem(8111, 'In Review'), boardItem(8112, 'In Review')] },
      {
        RUNNER_ORCHESTRATOR_CMD: `${process.execPath} ${ORCHESTRATOR} --loop`,
      },
    );
    const runId = randomUUID();
    const duplicate = `B${randomUUID().slice(0, 8)}`;
    const first = await stoppedSprint(duplicate, [review(8111, runId), review(8112, runId)]);
    expect(first.details).toMatchObject({ exitCode: 2, reason: 'intent_error: intent_duplicate_run_id' });
    expect(first.message).toBe(
      `intent_error: intent_duplicate_run_id: run_id ${runId} is used by lines 1 and 2 of one batch (a run_id names one run) (orchestrator stdout line 2)`,
    );
    await expectNothingRouted(duplicate, [8111, 8112]);

    const badSummary = `B${randomUUID().slice(0, 8)}`;
    const second = await stoppedSprint(
      badSummary,
      [review(8111)],
      [{ type: 'DISPATCH_SUMMARY', sprint: badSummary, processed_items: [null, { issue_number: 8111, status: 'In Review' }] }],
    );
    expect(second.details).toMatchObject({ exitCode: 2, reason: 'summary_invalid', code: 'summary_invalid' });
    expect(second.message).toBe('summary_invalid: DISPATCH_SUMMARY processed_items[0] must be an object, got null');
    expect(refused.at(-1)).toMatchObject({ type: 'SUMMARY_REFUSED', code: 'summary_invalid' });
    await expectNothingRouted(badSummary, [8111]);
  }, 120_000);

  it('RUNNER_MAX_PAYLOAD_BYTES is the limit: a line that fits is routed, one that does not refuses its batch', async () => {
    rig = await startE2eRig(
      temporal,
      { items: [boardItem(8121, 'In Review'), boardItem(8122, 'In Review')] },
      {
        RUNNER_ORCHESTRATOR_CMD: `${process.execPath} ${ORCHESTRATOR} --loop`,
        RUNNER_MAX_PAYLOAD_BYTES: '262144',
      },
    );
    const tooLarge = `B${randomUUID().slice(0, 8)}`;
    const { details } = await stoppedSprint(tooLarge, [review(8121), reviewOfLength(8122, 140_000)]);
    expect(details).toMatchObject({ exitCode: 2, reason: 'intent_error: intent_too_large' });
    await expectNothingRouted(tooLarge, [8121, 8122]);

    // ~2 × 100 KB sent (body and raw) fits 256 KiB: routed, its item workflow starts.
    const fits = `B${randomUUID().slice(0, 8)}`;
    writeFileSync(join(dir, `${fits}.out`), `${JSON.stringify(reviewOfLength(8122, 100_000))}\n`);
    writeFileSync(join(dir, `${fits}.err`), '');
    const handle = await temporal.client.workflow.start(sprintWorkflow, {
      taskQueue: rig.config.temporalTaskQueue,
      workflowId: `${sprintWorkflowId(fits)}-${rig.config.temporalTaskQueue}`,
      args: [{ sprint: fits, mode: 'once', dryRun: true }],
    });
    const item = temporal.client.workflow.getHandle(itemWorkflowId(fits, 8122));
    await eventually(
      () =>
        item.describe().then(
          () => true,
          () => false,
        ),
      Boolean,
      30_000,
    );
    // A `once` sprint may have ended by itself already.
    await handle.terminate('test done').catch((err: unknown) => {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    });
    await item.terminate('test done').catch(() => undefined);
  }, 120_000);
});
