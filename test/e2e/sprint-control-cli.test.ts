/**
 * `sprint-runner pause|resume|tick|stop` against a running sprint workflow (real server, real CLI
 * process), in its own namespace: the commands address the operator's id `sprint-M3`.
 */
import { startE2eRig, boardItem, type E2eRig } from '../support/e2e';
import { runCli } from '../support/run-cli';
import { connectTestTemporal, testAddress, type TestTemporal } from '../support/temporal';
import { sprintStatusQuery, sprintWorkflow, sprintWorkflowId } from '../../src/workflows';

const SPRINT = 'M3';

describe('sprint control commands', () => {
  let temporal: TestTemporal;
  let rig: E2eRig;
  beforeAll(async () => {
    temporal = await connectTestTemporal('sr-control');
    rig = await startE2eRig(temporal, { items: [boardItem(501, 'Backlog', SPRINT)] }, { ORCHESTRATOR_POLL_INTERVAL_MS: '600000', RUNNER_AUTOPROMOTE: 'false' });
  });
  afterAll(async () => {
    await temporal.client.workflow
      .getHandle(sprintWorkflowId(SPRINT))
      .terminate()
      .catch(() => undefined);
    await rig.stop();
    await temporal.close();
  });
  const cli = (args: string[]) => runCli(args, { TEMPORAL_ADDRESS: testAddress(), TEMPORAL_NAMESPACE: 'sr-control' });

  it('pause, resume and tick signal the sprint and print its state; stop ends it once nothing runs; a finished sprint is refused', async () => {
    const handle = await temporal.client.workflow.start(sprintWorkflow, {
      workflowId: sprintWorkflowId(SPRINT),
      taskQueue: rig.config.temporalTaskQueue,
      args: [{ sprint: SPRINT, mode: 'loop' }],
    });
    await waitFor(async () => (await handle.query(sprintStatusQuery)).ticks === 1);

    const paused = await cli(['pause', '--sprint', SPRINT]);
    expect(paused.status).toBe(0);
    expect(paused.stdout).toContain(`pause: sprint-${SPRINT} · phase=running paused=true`);
    // The Web UI's "current details" of the sprint say so too.
    const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
    expect(metadata.currentDetails).toMatch(/^M3 · loop · running · tick 1 · Backlog 1 · paused$/);

    // The poll interval is 10 minutes: only resume (which ticks at once) and the tick signal start ticks now.
    const resumed = await cli(['resume', '--sprint', SPRINT]);
    expect(resumed.stdout).toContain('paused=false');
    await waitFor(async () => (await handle.query(sprintStatusQuery)).ticks === 2);

    expect((await cli(['tick', '--sprint', SPRINT])).status).toBe(0);
    await waitFor(async () => (await handle.query(sprintStatusQuery)).ticks === 3);

    const stopped = await cli(['stop', '--sprint', SPRINT]);
    expect(stopped.status).toBe(0);
    await expect(handle.result()).resolves.toMatchObject({ reason: 'stopped', ticks: 3 });

    const late = await cli(['pause', '--sprint', SPRINT]);
    expect(late.status).toBe(1);
    expect(late.stderr).toContain(`sprint ${SPRINT} is not running (sprint-${SPRINT} is completed)`);
    const unknown = await cli(['resume', '--sprint', 'NOPE9']);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain('no workflow sprint-NOPE9: start the sprint with `sprint-runner run --sprint NOPE9`');
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  // A query can arrive before the workflow registered its handlers (they come after the settings activity).
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
