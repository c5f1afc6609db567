/**
 * Worker Deployment Versioning as an operator meets it (issue #16, docs/upgrading.md): real
 * `sprint-runner worker` processes on the jest dev server, the recipes `describe-deployment` and
 * `set-current-build` of scripts/recipes.sh with the real `temporal` binary, and `doctor`.
 * The first worker of a fresh deployment prints its build id and makes itself current (a workflow
 * then runs on it); a second build starts idle, is promoted with the recipe, and takes the next
 * workflow. Each run uses a deployment name of its own (RUNNER_DEPLOYMENT_NAME).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { resolveBuildId } from '../../src/temporal/deployment';
import { resolveTemporalCli } from '../../src/temporal/dev-server';
import { connectTestTemporal, testAddress, uniqueTaskQueue, type TestTemporal } from '../support/temporal';
import { waitFor } from '../support/worker-process';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'sprint-runner.js');
const SCRIPT = join(ROOT, 'scripts', 'recipes.sh');
const BASH = existsSync('/bin/bash') ? '/bin/bash' : 'bash';

interface WorkerRun {
  child: ChildProcess;
  events: Array<Record<string, unknown>>;
  exited: Promise<number | null>;
}

function run(file: string, args: string[], env: Record<string, string>): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(file, args, { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } }, (error, stdout, stderr) =>
      resolve({ status: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

describe('docs/upgrading.md shows the deployment recipes verbatim', () => {
  const lines = (text: string) =>
    text
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'))
      .join('\n');
  it.each(['describe_deployment', 'set_current_build'])('%s', (name) => {
    const script = readFileSync(SCRIPT, 'utf8');
    const body = new RegExp(`^${name}\\(\\) \\{\\n([\\s\\S]*?)\\n\\}`, 'm').exec(script)?.[1];
    expect(body).toBeTruthy();
    expect(lines(readFileSync(join(ROOT, 'docs', 'upgrading.md'), 'utf8'))).toContain(lines(body!));
  });
});

describe('worker deployment: build id, first version current, promotion by recipe, doctor', () => {
  const deployment = `sr-recipe-${randomUUID().slice(0, 8)}`;
  const taskQueue = uniqueTaskQueue('deploy');
  const workers: WorkerRun[] = [];
  let temporal: TestTemporal;
  const env = { TEMPORAL_ADDRESS: testAddress(), TEMPORAL_TASK_QUEUE: taskQueue, RUNNER_DEPLOYMENT_NAME: deployment };

  beforeAll(async () => {
    temporal = await connectTestTemporal();
  });
  afterAll(async () => {
    for (const worker of workers) if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
    await temporal.close();
  });

  function startWorker(extra: Record<string, string> = {}): WorkerRun {
    const child = spawn(process.execPath, [BIN, 'worker'], { env: { ...process.env, ...env, ...extra }, stdio: ['ignore', 'ignore', 'pipe'] });
    const events: Array<Record<string, unknown>> = [];
    createInterface({ input: child.stderr! }).on('line', (line) => {
      if (line.startsWith('{')) events.push(JSON.parse(line) as Record<string, unknown>);
    });
    const worker = { child, events, exited: new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code))) };
    workers.push(worker);
    return worker;
  }
  const event = (worker: WorkerRun, type: string) => waitFor(() => worker.events.find((e) => e.type === type), Boolean, 120_000, 100) as Promise<Record<string, unknown>>;

  const recipe = (name: string, vars: Record<string, string> = {}) =>
    run(BASH, [SCRIPT, name], { PATH: `${dirname(resolveTemporalCli())}:${process.env.PATH}`, TEMPORAL_ADDRESS: testAddress(), DEPLOYMENT: deployment, ...vars });
  const doctorLine = async () => {
    const out = await run(process.execPath, [BIN, 'doctor'], { ...env, BACKEND_BASE_URL: 'http://127.0.0.1:1' });
    return out.stdout.split('\n').find((line) => line.includes('worker deployment')) ?? out.stdout;
  };
  const smoke = async () => {
    const handle = await temporal.client.workflow.start('smokeWorkflow', {
      taskQueue,
      workflowId: `deploy-smoke-${randomUUID()}`,
      args: [{ timerMs: 10, waitForSignalMs: 10 }],
    });
    const result = await Promise.race([handle.result(), new Promise((resolve) => setTimeout(() => resolve('not delivered within 60 s'), 60_000))]);
    const history = await handle.fetchHistory();
    const builds = new Set((history.events ?? []).map((e) => e.workflowTaskCompletedEventAttributes?.deploymentVersion?.buildId).filter(Boolean));
    return { result, builds: [...builds] };
  };

  it('prints its build id, becomes current, shows in `describe-deployment` and doctor; a new build is promoted by `set-current-build`', async () => {
    // 1. The first worker (default build id: package version + git commit) makes itself current.
    const first = startWorker();
    const ready = await event(first, 'RUNNER_WORKER_READY');
    const buildId = resolveBuildId({ buildId: null });
    expect(ready).toMatchObject({ deployment_name: deployment, build_id: buildId, versioning_behavior: 'AUTO_UPGRADE' });
    expect(buildId).toMatch(/^\d+\.\d+\.\d+(-[0-9a-f]{7})?$/);
    expect(await event(first, 'RUNNER_DEPLOYMENT_CURRENT_SET')).toMatchObject({ build_id: buildId, reason: 'first_version' });
    expect(await smoke()).toEqual({ result: expect.objectContaining({ timerFired: true }), builds: [buildId] });

    const described = await recipe('describe-deployment');
    expect(described).toMatchObject({ status: 0, stderr: '' });
    expect(described.stdout).toContain(deployment);
    expect(described.stdout).toMatch(new RegExp(`CurrentVersionBuildID\\s+${buildId.replace(/\./g, '\\.')}`));
    expect(await doctorLine()).toMatch(new RegExp(`^ok {3}worker deployment: ${deployment}: current version ${buildId.replace(/\./g, '\\.')}; this code's build id`));

    // 2. A second build starts idle and says so, with the command that promotes it.
    const next = `${buildId}-next`;
    const second = startWorker({ SPRINT_RUNNER_BUILD_ID: next });
    expect(await event(second, 'RUNNER_DEPLOYMENT_NOT_CURRENT')).toMatchObject({
      build_id: next,
      current_build_id: buildId,
      hint: expect.stringContaining(`set-current-version --deployment-name ${deployment} --build-id ${next}`),
    });
    const missing = await recipe('set-current-build');
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain('set BUILD_ID to the build id the new worker printed');

    // 3. Promote it with the recipe; the next workflow runs on it, and describe/doctor show it.
    const promoted = await waitFor(
      () => recipe('set-current-build', { BUILD_ID: next }),
      (r) => r.status === 0,
      60_000,
      1000,
    );
    expect(promoted.stderr).toBe('');
    expect(await smoke()).toEqual({ result: expect.objectContaining({ timerFired: true }), builds: [next] });
    expect((await recipe('describe-deployment')).stdout).toMatch(new RegExp(`CurrentVersionBuildID\\s+${next.replace(/\./g, '\\.')}`));
    expect(await doctorLine()).toContain(`current version ${next}; this code's build id ${buildId}`);

    // 4. SIGTERM: each worker says it is stopping (with the grace) and exits 0.
    for (const worker of [first, second]) {
      worker.child.kill('SIGTERM');
      expect(await worker.exited).toBe(0);
      expect(worker.events.find((e) => e.type === 'RUNNER_WORKER_STOPPING')).toMatchObject({ signal: 'SIGTERM', shutdown_grace_s: 30 });
    }
  }, 300_000);
});
