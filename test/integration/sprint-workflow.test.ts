/**
 * The sprint workflow's own decisions, with recording stand-ins for its activities on the real
 * server: a summary read before an item changed must neither end the sprint nor overwrite what the
 * item reported since (a blocked retry that fired while the orchestrator ran).
 */
import { Context } from '@temporalio/activity';
import { loadConfig } from '../../src/config';
import { createWorkers } from '../../src/worker';
import { itemReportSignal, sprintWorkflow, stopSignal } from '../../src/workflows';
import type { TickOutcome } from '../../src/workflows/sprint/ports';
import { sprintStandIns } from '../support/sprint-stand-ins';
import { connectTestTemporal, uniqueTaskQueue, type TestTemporal } from '../support/temporal';
import { eventually } from '../support/item-harness';
import { replayHistories } from '../support/replay';

describe('sprintWorkflow decisions (stand-in activities)', () => {
  let temporal: TestTemporal;
  beforeAll(async () => {
    temporal = await connectTestTemporal();
  });
  afterAll(async () => temporal.close());

  it('a tick during which an item reported does not complete the sprint or send that item the stale status', async () => {
    const queue = uniqueTaskQueue('sprint');
    const config = loadConfig({ TEMPORAL_TASK_QUEUE: queue, ORCHESTRATOR_POLL_INTERVAL_MS: '100' });
    const notified: Array<{ tick: number; status: string }> = [];
    let ticks = 0;
    const summary = (status: string) => ({
      type: 'DISPATCH_SUMMARY' as const,
      sprint: 'M1',
      completed: true,
      status_counts: { [status]: 1 },
      processed_items: [{ issue_number: 7, project_item_id: 'PVTI_7', status }],
    });
    const notifyItems = async ({ changes }: { changes: Array<{ status: string }> }) => {
      for (const change of changes) notified.push({ tick: ticks, status: change.status });
      return { notified: changes.length };
    };
    const activities = sprintStandIns(
      config,
      async (): Promise<TickOutcome> => {
        ticks += 1;
        const sprint = temporal.client.workflow.getHandle(Context.current().info.workflowExecution!.workflowId);
        if (ticks === 1) {
          // The orchestrator read item 7 as Blocked; meanwhile its blocked retry fired and it reported Ready.
          await sprint.signal(itemReportSignal, {
            version: 1,
            issueNumber: 7,
            chain: 'c1',
            seq: 1,
            intentsReceived: 0,
            intentsSuperseded: 0,
            boardStatus: 'Ready',
            busy: false,
            timerPending: false,
            ended: false,
          });
          return { routed: 0, routedItems: [], summary: summary('Blocked'), endOfSprint: true, exitCode: 0 };
        }
        return { routed: 0, routedItems: [], summary: summary('Done'), endOfSprint: true, exitCode: 0 };
      },
      { notifyItems },
    );
    const workers = await createWorkers({
      config,
      connection: temporal.nativeConnection,
      activities,
      onEvent: () => undefined,
      workflowBundle: { codePath: process.env.TEMPORAL_TEST_WORKFLOW_BUNDLE! },
      shutdownGraceTime: '1s',
    });
    const running = workers.run();
    try {
      const result = await temporal.client.workflow.execute(sprintWorkflow, { taskQueue: queue, workflowId: `sprint-stale-${queue}`, args: [{ sprint: 'M1', mode: 'loop' }] });
      expect(result).toMatchObject({ reason: 'completed', ticks: 2 });
      expect(notified).toEqual([{ tick: 2, status: 'Done' }]);
    } finally {
      workers.shutdown();
      await running;
    }
  });

  it("ticks at a fixed rate: the wait after a tick is the interval minus the tick's duration, and none after a tick that overran", async () => {
    // Slow orchestrator runs against a 3 s interval. What is asserted is the timers the workflow
    // recorded (not wall-clock times): a load-slowed tick only makes a wait shorter or absent.
    const INTERVAL_MS = 3000;
    const tickMs = [1500, 1500, 4000, 1500, 1500];
    const queue = uniqueTaskQueue('fixed-rate');
    const config = loadConfig({ TEMPORAL_TASK_QUEUE: queue, ORCHESTRATOR_POLL_INTERVAL_MS: String(INTERVAL_MS) });
    let ticks = 0;
    const activities = sprintStandIns(config, async (): Promise<TickOutcome> => {
      const ms = tickMs[Math.min(ticks, tickMs.length - 1)]!;
      ticks += 1;
      await new Promise((resolve) => setTimeout(resolve, ms));
      return { routed: 0, routedItems: [], summary: null, endOfSprint: false, exitCode: 0 };
    });
    const workers = await createWorkers({
      config,
      connection: temporal.nativeConnection,
      activities,
      onEvent: () => undefined,
      workflowBundle: { codePath: process.env.TEMPORAL_TEST_WORKFLOW_BUNDLE! },
      shutdownGraceTime: '1s',
    });
    const running = workers.run();
    try {
      const handle = await temporal.client.workflow.start(sprintWorkflow, { taskQueue: queue, workflowId: `sprint-fixed-rate-${queue}`, args: [{ sprint: 'M1', mode: 'loop' }] });
      await eventually(
        () => ticks,
        (n) => n >= 4,
        60_000,
        50,
      );
      await handle.signal(stopSignal);
      await handle.result();
      // What follows each orchestrator run until the next one: the timers' durations (ms).
      const history = await handle.fetchHistory();
      const waits: number[][] = [];
      let patchMarkers = 0;
      for (const event of history.events ?? []) {
        if (event.activityTaskScheduledEventAttributes?.activityType?.name === 'runOrchestrator') waits.push([]);
        const timer = event.timerStartedEventAttributes?.startToFireTimeout;
        if (timer && waits.length) waits[waits.length - 1]!.push(Number(timer.seconds ?? 0) * 1000 + Math.round((timer.nanos ?? 0) / 1e6));
        if (event.markerRecordedEventAttributes?.markerName === 'core_patch') patchMarkers += 1;
      }
      expect(waits.length).toBeGreaterThanOrEqual(4);
      expect(patchMarkers).toBeGreaterThanOrEqual(1);
      // Ticks of 1.5 s: the wait is at most 1.5 s of the 3 s interval (none if the tick ran late on a loaded machine).
      for (const k of [0, 1, 3]) {
        expect(waits[k]!.length).toBeLessThanOrEqual(1);
        for (const ms of waits[k]!) expect(ms).toBeLessThanOrEqual(INTERVAL_MS - tickMs[k]!);
      }
      // The 4 s tick overran the interval: the next tick started at once, without a timer.
      expect(waits[2]).toEqual([]);
      // And the fixed-rate path replays.
      expect(await replayHistories([{ workflowId: handle.workflowId, history }])).toBe(1);
    } finally {
      workers.shutdown();
      await running;
    }
  });
});
