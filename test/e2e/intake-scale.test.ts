/**
 * Lossless intake at scale: one orchestrator run emits 1,000 RUN_INTENTs; every one reaches its
 * item workflow exactly once (dry run, so no Codex processes: this measures routing, not agents).
 */
import { sprintStatusQuery, sprintWorkflow, sprintWorkflowId } from '../../src/workflows';
import { connectTestTemporal, type TestTemporal } from '../support/temporal';
import { startE2eRig, type E2eRig } from '../support/e2e';
import { queryPatiently } from '../support/history';

const N = 1000;

describe('intake of 1,000 intents from one orchestrator run', () => {
  let temporal: TestTemporal;
  let rig: E2eRig;
  beforeAll(async () => {
    temporal = await connectTestTemporal();
  });
  afterAll(async () => {
    const sprint = 'M3';
    await Promise.all(
      Array.from({ length: N }, (_, i) =>
        temporal.client.workflow
          .getHandle(`sprint-${sprint}-item-${i + 1}`)
          .terminate()
          .catch(() => undefined),
      ),
    );
    await rig?.stop();
    await temporal.close();
  });

  it('routes all of them, none twice', async () => {
    process.env.ORCHESTRATOR_EMULATOR_SYNTHETIC_INTENTS = String(N);
    try {
      rig = await startE2eRig(temporal, { items: [] }, { RUNNER_DRY_RUN: 'true' });
      const handle = await temporal.client.workflow.start(sprintWorkflow, {
        taskQueue: rig.config.temporalTaskQueue,
        workflowId: `${sprintWorkflowId('M3')}-${rig.config.temporalTaskQueue}`,
        args: [{ sprint: 'M3', mode: 'once', dryRun: true }],
      });
      const result = await handle.result();
      expect(result).toMatchObject({ reason: 'once', intentsRouted: N });
      const status = await queryPatiently(() => handle.query(sprintStatusQuery));
      expect(status.items).toHaveLength(N);
      expect(status.items.every((item) => item.intentsReceived === 1 && item.intentsRouted === 1 && !item.busy)).toBe(true);
      const dryRuns = rig.events.filter((e) => e.type === 'DRY_RUN_WOULD_EXECUTE').map((e) => e.run_id);
      expect(dryRuns).toHaveLength(N);
      expect(new Set(dryRuns).size).toBe(N);
    } finally {
      delete process.env.ORCHESTRATOR_EMULATOR_SYNTHETIC_INTENTS;
    }
  }, 300_000);
});
