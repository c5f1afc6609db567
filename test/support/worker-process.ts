/**
 * Workers as child processes (test/support/worker-entry.ts through tsx) so tests can SIGKILL them
 * mid-activity and start another, plus the /proc helpers fault tests use to find processes a
 * killed worker left behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { RunnerEvent } from '../../src/logging';

const ENTRY = join(__dirname, 'worker-entry.ts');

export interface WorkerProcess {
  child: ChildProcess;
  pid: number;
  /** Every stderr line, parsed or not (events are JSON lines). */
  lines: string[];
  events: RunnerEvent[];
  /** stderr lines that are not one JSON object (the worker promises one JSON object per stderr line). */
  nonJsonStderr: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** kill -9 of the worker process only (not its process group). */
  kill9(): Promise<void>;
  /** Graceful shutdown (SIGTERM), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/** Starts a worker with `env` on top of this process's environment; resolves once it polls. */
export async function startWorkerProcess(env: Record<string, string>, options: { baseEnv?: NodeJS.ProcessEnv } = {}): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', ENTRY], {
    env: { ...(options.baseEnv ?? process.env), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return superviseWorker(child, 'worker');
}

/**
 * Collects a worker child's output lines and JSON events, resolves once it reports RUNNER_WORKER_READY
 * (rejects when it exits first or after `readyTimeoutMs`), and gives the kill -9 / graceful stop controls.
 */
export async function superviseWorker(child: ChildProcess, name: string, readyTimeoutMs = 120_000): Promise<WorkerProcess> {
  const lines: string[] = [];
  const events: RunnerEvent[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const onLine = (line: string) => {
    lines.push(line);
    if (!line.startsWith('{')) return;
    try {
      events.push(JSON.parse(line) as RunnerEvent);
    } catch {
      // not an event
    }
  };
  const nonJsonStderr: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => {
    if (!isJsonObjectLine(line)) nonJsonStderr.push(line);
    onLine(line);
  });
  createInterface({ input: child.stdout! }).on('line', onLine);
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (events.some((e) => e.type === 'RUNNER_WORKER_READY')) {
        clearInterval(timer);
        clearTimeout(deadline);
        resolve();
      }
    }, 50);
    const deadline = setTimeout(() => {
      clearInterval(timer);
      reject(new Error(`${name} not ready within ${readyTimeoutMs} ms: ${lines.slice(-5).join(' | ')}`));
    }, readyTimeoutMs);
    void exited.then(({ code, signal }) => {
      clearInterval(timer);
      clearTimeout(deadline);
      reject(new Error(`${name} exited before it was ready (${code ?? signal}): ${lines.slice(-5).join(' | ')}`));
    });
  });
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    child,
    pid: child.pid!,
    lines,
    events,
    nonJsonStderr,
    exited,
    async kill9() {
      if (alive()) child.kill('SIGKILL');
      await exited;
    },
    async stop(graceMs = 10_000) {
      if (!alive()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

export function isJsonObjectLine(line: string): boolean {
  try {
    const value = JSON.parse(line) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

/** Live (not zombie) pids whose environment contains `NAME=value`. */
export function pidsWithEnv(name: string, value: string): number[] {
  const needle = `${name}=${value}`;
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
      if (state === 'Z' || state === 'X') continue;
      const environ = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (environ.includes(needle)) out.push(Number(entry));
    } catch {
      // gone or not ours
    }
  }
  return out;
}

/** Kills leftover processes of a test (by pid, each one) so a failing test leaves nothing behind. */
export function killPids(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

export async function waitFor<T>(read: () => T | Promise<T>, done: (value: T) => boolean, timeoutMs = 60_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(value)?.slice(0, 2000)}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** SPRINT_RUNNER_LONG_TESTS=1 selects the long variants (sizes, repetitions); the code is the same. */
export const LONG = process.env.SPRINT_RUNNER_LONG_TESTS === '1';
export const size = (short: number, long: number): number => (LONG ? long : short);
