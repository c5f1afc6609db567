/**
 * A child we start in its own process group (spawn with `detached: true`) and own until it is
 * released: the one place that registers the group (with this process's exit hook and the per-worker
 * group watcher, group-reaper.ts), tracks every descendant (process-tree.ts, also those in other
 * groups), and signals or kills all of it. Used by the Codex transport and the orchestrator tick.
 */
import { releaseGroup, watchDescendant, watchGroup } from './group-reaper';
import { killTree, procAlive, readProc, readProcTable, trackProcessTree } from './process-tree';

/** Groups still owned, SIGKILLed if this process exits without releasing them (the watcher covers `kill -9`). */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const group of liveGroups) {
      try {
        process.kill(-group, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

export interface OwnedProcessGroup {
  readonly pgid: number;
  /** Rescans for descendants now (e.g. right before signalling). */
  scan(): void;
  /** Sends `signal` to the group and to every known descendant in another group (Codex's MCP servers). */
  signal(signal: NodeJS.Signals): void;
  /** Freezes and SIGKILLs the group and every descendant, so none can fork away. */
  kill(): void;
  /** Whether a process of the group or a known descendant still runs (zombies do not count). */
  alive(): boolean;
  /** Stops tracking and tells the watcher to forget the group. Idempotent. */
  release(): void;
}

/** Takes ownership of the process group led by `pgid` (a child spawned with `detached: true`). */
export function ownProcessGroup(pgid: number): OwnedProcessGroup {
  liveGroups.add(pgid);
  installExitHook();
  watchGroup(pgid);
  // Every descendant, whatever its process group, is remembered (and told to the group watcher).
  const tree = trackProcessTree(pgid, (proc) => watchDescendant(pgid, proc.pid, proc.start));
  let released = false;
  return {
    pgid,
    scan: () => tree.scan(),
    signal(signal) {
      try {
        process.kill(-pgid, signal);
      } catch {
        // group already gone
      }
      for (const { pid, start } of tree.descendants()) {
        if (!procAlive({ pid, start })) continue;
        try {
          process.kill(pid, signal);
        } catch {
          // gone
        }
      }
    },
    kill() {
      tree.scan();
      killTree(tree.descendants(), [pgid]);
    },
    alive: () => groupAlive(pgid) || tree.anyAlive(),
    release() {
      if (released) return;
      released = true;
      tree.stop();
      liveGroups.delete(pgid);
      releaseGroup(pgid);
    },
  };
}

/**
 * Whether any process of the group is still running. Zombies do not count: once a member's parent
 * died it is reaped by PID 1, which in containers may take seconds (or never happen).
 */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (process.platform !== 'linux') return true;
  // Usually the leader itself still runs (one file); only a group whose leader is gone or a zombie needs the whole table.
  const leader = readProc(pgid);
  if (leader && leader.pgid === pgid && leader.state !== 'Z' && leader.state !== 'X') return true;
  for (const p of readProcTable().values()) if (p.pgid === pgid && p.state !== 'Z' && p.state !== 'X') return true;
  return false;
}
