import { connectTestTemporal, createTestWorker, uniqueTaskQueue, type TestTemporal } from '../support/temporal';
import { fetchHistories, replayHistories } from '../support/replay';
import { smokeGreetSignal, smokeWorkflow } from '../../src/workflows';
import * as smokeActivities from '../../src/activities/smoke';

describe('platform smoke: bundle → worker → real server → timer + signal + activity', () => {
  let temporal: TestTemporal;
  beforeAll(async () => {
    temporal = await connectTestTemporal();
  });
  afterAll(async () => temporal.close());

  it('runs a workflow with a timer and a signal to completion, and its history replays', async () => {
    const taskQueue = uniqueTaskQueue('smoke');
    const worker = await createTestWorker(temporal.nativeConnection, { taskQueue, activities: smokeActivities });
    const workflowId = `smoke-${taskQueue}`;
    const result = await worker.runUntil(async () => {
      const handle = await temporal.client.workflow.start(smokeWorkflow, {
        taskQueue,
        workflowId,
        args: [{ timerMs: 500, waitForSignalMs: 30_000 }],
      });
      await handle.signal(smokeGreetSignal, 'operator');
      return handle.result();
    });
    expect(result).toEqual({ greeting: 'operator', timerFired: true, echoed: 'echo: hello operator' });
    await expect(replayHistories(await fetchHistories(temporal.client, [workflowId]))).resolves.toBe(1);
  });

  it('without the signal the condition times out on its durable timer', async () => {
    const taskQueue = uniqueTaskQueue('smoke');
    const worker = await createTestWorker(temporal.nativeConnection, { taskQueue, activities: smokeActivities });
    const result = await worker.runUntil(
      temporal.client.workflow.execute(smokeWorkflow, {
        taskQueue,
        workflowId: `smoke-nosignal-${taskQueue}`,
        args: [{ timerMs: 10, waitForSignalMs: 300 }],
      }),
    );
    expect(result.echoed).toBe('echo: no signal');
  });
});
