/**
 * A sprint awaiting humans for 14 days keeps every run's history bounded: it continues as new in
 * every phase. 14 days of the default board check (SPRINT_IDLE_POLL_MINUTES=5) are 4,032 checks.
 * The dev server fires timers at about 1 s granularity, so the test drives the checks with the
 * `tick` signal (one check each, the same activity and about the same history events as a timer's),
 * stand-in activities on the real server, then reads every run of the chain.
 */
import { Context } from '@temporalio/activity';
import { loadConfig } from '../../src/config';
import { createWorkers } from '../../src/worker';
import { sprintStatusQuery, sprintWorkflow, tickSignal } from '../../src/workflows';
import type { TickOutcome } from '../../src/workflows/sprint/ports';
import { sprintStandIns } from '../support/sprint-stand-ins';
import { connectTestTemporal, uniqueTaskQueue, type TestTemporal } from '../support/temporal';
import { eventually } from '../support/item-harness';

const DAYS = 14;
const DEFAULT_IDLE_POLL_MINUTES = 5;
const CHECKS = (DAYS * 24 * 60) / DEFAULT_IDLE_POLL_MINUTES; // 4,032
const BOUND = 2000;

describe('a sprint idling for humans', () => {
  let temporal: TestTemporal;
  beforeAll(async () => {
    temporal = await connectTestTemporal();
  });
  afterAll(async () => temporal.close());

  it(`${DAYS} simulated days (${CHECKS} board checks) in awaiting-humans: every run's history stays under the continue-as-new bound`, async () => {
    const queue = uniqueTaskQueue('idle');
    const config = loadConfig({
      TEMPORAL_TASK_QUEUE: queue,
      ORCHESTRATOR_POLL_INTERVAL_MS: '100',
      SPRINT_IDLE_POLL_MINUTES: '60',
      RUNNER_HISTORY_EVENTS_BEFORE_CONTINUE: String(BOUND),
    });
    let ticks = 0;
    const activities = sprintStandIns(config, async (): Promise<TickOutcome> => {
      ticks += 1;
      Context.current().heartbeat();
      // The board as humans left it: one item awaiting approval, nothing for the runner.
      return {
        routed: 0,
        routedItems: [],
        endOfSprint: true,
        exitCode: 0,
        summary: {
          type: 'DISPATCH_SUMMARY',
          sprint: 'M1',
          completed: true,
          status_counts: { 'Needs Human Approval': 1 },
          processed_items: [{ issue_number: 7, project_item_id: 'PVTI_7', status: 'Needs Human Approval' }],
        },
      };
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
      const handle = await temporal.client.workflow.start(sprintWorkflow, { taskQueue: queue, workflowId: `sprint-idle-${queue}`, args: [{ sprint: 'M1', mode: 'loop' }] });
      await eventually(
        () => handle.query(sprintStatusQuery).catch(() => null),
        (s) => s?.phase === 'awaiting-humans',
        30_000,
      );
      const first = ticks;
      while (ticks < first + CHECKS) {
        const before = ticks;
        await handle.signal(tickSignal);
        await eventually(
          () => ticks,
          (n) => n > before,
          30_000,
          5,
        );
      }
      const status = await handle.query(sprintStatusQuery);
      expect(status.phase).toBe('awaiting-humans');
      expect(status.ticks).toBeGreaterThanOrEqual(CHECKS);

      const runs: Array<{ status: string; events: number }> = [];
      for await (const execution of temporal.client.workflow.list({ query: `WorkflowId="${handle.workflowId}"` })) {
        const history = await temporal.client.workflow.getHandle(handle.workflowId, execution.runId).fetchHistory();
        runs.push({ status: execution.status.name, events: history.events!.length });
      }
      console.log(`${CHECKS} board checks: ${runs.length} runs, history events per run max ${Math.max(...runs.map((r) => r.events))} (bound ${BOUND})`);
      expect(runs.length).toBeGreaterThan(CHECKS / 400); // it did continue as new, many times
      // A run continues as new at the first wait past the bound: a few events of slack, never more.
      for (const run of runs) expect(run.events).toBeLessThan(BOUND + 50);
      expect(runs.filter((run) => run.status === 'RUNNING')).toHaveLength(1);
      expect(runs.filter((run) => run.status !== 'RUNNING' && run.status !== 'CONTINUED_AS_NEW')).toEqual([]);
      await handle.terminate('test done');
    } finally {
      workers.shutdown();
      await running;
    }
  }, 1_000_000);
});
