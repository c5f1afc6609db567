/**
 * Issue #20: kill -9 of the runner while plan-apply is in flight. The operator's `sprint-runner run
 * --kickoff` (its in-process worker runs plan-apply) is SIGKILLed while the backend is still working
 * on plan-apply (latency on the route; the backend then creates the issues anyway). The operator
 * runs the same command again: it attaches to the still-open sprint workflow, whose plan-apply
 * activity times out on its heartbeat (PLAN_APPLY_HEARTBEAT_TIMEOUT, 20 s) and is never retried; the
 * re-run ends with `kickoff_apply_unknown` (exit 2) well within a heartbeat timeout plus a minute —
 * the old runner's behaviour was a 10-minute hang and exit 4. A third run is refused with
 * `kickoff_already_done`. Never a second set of issues (backend effect log).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBackendEmulator, type BackendEmulator } from '../../emulators/backend';
import { AGENT_BIN, ORCHESTRATOR_CMD } from '../support/e2e';
import { runCli } from '../support/run-cli';
import { connectTestTemporal, testAddress, uniqueTaskQueue, type TestTemporal } from '../support/temporal';
import { waitFor } from '../support/worker-process';

const SPRINT = 'M3';
const GOAL = 'Ship password login\n- Add the users table\n- Add the login form\n- Add the session API\n- Add the audit log';
const BIN = join(__dirname, '..', '..', 'bin', 'sprint-runner.js');
const HEARTBEAT_TIMEOUT_MS = 20_000;

describe('kill -9 of the runner while plan-apply is in flight (#20)', () => {
  let temporal: TestTemporal;
  let backend: BackendEmulator;
  beforeAll(async () => {
    temporal = await connectTestTemporal('sr-faults');
  });
  afterAll(async () => {
    await temporal.client.workflow
      .getHandle(`sprint-${SPRINT}`)
      .terminate('test done')
      .catch(() => undefined);
    await backend?.close();
    await temporal.close();
  });

  it('the re-run ends with kickoff_apply_unknown within a heartbeat timeout plus a minute; one set of issues at most; a third run is refused', async () => {
    backend = await startBackendEmulator({});
    const dir = mkdtempSync(join(tmpdir(), 'sr-kickoff-kill-'));
    const env: Record<string, string> = {
      TEMPORAL_ADDRESS: testAddress(),
      TEMPORAL_NAMESPACE: 'sr-faults',
      TEMPORAL_TASK_QUEUE: uniqueTaskQueue('kickoff-kill'),
      BACKEND_BASE_URL: backend.url,
      ORCHESTRATOR_STATE_PATH: join(dir, 'state.json'),
      RUNNER_SPRINT_PLAN_PATH: join(dir, 'sprint-plan.json'),
      RUNNER_ORCHESTRATOR_CMD: ORCHESTRATOR_CMD,
      CODEX_BIN: AGENT_BIN,
      CODEX_TOOLS_CALL_TIMEOUT_S: '60',
      BACKEND_TIMEOUT_S: '60',
    };
    const args = ['run', '--sprint', SPRINT, '--kickoff', '--goal', GOAL];
    const issuesCreated = () => backend.board.effectLog().filter((entry) => entry.kind === 'issue_created').length;
    const planApplyCalls = () => backend.faults.stats().calls['/internal/plan-apply'] ?? 0;
    // The backend holds plan-apply for 8 s, then creates the issues (whether or not anyone still listens).
    backend.faults.add({ route: '/internal/plan-apply', mode: 'latency', latencyMs: 8000, nth: 1, count: 1 });

    const first = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, stdio: 'ignore' });
    const firstExit = new Promise((resolve) => first.once('exit', (code, signal) => resolve({ code, signal })));
    await waitFor(planApplyCalls, (n) => n >= 1, 90_000, 50);
    process.kill(first.pid!, 'SIGKILL');
    await expect(firstExit).resolves.toEqual({ code: null, signal: 'SIGKILL' });
    const killedAt = Date.now();

    const rerun = await runCli(args, env, HEARTBEAT_TIMEOUT_MS + 90_000);
    const elapsed = Date.now() - killedAt;
    expect(rerun.status).toBe(2);
    expect(elapsed).toBeLessThan(HEARTBEAT_TIMEOUT_MS + 60_000);
    const hardStop = rerun.events.find((event) => event.type === 'HARD_STOP') as Record<string, any>;
    expect(hardStop).toMatchObject({ reason: 'kickoff_failed', code: 'kickoff_apply_unknown', exit_code: 2 });
    expect(String(hardStop.error)).toContain('heartbeat timeout');
    expect(String(hardStop.error)).toContain(`sprint-runner status --sprint ${SPRINT}`);

    // Once the backend's delayed apply has run: exactly one plan-apply call, so at most one set.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, killedAt + 9000 - Date.now())));
    expect(planApplyCalls()).toBe(1);
    expect([0, 5]).toContain(issuesCreated());

    const third = await runCli(args, env);
    expect(third.status).toBe(2);
    const refusal = third.events.find((event) => event.type === 'HARD_STOP') as Record<string, any>;
    expect(refusal).toMatchObject({ code: 'kickoff_already_done' });
    expect(String(refusal.error)).toContain('plan-apply outcome unknown: issues may exist');
    expect(planApplyCalls()).toBe(1);
    expect([0, 5]).toContain(issuesCreated());
  }, 240_000);
});
