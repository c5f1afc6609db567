/**
 * Every process a Codex run starts, whatever its process group: Codex starts its MCP servers in
 * their own process groups (and they may start more), so killing Codex's group is not enough.
 *
 * While a run lives, one shared scanner walks, every SCAN_EVERY_MS, the children of each tracked
 * root and of every descendant already known (pid + start time, so a reused pid is never mistaken
 * for it), also after it was re-parented to PID 1. Where the kernel has
 * /proc/<pid>/task/<tid>/children (Linux ≥ 3.5 with CONFIG_PROC_CHILDREN, the usual case) the walk
 * reads only the processes of the run — a few files per process — instead of every process's
 * /proc/<pid>/stat (the full table costs one file per process on the machine: hundreds, 5 times a
 * second, was 25 % of a busy worker's CPU); without it the whole table is read as before.
 * `killTree` (rare: cancel, a run that does not end, the watcher) always reads the whole table: it
 * freezes the known processes (SIGSTOP), adds any child they have meanwhile and any process of the
 * run's group, repeats until nothing new appears, then SIGKILLs them all — so a process cannot
 * escape by forking while it is being killed. The same code runs in the per-worker group watcher
 * (group-reaper.ts) when the worker itself is killed with -9.
 *
 * Linux only (/proc); elsewhere the tracker finds nothing and only process groups are killed.
 * Limit: a process that double-forks and exits within one scan period is not seen.
 */
import { readdirSync, readFileSync } from 'node:fs';

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

/** One process's /proc/<pid>/stat, or null when it is gone (Linux only). */
export function readProc(pid: number): ProcInfo | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  const close = stat.lastIndexOf(')');
  const f = stat.slice(close + 2).split(' ');
  return { pid, state: f[0]!, ppid: Number(f[1]), pgid: Number(f[2]), start: f[19]! };
}

/** Whether the process with this identity still runs (zombies do not count). */
export function procAlive(seed: ProcSeed, table?: Map<number, ProcInfo>): boolean {
  const p = table ? table.get(seed.pid) : process.platform === 'linux' ? readProc(seed.pid) : undefined;
  return p !== undefined && p !== null && p.state !== 'Z' && p.state !== 'X' && (seed.start === undefined || p.start === seed.start);
}

/** /proc/<pid>/task/<tid>/children exists here (checked once, on this process). */
let childrenFiles: boolean | undefined;
function haveChildrenFiles(): boolean {
  if (childrenFiles === undefined) {
    try {
      readFileSync(`/proc/${process.pid}/task/${process.pid}/children`);
      childrenFiles = true;
    } catch {
      childrenFiles = false;
    }
  }
  return childrenFiles;
}

/** Tests: track with full /proc table reads, as on a kernel without the children files (true), or detect again (false). */
export function forceFullScan(force: boolean): void {
  childrenFiles = force ? false : undefined;
}

/** The children of `pid` (of every one of its threads: a multi-threaded parent forks from any of them). */
function childPids(pid: number): number[] {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const tid of tids) {
    let list: string;
    try {
      list = readFileSync(`/proc/${pid}/task/${tid}/children`, 'latin1');
    } catch {
      continue;
    }
    for (const word of list.split(' ')) if (word) out.push(Number(word));
  }
  return out;
}

const SCAN_EVERY_MS = 200;

interface TrackedRoot {
  root: number;
  rootStart: string | undefined;
  known: Map<number, string>;
  onNew?: (proc: ProcInfo) => void;
}

const roots = new Set<TrackedRoot>();
let timer: NodeJS.Timeout | null = null;
// The scan samples real processes, so it runs on the wall clock even where a test fakes the timers
// (captured at load: a faked setInterval would replay thousands of scans in one timer jump).
const wallClockSetInterval = setInterval;
const wallClockClearInterval = clearInterval;

/** Counters for the bench and tests: walks of runs' children, and full /proc table reads by the tracker. */
export const trackerStats = { childWalks: 0, fullScans: 0 };

function scanAll(): void {
  if (roots.size === 0 || process.platform !== 'linux') return;
  if (haveChildrenFiles()) {
    for (const tracked of roots) walkChildren(tracked);
    return;
  }
  trackerStats.fullScans += 1;
  const table = readProcTable();
  const children = childrenByParent(table);
  for (const tracked of roots) scanRoot(tracked, table, children);
}

function scanOne(tracked: TrackedRoot): void {
  if (process.platform !== 'linux') return;
  if (haveChildrenFiles()) return walkChildren(tracked);
  trackerStats.fullScans += 1;
  const table = readProcTable();
  scanRoot(tracked, table, childrenByParent(table));
}

function noteNew(tracked: TrackedRoot, child: ProcInfo): void {
  if (tracked.known.get(child.pid) === child.start) return;
  tracked.known.set(child.pid, child.start);
  try {
    tracked.onNew?.(child);
  } catch {
    // a listener must not stop the scan
  }
}

/** The run's processes only: the root and every known descendant still alive with the same identity, and their children. */
function walkChildren(tracked: TrackedRoot): void {
  trackerStats.childWalks += 1;
  const queue: number[] = [];
  const root = readProc(tracked.root);
  if (root && (tracked.rootStart === undefined || root.start === tracked.rootStart)) queue.push(tracked.root);
  for (const [pid, start] of tracked.known) if (readProc(pid)?.start === start) queue.push(pid);
  const seen = new Set<number>(queue);
  while (queue.length) {
    const parent = queue.pop()!;
    for (const pid of childPids(parent)) {
      if (seen.has(pid) || pid === process.pid) continue;
      const child = readProc(pid);
      // Gone meanwhile, or the pid was reused by a process that is not this parent's child.
      if (!child || child.ppid !== parent) continue;
      seen.add(pid);
      queue.push(pid);
      noteNew(tracked, child);
    }
  }
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
      noteNew(tracked, child);
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
  const rootStart = process.platform === 'linux' ? readProc(root)?.start : undefined;
  const tracked: TrackedRoot = { root, rootStart, known: new Map(), onNew };
  roots.add(tracked);
  if (!timer && process.platform === 'linux') {
    timer = wallClockSetInterval(scanAll, SCAN_EVERY_MS);
    timer.unref();
  }
  return {
    scan: () => scanOne(tracked),
    descendants: () => [...tracked.known].map(([pid, start]) => ({ pid, start })),
    anyAlive() {
      if (procAlive({ pid: root, start: rootStart })) return true;
      for (const [pid, start] of tracked.known) if (procAlive({ pid, start })) return true;
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
