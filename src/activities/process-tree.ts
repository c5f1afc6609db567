/**
 * Every process a Codex run starts, whatever its process group: Codex starts its MCP servers in
 * their own process groups (and they may start more), so killing Codex's group is not enough.
 *
 * While a run lives, one shared scanner reads /proc every SCAN_EVERY_MS and remembers each
 * descendant of every tracked root (pid + start time, so a reused pid is never mistaken for it),
 * also after it was re-parented to PID 1. `killTree` freezes the known processes (SIGSTOP), adds
 * any child they have meanwhile, repeats until nothing new appears, then SIGKILLs them all — so a
 * process cannot escape by forking while it is being killed. The same code runs in the per-worker
 * group watcher (group-reaper.ts) when the worker itself is killed with -9.
 *
 * Linux only (/proc); elsewhere the tracker finds nothing and only process groups are killed.
 * Limit: a process that double-forks and exits within one scan period is not seen.
 */

/** Plain JavaScript, shared verbatim with the watcher process (see group-reaper.ts). */
export const PROCESS_TREE_JS = String.raw`
function readProcTable() {
  const fs = require('node:fs');
  const table = new Map();
  let names;
  try { names = fs.readdirSync('/proc'); } catch { return table; }
  for (const name of names) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    let stat;
    try { stat = fs.readFileSync('/proc/' + name + '/stat', 'utf8'); } catch { continue; }
    const close = stat.lastIndexOf(')');
    const f = stat.slice(close + 2).split(' ');
    // after "pid (comm) ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime priority nice threads itreal starttime
    table.set(Number(name), { pid: Number(name), state: f[0], ppid: Number(f[1]), pgid: Number(f[2]), start: f[19] });
  }
  return table;
}
function killTree(seeds, groups, self) {
  const signal = (pid, sig) => { try { process.kill(pid, sig); return true; } catch { return false; } };
  let table = readProcTable();
  const members = new Set();
  const add = (p) => { if (p && p.pid > 1 && p.pid !== self && p.state !== 'Z' && p.state !== 'X') members.add(p.pid); };
  for (const seed of seeds) {
    const p = table.get(seed.pid);
    if (p && (seed.start === undefined || seed.start === null || p.start === seed.start)) add(p);
  }
  const groupSet = new Set(groups.filter((g) => g > 1));
  for (const p of table.values()) if (groupSet.has(p.pgid)) add(p);
  for (let round = 0; round < 20; round += 1) {
    for (const pid of members) signal(pid, 'SIGSTOP');
    table = readProcTable();
    const before = members.size;
    for (const p of table.values()) {
      if (members.has(p.pid)) continue;
      // children of a member, and members of a group a member leads
      if (members.has(p.ppid) || (members.has(p.pgid) && p.pgid !== self)) add(p);
    }
    if (members.size === before) break;
  }
  for (const pid of members) signal(pid, 'SIGKILL');
  for (const group of groupSet) { try { process.kill(-group, 'SIGKILL'); } catch {} }
  return [...members];
}
`;

export interface ProcInfo {
  pid: number;
  ppid: number;
  pgid: number;
  state: string;
  /** Start time in clock ticks since boot (/proc/<pid>/stat field 22): with the pid, a process identity. */
  start: string;
}

export interface ProcSeed {
  pid: number;
  start?: string;
}

interface TreeImpl {
  readProcTable(): Map<number, ProcInfo>;
  killTree(seeds: readonly ProcSeed[], groups: readonly number[], self: number): number[];
}

// eslint-disable-next-line @typescript-eslint/no-implied-eval
const impl = new Function('require', 'process', `${PROCESS_TREE_JS}\nreturn { readProcTable, killTree };`)(require, process) as TreeImpl;

export function readProcTable(): Map<number, ProcInfo> {
  return process.platform === 'linux' ? impl.readProcTable() : new Map();
}

/** SIGKILLs the seeds (pid + start time), every process of `groups` and all their descendants. Returns the pids signalled. */
export function killTree(seeds: readonly ProcSeed[], groups: readonly number[]): number[] {
  if (process.platform !== 'linux') {
    for (const group of groups) {
      try {
        process.kill(-group, 'SIGKILL');
      } catch {
        // gone
      }
    }
    return [];
  }
  return impl.killTree(seeds, groups, process.pid);
}

/** Whether the process with this identity still runs (zombies do not count). */
export function procAlive(seed: ProcSeed, table: Map<number, ProcInfo> = readProcTable()): boolean {
  const p = table.get(seed.pid);
  return p !== undefined && p.state !== 'Z' && p.state !== 'X' && (seed.start === undefined || p.start === seed.start);
}

const SCAN_EVERY_MS = 200;

interface TrackedRoot {
  root: number;
  known: Map<number, string>;
  onNew?: (proc: ProcInfo) => void;
}

const roots = new Set<TrackedRoot>();
let timer: NodeJS.Timeout | null = null;
// The scan samples real processes, so it runs on the wall clock even where a test fakes the timers
// (captured at load: a faked setInterval would replay thousands of scans in one timer jump).
const wallClockSetInterval = setInterval;
const wallClockClearInterval = clearInterval;

function scanAll(): void {
  if (roots.size === 0 || process.platform !== 'linux') return;
  const table = readProcTable();
  const children = childrenByParent(table);
  for (const tracked of roots) scanRoot(tracked, table, children);
}

function childrenByParent(table: Map<number, ProcInfo>): Map<number, ProcInfo[]> {
  const children = new Map<number, ProcInfo[]>();
  for (const p of table.values()) {
    const list = children.get(p.ppid);
    if (list) list.push(p);
    else children.set(p.ppid, [p]);
  }
  return children;
}

function scanRoot(tracked: TrackedRoot, table: Map<number, ProcInfo>, children: Map<number, ProcInfo[]>): void {
  // Roots of the walk: the tracked process and every known descendant still alive with the same identity
  // (an orphan re-parented to PID 1 keeps its own children).
  const queue: number[] = [tracked.root];
  for (const [pid, start] of tracked.known) if (table.get(pid)?.start === start) queue.push(pid);
  const seen = new Set<number>(queue);
  while (queue.length) {
    const pid = queue.pop()!;
    for (const child of children.get(pid) ?? []) {
      if (seen.has(child.pid) || child.pid === process.pid) continue;
      seen.add(child.pid);
      queue.push(child.pid);
      if (tracked.known.get(child.pid) !== child.start) {
        tracked.known.set(child.pid, child.start);
        try {
          tracked.onNew?.(child);
        } catch {
          // a listener must not stop the scan
        }
      }
    }
  }
}

export interface ProcessTreeHandle {
  /** Rescans now (e.g. right before killing). */
  scan(): void;
  /** Descendants seen so far (pid + start time), alive or not. */
  descendants(): ProcSeed[];
  /** Whether the root or any known descendant still runs. */
  anyAlive(): boolean;
  stop(): void;
}

/** Tracks the descendants of `root` until stop(); `onNew` hears of each newly seen one. */
export function trackProcessTree(root: number, onNew?: (proc: ProcInfo) => void): ProcessTreeHandle {
  const tracked: TrackedRoot = { root, known: new Map(), onNew };
  roots.add(tracked);
  if (!timer && process.platform === 'linux') {
    timer = wallClockSetInterval(scanAll, SCAN_EVERY_MS);
    timer.unref();
  }
  const rootStart = readProcTable().get(root)?.start;
  return {
    scan() {
      if (process.platform !== 'linux') return;
      const table = readProcTable();
      scanRoot(tracked, table, childrenByParent(table));
    },
    descendants: () => [...tracked.known].map(([pid, start]) => ({ pid, start })),
    anyAlive() {
      const table = readProcTable();
      if (procAlive({ pid: root, start: rootStart }, table)) return true;
      for (const [pid, start] of tracked.known) if (procAlive({ pid, start }, table)) return true;
      return false;
    },
    stop() {
      roots.delete(tracked);
      if (roots.size === 0 && timer) {
        wallClockClearInterval(timer);
        timer = null;
      }
    },
  };
}
