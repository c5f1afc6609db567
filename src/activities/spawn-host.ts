/**
 * Starting a run's process (Codex, the orchestrator) without forking the worker. A fork copies the
 * page tables of the whole worker — hundreds of MiB, a dozen threads — and blocked its event loop
 * for 115–266 ms per spawn on a loaded 2-core machine (issue #18: 28 % of the main thread's busy time
 * in a 60-item sprint, and every activity, heartbeat and child exit of the worker waited behind it).
 * The worker's group watcher, a small process that exists anyway (group-reaper.ts), forks instead.
 *
 * The child's stdio are ordinary stream sockets as with `child_process.spawn` (whose pipes are
 * socketpairs too): the worker makes each pair itself over a private Unix socket, keeps one end and
 * hands the other to the watcher, which passes it to the child as fd 0, 1 or 2 and closes its copy.
 * So output never passes through the watcher, and nothing can read a byte before the child does.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { groupWatcher } from './group-reaper';
import { procAlive } from './process-tree';

export interface HostedSpawnOptions {
  env: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface HostedExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * A started child with its three streams. `exited` is a promise rather than an event: the exit can
 * arrive in the same IPC read as the start, before the caller has had a chance to listen.
 */
export interface HostedChild {
  readonly pid: number;
  readonly stdin: Socket;
  readonly stdout: Socket;
  readonly stderr: Socket;
  readonly exited: Promise<HostedExit>;
}

/** A spawn the watcher refused (`code` as from `child_process`: ENOENT, EACCES, …). */
export class HostedSpawnError extends Error {
  constructor(
    message: string,
    readonly code: string | null,
  ) {
    super(message);
    this.name = 'HostedSpawnError';
  }
}

interface Pending {
  resolve(child: HostedChild): void;
  reject(error: Error): void;
  local: [Socket, Socket, Socket];
  child?: HostedChildImpl;
}

class HostedChildImpl implements HostedChild {
  readonly exited: Promise<HostedExit>;
  markExited!: (code: number | null, signal: NodeJS.Signals | null) => void;
  constructor(
    readonly pid: number,
    readonly stdin: Socket,
    readonly stdout: Socket,
    readonly stderr: Socket,
  ) {
    this.exited = new Promise((resolve) => {
      this.markExited = (code, signal) => resolve({ code, signal });
    });
  }
}

let socketDir: string | null = null;
let server: Server | null = null;
let listening: Promise<string> | null = null;
/** Pairs are made one at a time: the next accepted connection is the one just dialled. */
let pairQueue: Promise<unknown> = Promise.resolve();
const pending = new Map<number, Pending>();
let nextId = 1;
const attached = new WeakSet<ChildProcess>();

function socketPath(): Promise<string> {
  if (listening) return listening;
  // A 0700 directory of our own: nobody else can dial in and pose as a child's stdio.
  socketDir = mkdtempSync(join(tmpdir(), 'sprint-runner-spawn-'));
  const path = join(socketDir, 's');
  server = createServer();
  server.unref();
  listening = new Promise((resolve, reject) => {
    server!.once('error', reject);
    server!.listen(path, () => resolve(path));
  });
  process.once('exit', () => {
    if (socketDir) rmSync(socketDir, { recursive: true, force: true });
  });
  return listening;
}

/** A connected pair of stream sockets: `[kept by the worker, for the child]`. */
function socketPair(): Promise<[Socket, Socket]> {
  const made = pairQueue.then(async () => {
    const path = await socketPath();
    const accepted = new Promise<Socket>((resolve) => server!.once('connection', resolve));
    const remote = connect({ path });
    await new Promise<void>((resolve, reject) => {
      remote.once('connect', resolve);
      remote.once('error', reject);
    });
    // Unread output waits in the kept end's buffer until the caller listens.
    return [await accepted, remote] as [Socket, Socket];
  });
  pairQueue = made.catch(() => undefined);
  return made;
}

function hostFor(): ChildProcess {
  const host = groupWatcher();
  if (!attached.has(host)) {
    attached.add(host);
    host.on('message', (message: unknown) => onHostMessage(message));
    host.once('exit', () => onHostGone());
  }
  return host;
}

function onHostMessage(raw: unknown): void {
  if (typeof raw !== 'object' || raw === null) return;
  const message = raw as { op?: string; id?: number; pid?: number; code?: number | string | null; signal?: NodeJS.Signals | null; message?: string };
  const entry = typeof message.id === 'number' ? pending.get(message.id) : undefined;
  if (!entry) return;
  if (message.op === 'spawned' && typeof message.pid === 'number' && !entry.child) {
    const [stdin, stdout, stderr] = entry.local;
    entry.child = new HostedChildImpl(message.pid, stdin, stdout, stderr);
    entry.resolve(entry.child);
  } else if (message.op === 'error' && !entry.child) {
    pending.delete(message.id!);
    for (const socket of entry.local) socket.destroy();
    entry.reject(new HostedSpawnError(message.message ?? 'spawn failed', typeof message.code === 'string' ? message.code : null));
  } else if (message.op === 'exit' && entry.child) {
    pending.delete(message.id!);
    entry.child.markExited(typeof message.code === 'number' ? message.code : null, message.signal ?? null);
  }
}

/**
 * The watcher died (killed by hand, out of memory): spawns in flight fail; a child already running
 * keeps running (re-parented) and its exit is noticed by polling, without a status.
 */
function onHostGone(): void {
  for (const [id, entry] of pending) {
    if (!entry.child) {
      pending.delete(id);
      for (const socket of entry.local) socket.destroy();
      entry.reject(new HostedSpawnError('the process host (group watcher) exited before the child started', null));
      continue;
    }
    pending.delete(id);
    const child = entry.child;
    const poll = setInterval(() => {
      if (procAlive({ pid: child.pid })) return;
      clearInterval(poll);
      child.markExited(null, null);
    }, 250);
  }
}

/** Starts `command` in its own process group (pgid = pid) via the worker's process host. */
export async function spawnHosted(command: string, args: readonly string[], options: HostedSpawnOptions): Promise<HostedChild> {
  const pairs = [await socketPair(), await socketPair(), await socketPair()];
  const host = hostFor();
  const id = nextId++;
  return new Promise<HostedChild>((resolve, reject) => {
    pending.set(id, { resolve, reject, local: [pairs[0]![0], pairs[1]![0], pairs[2]![0]] });
    // Each send closes our copy of the child's end once the host has it.
    pairs.forEach(([, remote], fd) => host.send({ op: 'stdio', id, fd }, remote));
    host.send({ op: 'spawn', id, command, args: [...args], env: { ...options.env }, cwd: options.cwd });
  });
}
