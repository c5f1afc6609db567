/**
 * Codex runs in its own process group so that cancellation can kill everything it started. If the
 * worker itself is SIGKILLed (OOM killer, `kill -9`, a crashed container runtime) nothing in it runs
 * any more, so one small watcher process per worker holds the list of live groups on its stdin: the
 * worker's death closes that pipe, and the watcher SIGKILLs every group still listed, then exits.
 * It lives in its own process group, so a signal to the worker's group does not reach it.
 */
import { spawn, type ChildProcess } from 'node:child_process';

const WATCHER_SOURCE = `
const groups = new Set();
let pending = '';
const reap = () => {
  for (const group of groups) { try { process.kill(-group, 'SIGKILL'); } catch {} }
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
    const group = Number(line.slice(1));
    if (!Number.isInteger(group) || group <= 1) continue;
    if (line[0] === '+') groups.add(group); else groups.delete(group);
  }
});
process.stdin.on('end', reap);
process.stdin.on('error', reap);
`;

let watcher: ChildProcess | null = null;

function send(line: string): void {
  if (!watcher || watcher.exitCode !== null || !watcher.stdin?.writable) {
    watcher = spawn(process.execPath, ['-e', WATCHER_SOURCE], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
    // Neither the watcher nor its pipe may keep the worker alive.
    watcher.unref();
    watcher.stdin!.on('error', () => undefined);
    (watcher.stdin as unknown as { unref?: () => void }).unref?.();
  }
  watcher.stdin!.write(`${line}\n`);
}

/** Kill this process group if the worker dies before releasing it. */
export function watchGroup(pgid: number): void {
  send(`+${pgid}`);
}

export function releaseGroup(pgid: number): void {
  if (watcher) send(`-${pgid}`);
}

/** The watcher's pid (tests). */
export function groupWatcherPid(): number | undefined {
  return watcher?.pid;
}
