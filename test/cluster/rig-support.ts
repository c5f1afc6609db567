/**
 * Helpers of the native-rig tests: `sprint-runner worker --roles …` processes (the real CLI, as an
 * operator runs them on each machine), the recipes and `status` run against the rig, and a board of
 * N items for the emulators. Process bookkeeping reuses test/support (pidsWithEnv, waitFor).
 */
import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { resolveTemporalCli } from '../../src/temporal/dev-server';
import { boardItem } from '../support/e2e';
import { linkedPr } from '../support/fault-rig';
import { pidsWithEnv, superviseWorker, type WorkerProcess } from '../support/worker-process';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'bin', 'sprint-runner.js');

export interface RigWorker extends Omit<WorkerProcess, 'events'> {
  name: string;
  roles: string[];
  /** Marker variable every child of this worker inherits (CODEX_ and ORCHESTRATOR_ pass the allowlist). */
  marker: string;
  events: Array<Record<string, unknown>>;
  /** Live processes this worker started (Codex, its children, the orchestrator, the group watcher). */
  descendants(): number[];
}

/** `sprint-runner worker --roles <roles>` with `env` on top of this process's environment; resolves once it polls. */
export async function startRigWorker(name: string, roles: string[], env: Record<string, string>, readyTimeoutMs = 120_000): Promise<RigWorker> {
  const marker = randomUUID();
  // The worker must reach the rig only through what `env` says (address or profile), never a stray TEMPORAL_* of ours.
  const base = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('TEMPORAL_') || key === 'TEMPORAL_CLI_PATH'));
  const child = spawn(process.execPath, [CLI, 'worker', '--roles', roles.join(',')], {
    env: { ...base, ...env, CODEX_FAULT_MARKER: marker, ORCHESTRATOR_FAULT_MARKER: marker },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const worker = await superviseWorker(child, `worker ${name}`, readyTimeoutMs);
  return {
    ...worker,
    name,
    roles,
    marker,
    events: worker.events as unknown as Array<Record<string, unknown>>,
    descendants: () => pidsWithEnv('CODEX_FAULT_MARKER', marker).filter((pid) => pid !== child.pid),
  };
}

export interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

function exec(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const status = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : 1) : 0;
      resolve({ status, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

function cleanEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('TEMPORAL_') || key === 'TEMPORAL_CLI_PATH'));
  return { ...base, ...env };
}

/** `scripts/recipes.sh RECIPE…` with the project's `temporal` on PATH. */
export function recipe(names: string[], env: Record<string, string>): Promise<Run> {
  const path = `${dirname(resolveTemporalCli())}:${process.env.PATH ?? ''}`;
  return exec('bash', [join(ROOT, 'scripts', 'recipes.sh'), ...names], cleanEnv({ ...env, PATH: path, TEMPORAL_VERSION_CHECK_DISABLED: '1' }));
}

/** `sprint-runner <args>` (the CLI a person types). */
export function sprintRunner(args: string[], env: Record<string, string>): Promise<Run> {
  return exec(process.execPath, [CLI, ...args], cleanEnv(env));
}

/** `count` items numbered from `first`: the first half Ready, the rest In Review with a linked PR. */
export function mixedBoard(first: number, count: number, sprint: string) {
  const issues = Array.from({ length: count }, (_, i) => first + i);
  const ready = issues.slice(0, Math.ceil(count / 2));
  const inReview = issues.slice(Math.ceil(count / 2));
  return {
    issues,
    board: {
      items: [...ready.map((n) => boardItem(n, 'Ready', sprint)), ...inReview.map((n) => boardItem(n, 'In Review', sprint))],
      prs: inReview.map((n) => linkedPr(n, n * 10)),
    },
    expected: Object.fromEntries([
      ...ready.map((n) => [n, ['Ready->In Progress', 'In Progress->In Review', 'In Review->Needs Human Approval']]),
      ...inReview.map((n) => [n, ['In Review->Needs Human Approval']]),
    ]) as Record<number, string[]>,
  };
}
