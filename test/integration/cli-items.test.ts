import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { boardObservedSignal, itemStatusQuery } from '../../src/workflows';
import { connectTestTemporal, testAddress, type TestTemporal } from '../support/temporal';
import { eventually, ItemHarness } from '../support/item-harness';

const BIN = join(__dirname, '..', '..', 'bin', 'sprint-runner.js');

function cli(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, TEMPORAL_ADDRESS: testAddress() } }, (error, stdout, stderr) =>
      resolve({ status: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('operator CLI against item workflows (real server, real CLI process)', () => {
  let temporal: TestTemporal;
  let h: ItemHarness;
  beforeAll(async () => {
    temporal = await connectTestTemporal();
    h = new ItemHarness(temporal);
    await h.start();
  });
  afterAll(async () => {
    await h.stop();
    await temporal.close();
  });

  it('rework on an item not awaiting approval exits non-zero with the reason; status shows the item', async () => {
    const handle = await h.startItem();
    await handle.signal(boardObservedSignal, { version: 1, status: 'In Review', projectItemId: 'PVTI_42' });
    await eventually(
      () => handle.query(itemStatusQuery),
      (s) => s.boardStatus === 'In Review',
    );

    const rejected = await cli(['rework', '--sprint', h.sprint, '--issue', '42', '--reason', 'please add tests']);
    expect(rejected.status).toBe(1);
    expect(rejected.stderr).toContain('rework rejected for #42: item #42 is In Review; rework is only possible from Needs Human Approval');
    expect(h.named('requestHumanRework')).toHaveLength(0);

    const listed = await eventually(
      () => cli(['status', '--sprint', h.sprint, '--json']),
      (out) => out.stdout.includes('"issueNumber": 42'),
    );
    expect(JSON.parse(listed.stdout).items[0]).toMatchObject({ issueNumber: 42, boardStatus: 'In Review', title: '[TASK] Add login' });
    const table = await cli(['status', '--sprint', h.sprint]);
    expect(table.stdout).toMatch(/#42\s+\[TASK\] Add login\s+In Review/);
  });

  it('rework on an item in Needs Human Approval moves it to In Review', async () => {
    await cli(['status', '--sprint', h.sprint]);
    const handle = temporal.client.workflow.getHandle(`sprint-${h.sprint}-item-42`);
    await handle.signal(boardObservedSignal, { version: 1, status: 'Needs Human Approval', projectItemId: 'PVTI_42' });
    const accepted = await cli(['rework', '--sprint', h.sprint, '--issue', '42', '--reason', 'please add tests', '--step', 'cover the error path']);
    expect(accepted.stdout).toContain(`rework requested: sprint-${h.sprint}-item-42 is now In Review`);
    expect(accepted.status).toBe(0);
    expect(h.named('requestHumanRework')[0]!.input).toMatchObject({ reason: 'please add tests', steps: ['cover the error path'] });
  });

  it('rework validates its input before calling Temporal', async () => {
    const out = await cli(['rework', '--sprint', h.sprint, '--issue', 'x', '--reason', 'r']);
    expect(out.status).toBe(2);
    expect(out.stderr).toContain('--issue must be a positive integer, got "x"');
  });
});
