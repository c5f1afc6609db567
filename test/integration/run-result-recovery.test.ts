/**
 * A Codex run is paid for once (issue #14): a run whose completion never reached the server is
 * retried by the server; the retry returns the result the run recorded in its item workflow instead
 * of starting Codex again. (The server outage that causes this in production is in
 * test/faults/dev-server-restart.test.ts.)
 */
import { connectTestTemporal, type TestTemporal } from '../support/temporal';
import { ItemHarness, eventually, intent, ok } from '../support/item-harness';
import { completedAttempts } from '../support/history';
import { itemStatusQuery, runIntentSignal } from '../../src/workflows';

describe('recovered Codex results', () => {
  let temporal: TestTemporal;
  let harness: ItemHarness;
  beforeAll(async () => {
    temporal = await connectTestTemporal();
  });
  afterEach(async () => harness?.stop());
  afterAll(async () => temporal.close());

  it('a retried run returns the recorded result: Codex ran once, the PASS is handed off', async () => {
    harness = new ItemHarness(temporal);
    harness.recoverable = true;
    harness.loseCompletion = (attempt) => attempt === 1;
    harness.script = async (input) => ok(input, { outcome: 'PASS' });
    await harness.start();
    const handle = await harness.startItem();
    await handle.signal(runIntentSignal, intent('REVIEWER'));
    const status = await eventually(
      () => handle.query(itemStatusQuery),
      (s) => s.boardStatus === 'Needs Human Approval',
    );
    expect(status.lastOutcome).toBe('PASS');
    expect(harness.named('runCodexWorker')).toHaveLength(1);
    expect(harness.named('handoffToHumanApproval')).toHaveLength(1);
    // The activity completed on its second attempt, without a second Codex run.
    expect(await completedAttempts(temporal.client, handle.workflowId, 'runCodexWorker')).toEqual([2]);
  });

  it('without the recorded result (no recovery) the retry runs Codex again — what the recovery prevents', async () => {
    harness = new ItemHarness(temporal);
    harness.loseCompletion = (attempt) => attempt === 1;
    harness.script = async (input) => ok(input, { outcome: 'PASS' });
    await harness.start();
    const handle = await harness.startItem();
    await handle.signal(runIntentSignal, intent('REVIEWER'));
    await eventually(
      () => handle.query(itemStatusQuery),
      (s) => s.boardStatus === 'Needs Human Approval',
    );
    expect(harness.named('runCodexWorker')).toHaveLength(2);
  });
});
