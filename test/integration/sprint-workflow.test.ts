/**
 * The sprint workflow's own decisions, with recording stand-ins for its activities on the real
 * server: a summary read before an item changed must neither end the sprint nor overwrite what the
 * item reported since (a blocked retry that fired while the orchestrator ran).
 */
import { Context } from '@temporalio/activity';
import { loadConfig } from '../../src/config';
import { createWorkers } from '../../src/worker';
import { itemReportSignal, sprintWorkflow } from '../../src/workflows';
import type { TickOutcome } from '../../src/workflows/sprint/ports';
import { sprintStandIns } from '../support/sprint-stand-ins';
import { connectTestTemporal, uniqueTaskQueue, type TestTemporal } from '../support/temporal';

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
      type: 'DISPATCH_SUMMARY', sprint: 'M1', completed: true, status_counts: { [status]: 1 },
      processed_items: [{ issue_number: 7, project_item_id: 'PVTI_7', status }],
    });
    const notifyItems = async ({ changes }: { changes: Array<{ status: string }> }) => {
      for (const change of changes) notified.push({ tick: ticks, status: change.status });
      return { notified: changes.length };
    };
    const activities = sprintStandIns(config, async (): Promise<TickOutcome> => {
      ticks += 1;
      const sprint = temporal.client.workflow.getHandle(Context.current().info.workflowExecution!.workflowId);
      if (ticks === 1) {
        // The orchestrator read item 7 as Blocked; meanwhile its blocked retry fired and it reported Ready.
        await sprint.signal(itemReportSignal, {
          version: 1, issueNumber: 7, chain: 'c1', seq: 1, intentsReceived: 0, intentsSuperseded: 0, boardStatus: 'Ready', busy: false, timerPending: false, ended: false,
        });
        return { routed: 0, routedItems: [], summary: summary('Blocked'), endOfSprint: true, exitCode: 0 };
      }
      return { routed: 0, routedItems: [], summary: summary('Done'), endOfSprint: true, exitCode: 0 };
    }, { notifyItems });
    const workers = await createWorkers({
      config, connection: temporal.nativeConnection, activities, onEvent: () => undefined,
      workflowBundle: { codePath: process.env.TEMPORAL_TEST_WORKFLOW_BUNDLE! }, shutdownGraceTime: '1s',
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
});
