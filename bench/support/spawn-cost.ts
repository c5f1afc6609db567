/**
 * What one child process start costs a process as big as the worker (issue #18, the spawn path):
 * `child_process.spawn` forks the calling process (libuv: fork + exec, synchronous on the event
 * loop), so its cost grows with the caller's resident memory — page tables copied, then a
 * copy-on-write fault for every page the caller writes afterwards. Compared with asking a small
 * long-lived helper process (IPC) to spawn instead.
 *   npx tsx bench/support/spawn-cost.ts [resident MiB = 350] [spawns = 40]
 * 2026-12-03, 2 × AMD EPYC vCPU, load ≈ 4, 399 MiB caller: direct 21.1 ms caller CPU and 42.8 ms
 * event loop blocked per spawn; through the helper 0.3 ms CPU, 0.2 ms blocked, 3.1 ms per run.
 */
import { spawn } from 'node:child_process';

const HELPER = `
const { spawn } = require('node:child_process');
process.on('message', (m) => {
  const c = spawn(m.cmd, m.args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  c.stdout.resume(); c.stderr.resume();
  c.on('close', (code) => process.send({ id: m.id, exit: code }));
});
process.on('disconnect', () => process.exit(0));`;

async function main(): Promise<void> {
  const mib = Number(process.argv[2] ?? 350);
  const n = Number(process.argv[3] ?? 40);
  const resident = Array.from({ length: mib }, () => new Uint8Array(1 << 20).fill(1));
  // The caller keeps working between spawns (as the worker does): it writes to its memory.
  const touch = (i: number) => resident.forEach((page) => (page[i % page.length] = 2));
  const rss = () => (process.memoryUsage().rss / 2 ** 20).toFixed(0);
  const report = (label: string, cpu: NodeJS.CpuUsage, blockedNs: bigint, wallMs: number) =>
    console.log(
      `${label}: caller CPU ${((cpu.user + cpu.system) / 1000 / n).toFixed(1)} ms/spawn, event loop blocked ${(Number(blockedNs) / 1e6 / n).toFixed(2)} ms/spawn, ${(wallMs / n).toFixed(1)} ms/run`,
    );

  let cpu0 = process.cpuUsage();
  let t0 = Date.now();
  let blocked = 0n;
  for (let i = 0; i < n; i += 1) {
    const s = process.hrtime.bigint();
    const child = spawn('true', [], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    blocked += process.hrtime.bigint() - s;
    await new Promise((resolve) => child.once('close', resolve));
    touch(i);
  }
  report(`direct spawn (caller RSS ${rss()} MiB)`, process.cpuUsage(cpu0), blocked, Date.now() - t0);

  const helper = spawn(process.execPath, ['-e', HELPER], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await new Promise((resolve) => setTimeout(resolve, 300));
  const waiting = new Map<number, () => void>();
  helper.on('message', (m: { id: number; exit?: number }) => m.exit !== undefined && waiting.get(m.id)?.());
  cpu0 = process.cpuUsage();
  t0 = Date.now();
  blocked = 0n;
  for (let i = 0; i < n; i += 1) {
    const s = process.hrtime.bigint();
    const done = new Promise<void>((resolve) => waiting.set(i, resolve));
    helper.send({ id: i, cmd: 'true', args: [] });
    blocked += process.hrtime.bigint() - s;
    await done;
    touch(i + n);
  }
  report('through a helper process', process.cpuUsage(cpu0), blocked, Date.now() - t0);
  helper.disconnect();
}

void main();
