/**
 * A worker killed with SIGKILL cannot clean up: the group watcher must kill the Codex process groups
 * it still owned. Here a stand-in worker process starts a process group that ignores SIGTERM, hands
 * it to the watcher, and is then killed with -9.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** Running (a zombie waiting for PID 1 to reap it does not count). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX] /s.test(stat);
  } catch {
    return false;
  }
}

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

describe('group watcher', () => {
  it('SIGKILLs the process groups of a worker that was killed with -9, and only those', async () => {
    const script = `
      const { spawn } = require('node:child_process');
      const { watchGroup, releaseGroup, groupWatcherPid } = require(${JSON.stringify(join(ROOT, 'src', 'activities', 'group-reaper.ts'))});
      const start = () => spawn('sh', ['-c', "trap '' TERM; sleep 300 & wait"], { detached: true, stdio: 'ignore' });
      const kept = start(), released = start();
      watchGroup(kept.pid); watchGroup(released.pid); releaseGroup(released.pid);
      setTimeout(() => process.stdout.write(JSON.stringify({ kept: kept.pid, released: released.pid, watcher: groupWatcherPid() }) + '\\n'), 200);
      setInterval(() => {}, 1000);
    `;
    const worker = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const pids = await new Promise<{ kept: number; released: number; watcher: number }>((resolve) => worker.stdout.once('data', (d) => resolve(JSON.parse(String(d)))));
    try {
      expect(alive(pids.kept) && alive(pids.released) && alive(pids.watcher)).toBe(true);
      worker.kill('SIGKILL');
      expect(await until(() => !alive(pids.kept), 5000)).toBe(true);
      expect(await until(() => !alive(pids.watcher), 5000)).toBe(true);
      // A group the worker had released (closed normally) is none of the watcher's business.
      expect(alive(pids.released)).toBe(true);
    } finally {
      for (const pid of [pids.kept, pids.released]) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
    }
  });
});
