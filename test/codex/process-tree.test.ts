/**
 * The process-tree tracker (src/activities/process-tree.ts) finds a run's processes in other
 * sessions/process groups, also the children of one re-parented to PID 1 after its parent died —
 * by walking /proc/<pid>/task/<tid>/children (the usual case) and by the full /proc table (kernels
 * without those files) alike — and killTree ends them all.
 */
import { spawn } from 'node:child_process';
import { forceFullScan, killTree, readProc, trackerStats, trackProcessTree } from '../../src/activities/process-tree';

const linux = process.platform === 'linux';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function running(pid: number): boolean {
  const p = readProc(pid);
  return p !== null && p.state !== 'Z' && p.state !== 'X';
}

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

afterAll(() => forceFullScan(false));

describe.each([
  ['children files', false],
  ['full /proc table', true],
])('process tree tracking (%s)', (_name, fullScan) => {
  (linux ? it : it.skip)(
    'tracks a descendant in another session, and the child it starts after being orphaned; killTree ends them all',
    async () => {
      forceFullScan(fullScan);
      const before = { ...trackerStats };
      // root sh → setsid sh (own session and group) → after 1.5 s, once root is gone: sleep
      const root = spawn('sh', ['-c', `setsid sh -c 'sleep 1.5; sleep 300 & wait' & sleep 300`], { detached: true, stdio: 'ignore' });
      const tree = trackProcessTree(root.pid!);
      try {
        expect(await until(() => tree.descendants().some((d) => readProc(d.pid)?.pgid !== root.pid), 5000)).toBe(true);
        const orphanParent = tree.descendants().find((d) => readProc(d.pid)?.pgid !== root.pid)!.pid;
        // Its first child (sleep 1.5) is seen while root lives.
        expect(await until(() => tree.descendants().some((d) => readProc(d.pid)?.ppid === orphanParent), 5000)).toBe(true);
        const seenBefore = new Set(tree.descendants().map((d) => d.pid));
        process.kill(root.pid!, 'SIGKILL');
        expect(await until(() => readProc(orphanParent)?.ppid !== root.pid, 5000)).toBe(true);
        // The orphaned sh starts its next child: found through the orphan, whose parent is now PID 1 (or a subreaper).
        expect(await until(() => tree.descendants().some((d) => !seenBefore.has(d.pid) && readProc(d.pid)?.ppid === orphanParent), 8000)).toBe(true);
        expect(tree.anyAlive()).toBe(true);
        const pids = tree.descendants().map((d) => d.pid);
        killTree(tree.descendants(), [root.pid!]);
        expect(await until(() => pids.every((pid) => !running(pid)), 5000)).toBe(true);
        expect(await until(() => !tree.anyAlive(), 5000)).toBe(true);
        if (fullScan) expect(trackerStats.fullScans).toBeGreaterThan(before.fullScans);
        else expect(trackerStats.fullScans).toBe(before.fullScans);
      } finally {
        tree.stop();
        try {
          process.kill(-root.pid!, 'SIGKILL');
        } catch {
          // gone
        }
      }
    },
    30_000,
  );
});
