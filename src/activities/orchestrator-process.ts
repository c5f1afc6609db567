/**
 * Running the orchestrator CLI for one tick (../../docs/spec/runner-behaviour.md §2.2–§2.3): RUNNER_ORCHESTRATOR_CMD
 * split into argv (no shell), switched to `--once`, in its own process group, with the ../../docs/spec/runner-behaviour.md §2.2
 * environment. Every stdout and stderr line of the cycle is read — the old runner lost lines here
 * (⚠ ../../docs/spec/runner-behaviour.md §2.3). Pure parsing of what came out lives in the caller.
 */
import { createInterface } from 'node:readline';
import type { RunnerConfig } from '../config';
import { childEnv } from '../config';
import { emitEvent } from '../logging';
import { ownProcessGroup } from './process-group';
import { spawnHosted, type HostedChild } from './spawn-host';

export interface OrchestratorOutput {
  exitCode: number;
  /** Each line as bytes (Latin-1 text maps 1:1 to bytes): the caller decodes and checks UTF-8. */
  stdoutLines: Buffer[];
  stderrLines: string[];
  /** The cycle's output was complete before the process exited (its exit was not awaited). */
  beforeExit: boolean;
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
  options: { signal?: AbortSignal; onStderrLine?: (line: string) => void; cwd?: string; exitGraceMs?: number } = {},
): Promise<OrchestratorOutput> {
  const [command, ...args] = onceArgv(config.orchestratorCmd);
  const started = spawnHosted(command!, args, { env: orchestratorEnv(config, sprint), cwd: options.cwd }).catch((err: Error) => {
    throw new Error(`cannot start orchestrator \`${command}\`: ${err.message} (check RUNNER_ORCHESTRATOR_CMD)`);
  });
  return started.then((child) => collect(child, options));
}

/** After its cycle's output is complete, how long the orchestrator may take to exit before its group is killed. */
export const EXIT_AFTER_CYCLE_GRACE_MS = 10_000;

/**
 * Whether the output so far is a whole cycle (../../docs/spec/backend-orchestrator-contract.md C.2 steps 8–9):
 * the DISPATCH_SUMMARY is printed after every intent line and counts them (`intents_emitted.total`), and a
 * summary with `completed: true` is followed by END_OF_SPRINT_SUMMARY. After that a `--once` run only exits 0.
 */
export function cycleComplete(intentLines: number, summary: { total: number; completed: boolean } | null, endOfSprintSeen: boolean): boolean {
  return summary !== null && intentLines === summary.total && (!summary.completed || endOfSprintSeen);
}

function summaryCounts(line: string): { total: number; completed: boolean } | null {
  if (!line.includes('"DISPATCH_SUMMARY"')) return null;
  try {
    const event = JSON.parse(line) as { type?: unknown; intents_emitted?: { total?: unknown }; completed?: unknown };
    const total = event.intents_emitted?.total;
    if (event.type !== 'DISPATCH_SUMMARY' || typeof total !== 'number' || typeof event.completed !== 'boolean') return null;
    return { total, completed: event.completed };
  } catch {
    return null;
  }
}

/**
 * Collects the run's output. It is complete at the process's exit, or earlier once the output is a whole
 * cycle (cycleComplete): a Node orchestrator's exit alone took 100–500 ms on a loaded machine (V8 joining
 * its background threads), and every intent of the tick waited for it (issue #18). The process keeps its
 * group until it has exited; one that has not within EXIT_AFTER_CYCLE_GRACE_MS is killed.
 */
function collect(child: HostedChild, options: { signal?: AbortSignal; onStderrLine?: (line: string) => void; exitGraceMs?: number }): Promise<OrchestratorOutput> {
  return new Promise((resolve) => {
    const stdoutLines: Buffer[] = [];
    const stderrLines: string[] = [];
    const group = ownProcessGroup(child.pid);
    const kill = () => group.kill();
    // Aborted while it was starting: killed at once.
    if (options.signal?.aborted) kill();
    options.signal?.addEventListener('abort', kill);
    let settled = false;
    const settle = (output: OrchestratorOutput) => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', kill);
      resolve(output);
    };
    let intentLines = 0;
    let summary: { total: number; completed: boolean } | null = null;
    let endOfSprintSeen = false;
    const checkCycle = () => {
      if (!settled && cycleComplete(intentLines, summary, endOfSprintSeen)) {
        settle({ exitCode: 0, stdoutLines: [...stdoutLines], stderrLines: [...stderrLines], beforeExit: true });
        const straggler = setTimeout(kill, options.exitGraceMs ?? EXIT_AFTER_CYCLE_GRACE_MS);
        straggler.unref();
        void child.exited.then(({ code, signal }) => {
          clearTimeout(straggler);
          // The batch stands (its cycle was whole and the state written before it); an odd exit is worth a line.
          if (code !== 0) emitEvent({ type: 'ORCHESTRATOR_EXIT_AFTER_CYCLE', pid: child.pid, exit_code: code, signal });
        });
      }
    };
    const stdoutDone = new Promise<void>((done) =>
      // Latin-1 keeps every byte, so a line that is not valid UTF-8 can be refused rather than repaired.
      createInterface({ input: child.stdout.setEncoding('latin1'), crlfDelay: Infinity })
        .on('line', (line) => {
          stdoutLines.push(Buffer.from(line, 'latin1'));
          if (line.trim() !== '') intentLines += 1;
          checkCycle();
        })
        .once('close', done),
    );
    const stderrDone = new Promise<void>((done) =>
      createInterface({ input: child.stderr, crlfDelay: Infinity })
        .on('line', (line) => {
          stderrLines.push(line);
          options.onStderrLine?.(line);
          summary = summaryCounts(line) ?? summary;
          if (line.includes('"END_OF_SPRINT_SUMMARY"')) endOfSprintSeen = true;
          checkCycle();
        })
        .once('close', done),
    );
    void child.exited.then(({ code, signal }) =>
      // Both streams are drained to EOF before the tick is over: no line is lost.
      Promise.all([stdoutDone, stderrDone]).then(() => {
        group.release();
        settle({ exitCode: code ?? (signal ? 128 : 1), stdoutLines, stderrLines, beforeExit: false });
      }),
    );
  });
}
