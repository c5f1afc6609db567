/**
 * Every message of every workflow, sent with hostile payloads through the real `temporal` CLI (what
 * an operator holds): null, {}, wrong types, unknown fields, extra arguments. Afterwards each
 * workflow answers its status query with exactly the state it had, and its history has no failed
 * workflow task. Updates are refused by their validators with the reason; queries with a payload
 * fail with the reason.
 */
import { execFile } from 'node:child_process';
import { loadConfig } from '../../src/config';
import { createWorkers, type WorkerSet } from '../../src/worker';
import { resolveTemporalCli } from '../../src/temporal/dev-server';
import { boardObservedSignal, itemStatusQuery, smokeWorkflow, sprintStatusQuery, sprintWorkflow } from '../../src/workflows';
import type { TickOutcome } from '../../src/workflows/sprint/ports';
import { sprintStandIns } from '../support/sprint-stand-ins';
import { connectTestTemporal, testAddress, uniqueTaskQueue, type TestTemporal } from '../support/temporal';
import { eventually, ItemHarness } from '../support/item-harness';
import type { RunnerEvent } from '../../src/logging';

/** Hostile payloads, as the CLI's --input values (each a JSON text; several = several arguments). */
const HOSTILE: string[][] = [
  ['null'],
  ['{}'],
  ['[]'],
  ['42'],
  ['"text"'],
  ['{"x":1}'],
  ['{"__proto__":{"polluted":true}}'],
  ['{"version":1,"status":"Bogus","projectItemId":"P"}'],
  ['{"version":2,"status":"Done","projectItemId":"P"}'],
  ['{"issueNumber":-1,"busy":true}'],
  ['{"version":1,"issueNumber":9007199254740993,"chain":"c","seq":1,"intentsReceived":0,"intentsSuperseded":0,"boardStatus":null,"busy":true,"timerPending":false,"ended":false}'],
  ['{"reason":""}'],
  ['{"reason":"ok"}', '{"reason":"second argument"}'],
];

interface CliRun {
  status: number;
  stdout: string;
  stderr: string;
}

function temporalCli(args: string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(resolveTemporalCli(), [...args, '--address', testAddress()], { encoding: 'utf8', timeout: 30_000 }, (error, stdout, stderr) =>
      resolve({ status: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const inputs = (payload: string[]) => payload.flatMap((value) => ['--input', value]);

async function noFailedWorkflowTask(temporal: TestTemporal, workflowId: string): Promise<void> {
  const history = await temporal.client.workflow.getHandle(workflowId).fetchHistory();
  const failed = history.events!.filter((event) => event.workflowTaskFailedEventAttributes);
  expect({ workflowId, failedWorkflowTasks: failed.length }).toEqual({ workflowId, failedWorkflowTasks: 0 });
}

describe('hostile payloads for every message of every workflow, through the temporal CLI', () => {
  let temporal: TestTemporal;
  beforeAll(async () => {
    temporal = await connectTestTemporal();
  });
  afterAll(async () => temporal.close());

  it('itemWorkflow: runIntent, boardObserved, sprintClosed, runResultRecorded, runClaimed dropped; requestRework refused; itemStatus with a payload, recoveredRunResult and heldClaim with a bad one refused', async () => {
    const h = new ItemHarness(temporal);
    await h.start();
    try {
      const handle = await h.startItem();
      await handle.signal(boardObservedSignal, { version: 1, status: 'Needs Human Approval', projectItemId: 'PVTI_42' });
      const before = await handle.query(itemStatusQuery);
      let signals = 0;
      for (const payload of HOSTILE) {
        for (const name of ['runIntent', 'boardObserved', 'sprintClosed', 'runResultRecorded', 'runClaimed']) {
          const sent = await temporalCli(['workflow', 'signal', '--workflow-id', handle.workflowId, '--name', name, ...inputs(payload)]);
          expect(sent).toMatchObject({ status: 0 });
          signals += 1;
        }
      }
      await eventually(
        () => h.types().filter((t) => t === 'MESSAGE_REJECTED').length,
        (n) => n === signals,
        30_000,
      );
      for (const payload of HOSTILE.filter((p) => p.join() !== '{"reason":"ok"}')) {
        const update = await temporalCli(['workflow', 'update', 'execute', '--workflow-id', handle.workflowId, '--name', 'requestRework', ...inputs(payload)]);
        expect({ payload, status: update.status }).toEqual({ payload, status: 1 });
        expect(update.stderr).toMatch(/reason|payload|argument|field/);
      }
      const query = await temporalCli(['workflow', 'query', '--workflow-id', handle.workflowId, '--name', 'itemStatus', '--input', '{"x":1}']);
      expect(query.status).not.toBe(0);
      expect(query.stderr).toContain('takes no payload');
      for (const name of ['recoveredRunResult', 'heldClaim']) {
        const asked = await temporalCli(['workflow', 'query', '--workflow-id', handle.workflowId, '--name', name, '--input', '{"runId":7}']);
        expect({ name, status: asked.status }).toEqual({ name, status: 1 });
        expect(asked.stderr).toContain('runId');
      }
      expect(await handle.query(itemStatusQuery)).toEqual(before);
      expect(h.named('requestHumanRework')).toHaveLength(0);
      expect(h.named('runCodexWorker')).toHaveLength(0);
      await noFailedWorkflowTask(temporal, handle.workflowId);
      await handle.terminate('test done');
    } finally {
      await h.stop();
    }
  }, 180_000);

  it('sprintWorkflow: itemReport, reviewerOutcomeRecorded, executorResponseRecorded, pause, resume, stop, tick dropped; close refused; sprintStatus/sprintItems with a bad payload refused', async () => {
    const queue = uniqueTaskQueue('door');
    // A long poll interval: the sprint ticks once and then waits, so its state cannot move on its own.
    const config = loadConfig({ TEMPORAL_TASK_QUEUE: queue, ORCHESTRATOR_POLL_INTERVAL_MS: '3600000' });
    const events: RunnerEvent[] = [];
    const activities = sprintStandIns(config, async (): Promise<TickOutcome> => ({
      routed: 0,
      routedItems: [],
      endOfSprint: false,
      exitCode: 0,
      summary: { type: 'DISPATCH_SUMMARY', sprint: 'M1', completed: false, status_counts: { Ready: 1 }, processed_items: [] },
    }));
    const workers: WorkerSet = await createWorkers({
      config,
      connection: temporal.nativeConnection,
      activities,
      onEvent: (event) => events.push(event),
      workflowBundle: { codePath: process.env.TEMPORAL_TEST_WORKFLOW_BUNDLE! },
      shutdownGraceTime: '1s',
    });
    const running = workers.run();
    try {
      const handle = await temporal.client.workflow.start(sprintWorkflow, { taskQueue: queue, workflowId: `sprint-door-${queue}`, args: [{ sprint: 'M1', mode: 'loop' }] });
      const before = (await eventually(
        () => handle.query(sprintStatusQuery).catch(() => null),
        (s) => s?.ticks === 1 && s.lastSummary !== null,
      ))!;
      let signals = 0;
      // (`null` alone means "no payload" to pause/resume/stop/tick, so it is not hostile for them.)
      for (const payload of HOSTILE.filter((p) => p.join() !== 'null')) {
        for (const name of ['itemReport', 'reviewerOutcomeRecorded', 'executorResponseRecorded', 'pause', 'resume', 'stop', 'tick']) {
          expect(await temporalCli(['workflow', 'signal', '--workflow-id', handle.workflowId, '--name', name, ...inputs(payload)])).toMatchObject({ status: 0 });
          signals += 1;
        }
      }
      await eventually(
        () => events.filter((e) => e.type === 'MESSAGE_REJECTED').length,
        (n) => n === signals,
        30_000,
      );
      for (const payload of HOSTILE.filter((p) => p.join() !== '{"reason":"ok"}')) {
        const update = await temporalCli(['workflow', 'update', 'execute', '--workflow-id', handle.workflowId, '--name', 'close', ...inputs(payload)]);
        expect({ payload, status: update.status }).toEqual({ payload, status: 1 });
      }
      for (const payload of [['{"offset":-1}'], ['{"limit":0}'], ['{"limit":"10"}'], ['{"offset":1,"x":2}']]) {
        const query = await temporalCli(['workflow', 'query', '--workflow-id', handle.workflowId, '--name', 'sprintItems', ...inputs(payload)]);
        expect({ payload, status: query.status === 0 ? 0 : 1 }).toEqual({ payload, status: 1 });
      }
      const status = await temporalCli(['workflow', 'query', '--workflow-id', handle.workflowId, '--name', 'sprintStatus', '--input', '{}']);
      expect(status.stderr).toContain('takes no payload');
      const after = await handle.query(sprintStatusQuery);
      expect(after).toEqual(before);
      expect(after.items).toEqual([]);
      await noFailedWorkflowTask(temporal, handle.workflowId);
      await handle.terminate('test done');
    } finally {
      workers.shutdown();
      await running;
    }
  }, 180_000);

  it('smokeWorkflow: smokeGreet with a bad payload is ignored; a good one still works', async () => {
    const queue = uniqueTaskQueue('door-smoke');
    const workers = await createWorkers({
      config: loadConfig({ TEMPORAL_TASK_QUEUE: queue }),
      connection: temporal.nativeConnection,
      onEvent: () => undefined,
      workflowBundle: { codePath: process.env.TEMPORAL_TEST_WORKFLOW_BUNDLE! },
      shutdownGraceTime: '1s',
    });
    const running = workers.run();
    try {
      const handle = await temporal.client.workflow.start(smokeWorkflow, {
        taskQueue: queue,
        workflowId: `smoke-door-${queue}`,
        args: [{ timerMs: 100, waitForSignalMs: 60_000 }],
      });
      // (A single string is a greeting; every other payload is hostile here, one over 200 characters too.)
      for (const payload of [...HOSTILE.filter((p) => p.join() !== '"text"'), [JSON.stringify('x'.repeat(201))]]) {
        expect(await temporalCli(['workflow', 'signal', '--workflow-id', handle.workflowId, '--name', 'smokeGreet', ...inputs(payload)])).toMatchObject({ status: 0 });
      }
      // Still waiting for a greeting: the first well-formed one is the one it takes.
      expect(await temporalCli(['workflow', 'signal', '--workflow-id', handle.workflowId, '--name', 'smokeGreet', '--input', '"operator"'])).toMatchObject({ status: 0 });
      await expect(handle.result()).resolves.toMatchObject({ greeting: 'operator', echoed: 'echo: hello operator' });
      await noFailedWorkflowTask(temporal, handle.workflowId);
    } finally {
      workers.shutdown();
      await running;
    }
  }, 60_000);
});
