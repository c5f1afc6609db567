/**
 * Running the orchestrator CLI for one tick (../../docs/spec/runner-behaviour.md §2.2–§2.3): RUNNER_ORCHESTRATOR_CMD
 * split into argv (no shell), switched to `--once`, in its own process group, with the ../../docs/spec/runner-behaviour.md §2.2
 * environment. Every stdout and stderr line is read until the process exits — the old runner lost lines
 * here (⚠ ../../docs/spec/runner-behaviour.md §2.3). Pure parsing of what came out lives in the caller.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { RunnerConfig } from '../config';
import { childEnv } from '../config';
import { ownProcessGroup } from './process-group';

export interface OrchestratorOutput {
  exitCode: number;
  /** Each line as bytes (Latin-1 text maps 1:1 to bytes): the caller decodes and checks UTF-8. */
  stdoutLines: Buffer[];
  stderrLines: string[];
}

/** `--loop` → `--once` everywhere; `--once` kept; otherwise `--once` appended (../../docs/spec/runner-behaviour.md §2.2). */
export function onceArgv(command: readonly string[]): string[] {
  if (command.includes('--loop')) return command.map((word) => (word === '--loop' ? '--once' : word));
  return command.includes('--once') ? [...command] : [...command, '--once'];
}

export function orchestratorEnv(config: RunnerConfig, sprint: string, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out = childEnv(env, config.childEnvAllowlist);
  out.ORCHESTRATOR_SPRINT = sprint;
  out.ORCHESTRATOR_BACKEND_BASE_URL = config.backendBaseUrl;
  out.ORCHESTRATOR_STATE_PATH = config.orchestratorStatePath;
  out.ORCHESTRATOR_MAX_EXECUTORS ??= String(config.maxExecutors);
  out.ORCHESTRATOR_MAX_REVIEWERS ??= String(config.maxReviewers);
  out.ORCHESTRATOR_MAX_REVIEWER_DISPATCHES_PER_STATUS ??= '2';
  out.ORCHESTRATOR_REVIEWER_RETRY_POLLS ??= String(config.reviewStallPolls);
  return out;
}

/**
 * Runs the orchestrator once and collects its output. Its process group is owned like a Codex run's
 * (process-group.ts): `signal` aborts it (the group and every descendant are killed), and so does the
 * group watcher if the worker dies meanwhile. `onStderrLine` sees diagnostics as they arrive.
 */
export function runOrchestratorOnce(
  config: RunnerConfig,
  sprint: string,
  options: { signal?: AbortSignal; onStderrLine?: (line: string) => void; cwd?: string } = {},
): Promise<OrchestratorOutput> {
  const [command, ...args] = onceArgv(config.orchestratorCmd);
  return new Promise((resolve, reject) => {
    const child = spawn(command!, args, {
      env: orchestratorEnv(config, sprint),
      cwd: options.cwd,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stdoutLines: Buffer[] = [];
    const stderrLines: string[] = [];
    const group = child.pid !== undefined ? ownProcessGroup(child.pid) : null;
    const kill = () => group?.kill();
    options.signal?.addEventListener('abort', kill);
    const done = () => {
      options.signal?.removeEventListener('abort', kill);
      group?.release();
    };
    const stdoutDone = new Promise<void>((done) =>
      // Latin-1 keeps every byte, so a line that is not valid UTF-8 can be refused rather than repaired.
      createInterface({ input: child.stdout!.setEncoding('latin1'), crlfDelay: Infinity })
        .on('line', (line) => stdoutLines.push(Buffer.from(line, 'latin1')))
        .once('close', done),
    );
    const stderrDone = new Promise<void>((done) =>
      createInterface({ input: child.stderr!, crlfDelay: Infinity })
        .on('line', (line) => {
          stderrLines.push(line);
          options.onStderrLine?.(line);
        })
        .once('close', done),
    );
    child.once('error', (err) => {
      done();
      reject(new Error(`cannot start orchestrator \`${command}\`: ${err.message} (check RUNNER_ORCHESTRATOR_CMD)`));
    });
    child.once('exit', (code, signal) => {
      // Both streams are drained to EOF before the tick is over: no line is lost.
      void Promise.all([stdoutDone, stderrDone]).then(() => {
        done();
        resolve({ exitCode: code ?? (signal ? 128 : 1), stdoutLines, stderrLines });
      });
    });
  });
}
