/**
 * `sprint-runner run` as an operator runs it: a real CLI process with its in-process worker, the
 * real server, the emulators; exit codes as the seed's.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBackendEmulator, type BackendEmulator } from '../../emulators/backend';
import { connectTestTemporal, testAddress, uniqueTaskQueue, type TestTemporal } from '../support/temporal';
import { AGENT_BIN, ORCHESTRATOR_CMD, boardItem } from '../support/e2e';

const BIN = join(__dirname, '..', '..', 'bin', 'sprint-runner.js');
const item = (n: number, status: string) => boardItem(n, status, 'M2');

function run(args: string[], env: Record<string, string>): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, 'run', ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, timeout: 120_000 }, (error, stdout, stderr) =>
      resolve({ status: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('sprint-runner run (real CLI process)', () => {
  let temporal: TestTemporal;
  let backend: BackendEmulator;
  let env: Record<string, string>;
  beforeAll(async () => {
    temporal = await connectTestTemporal();
  });
  afterEach(async () => {
    await backend?.close();
    for (const n of [301, 302]) await temporal.client.workflow.getHandle(`sprint-M2-item-${n}`).terminate().catch(() => undefined);
  });
  afterAll(async () => temporal.close());

  async function rig(items: ReturnType<typeof item>[]) {
    backend = await startBackendEmulator({ items });
    env = {
      TEMPORAL_ADDRESS: testAddress(), TEMPORAL_TASK_QUEUE: uniqueTaskQueue('run'), BACKEND_BASE_URL: backend.url,
      ORCHESTRATOR_STATE_PATH: join(mkdtempSync(join(tmpdir(), 'sr-run-')), 'state.json'), RUNNER_ORCHESTRATOR_CMD: ORCHESTRATOR_CMD,
      CODEX_BIN: AGENT_BIN, ORCHESTRATOR_POLL_INTERVAL_MS: '300', CODEX_TOOLS_CALL_TIMEOUT_S: '60',
    };
  }

  it('--once: one tick, waits for the runs it started, exits 0', async () => {
    await rig([item(301, 'Ready')]);
    const out = await run(['--once', '--sprint', 'M2'], env);
    expect(out.status).toBe(0);
    expect(JSON.parse(out.stdout.trim())).toMatchObject({ sprint: 'M2', reason: 'once', intentsRouted: 1 });
    expect(out.stderr).toContain('"type":"WORKER_FINISHED"');
    expect(backend.board.listProjectItems()[0]!.fields.Status).toBe('In Review');
  });

  it('malformed item data from the orchestrator → exit 3', async () => {
    await rig([{ ...item(302, 'Ready'), fields: { ...item(302, 'Ready').fields, Status: 'Unknown' } }]);
    const out = await run(['--loop', '--sprint', 'M2'], env);
    expect(out.status).toBe(3);
    expect(out.stderr).toContain('"type":"SPRINT_FAILED","exit_code":3');
    expect(out.stderr).toContain('unknown Status=Unknown');
  });

  it('the seed flag rules exit 2 with CONFIG_ERROR before anything starts', async () => {
    await rig([]);
    const noSprint = await run(['--loop', '--dry-run'], env);
    expect(noSprint.status).toBe(2);
    expect(noSprint.stderr).toContain('"error":"sprint is required"');
    const goalWithoutKickoff = await run(['--goal-file', 'goal.txt', '--once', '--sprint', 'M2'], env);
    expect(goalWithoutKickoff.stderr).toContain('requires --kickoff');
    const kickoffWithoutGoal = await run(['--kickoff', '--once', '--sprint', 'M2'], env);
    expect(kickoffWithoutGoal.stderr).toContain('requires --goal or --goal-file');
    const both = await run(['--once', '--loop', '--sprint', 'M2'], env);
    expect(both.status).toBe(2);
  });
});
