/**
 * Codex runs in its own process group so that cancellation can kill everything it started. If the
 * worker itself is SIGKILLed (OOM killer, `kill -9`, a crashed container runtime) nothing in it runs
 * any more, so one small watcher process per worker holds the list of live runs on its stdin: the
 * worker's death closes that pipe, and the watcher kills every run still listed — its process group
 * and every descendant the worker had seen (process-tree.ts: MCP servers in their own groups, their
 * children, orphans re-parented to PID 1), freezing them first so none can fork away — then exits.
 * It lives in its own process group, so a signal to the worker's group does not reach it.
 *
 * Protocol (one line each): `+<pgid>` watch a run's group · `+<pgid>:<pid>:<start>` a descendant of
 * that run · `-<pgid>` the run ended (forget it and its descendants).
 *
 * The same small process also starts the runs (spawn-host.ts, over its IPC channel): forking the
 * worker itself, a process of hundreds of MiB with many threads, blocked its event loop for tens to
 * hundreds of ms per Codex run (issue #18). A run it starts is watched from that moment on.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { PROCESS_TREE_JS } from './process-tree';
import { SPAWN_SERVICE_JS } from './spawn-host-service';

const WATCHER_SOURCE = `
${PROCESS_TREE_JS}
const runs = new Map();
let pending = '';
const reap = () => {
  const seeds = [];
  for (const descendants of runs.values()) for (const d of descendants) seeds.push(d);
  try { killTree(seeds, [...runs.keys()], process.pid); } catch {}
  process.exit(0);
};
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  pending += chunk;
  let end;
  while ((end = pending.indexOf('\\n')) >= 0) {
    const line = pending.slice(0, end);
    pending = pending.slice(end + 1);
    const parts = line.slice(1).split(':');
    const group = Number(parts[0]);
    if (!Number.isInteger(group) || group <= 1) continue;
    if (line[0] === '-') { runs.delete(group); continue; }
    if (line[0] !== '+') continue;
    if (!runs.has(group)) runs.set(group, []);
    const pid = Number(parts[1]);
    if (parts.length === 3 && Number.isInteger(pid) && pid > 1) runs.get(group).push({ pid, start: parts[2] });
  }
});
process.stdin.on('end', reap);
process.stdin.on('error', reap);
${SPAWN_SERVICE_JS}
`;

let watcher: ChildProcess | null = null;

/** The worker's watcher (started on first use, and again if it died); spawn-host.ts listens for its exit. */
export function groupWatcher(): ChildProcess {
  if (!watcher || watcher.exitCode !== null || watcher.signalCode !== null || !watcher.stdin?.writable) {
    watcher = spawn(process.execPath, ['-e', WATCHER_SOURCE], { detached: true, stdio: ['pipe', 'ignore', 'ignore', 'ipc'] });
    // Neither the watcher nor its pipes may keep the worker alive (a run in flight keeps it alive by its own streams).
    watcher.unref();
    watcher.stdin!.on('error', () => undefined);
    (watcher.stdin as unknown as { unref?: () => void }).unref?.();
    watcher.channel?.unref();
    watcher.on('error', () => undefined);
  }
  return watcher;
}

function send(line: string): void {
  groupWatcher().stdin!.write(`${line}\n`);
}

/** Kill this process group (and its recorded descendants) if the worker dies before releasing it. */
export function watchGroup(pgid: number): void {
  send(`+${pgid}`);
}

/** A descendant of the run whose group is `pgid`, in whatever process group it lives. */
export function watchDescendant(pgid: number, pid: number, start: string): void {
  send(`+${pgid}:${pid}:${start}`);
}

export function releaseGroup(pgid: number): void {
  if (watcher) send(`-${pgid}`);
}

/** The watcher's pid (tests). */
export function groupWatcherPid(): number | undefined {
  return watcher?.pid;
}
