/**
 * The orchestrator's process group is owned like a Codex run's (src/activities/process-group.ts):
 * a worker killed with -9 in the middle of a tick leaves no orchestrator process behind, and an
 * aborted tick kills the orchestrator's whole tree, also a child that ignores SIGTERM.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { loadConfig } from '../../src/config';
import { runOrchestratorOnce } from '../../src/activities/orchestrator-process';
import { until } from '../support/real-codex';
import { notRunning } from './support';

const ROOT = join(__dirname, '..', '..');
// Prints its pid and its SIGTERM-deaf child's pid on stderr, then waits.
const ORCHESTRATOR_CMD = `sh -c "trap '' TERM; echo $$ >&2; sleep 300 & echo $! >&2; wait"`;

const alive = (pid: number) => !notRunning(pid);

function killAll(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

describe('orchestrator process group', () => {
  it('an aborted tick kills the orchestrator and its SIGTERM-deaf child', async () => {
    const config = loadConfig({ RUNNER_ORCHESTRATOR_CMD: ORCHESTRATOR_CMD });
    const controller = new AbortController();
    const pids: number[] = [];
    const tick = runOrchestratorOnce(config, 'REAPER-ABORT', {
      signal: controller.signal,
      onStderrLine: (line) => {
        pids.push(Number(line));
        if (pids.length === 2) controller.abort();
      },
    });
    try {
      const output = await tick;
      expect(pids.every((pid) => pid > 1)).toBe(true);
      expect(output.exitCode).toBe(128);
      expect(await until(() => !pids.some(alive), 5000)).toBe(true);
    } finally {
      killAll(pids);
    }
  });

  it('the group watcher kills a tick in flight when its worker is killed with -9', async () => {
    const script = `
      const { loadConfig } = require(${JSON.stringify(join(ROOT, 'src', 'config.ts'))});
      const { runOrchestratorOnce } = require(${JSON.stringify(join(ROOT, 'src', 'activities', 'orchestrator-process.ts'))});
      const { groupWatcherPid } = require(${JSON.stringify(join(ROOT, 'src', 'activities', 'group-reaper.ts'))});
      const pids = [];
      void runOrchestratorOnce(loadConfig({ RUNNER_ORCHESTRATOR_CMD: ${JSON.stringify(ORCHESTRATOR_CMD)} }), 'REAPER-KILL', {
        onStderrLine: (line) => {
          pids.push(Number(line));
          if (pids.length === 2) setTimeout(() => process.stdout.write(JSON.stringify({ pids, watcher: groupWatcherPid() }) + '\\n'), 300);
        },
      });
      setInterval(() => {}, 1000);
    `;
    const worker = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const started = await new Promise<{ pids: number[]; watcher: number }>((resolve) => worker.stdout.once('data', (d) => resolve(JSON.parse(String(d)))));
    try {
      expect(started.pids.length).toBe(2);
      expect(started.pids.every(alive) && alive(started.watcher)).toBe(true);
      worker.kill('SIGKILL');
      expect(await until(() => !started.pids.some(alive), 5000)).toBe(true);
      expect(await until(() => !alive(started.watcher), 5000)).toBe(true);
    } finally {
      killAll(started.pids);
    }
  });
});
