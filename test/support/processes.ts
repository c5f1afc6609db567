/**
 * Finding the processes a test started, however deep: a child process started with a unique marker
 * variable passes it on to everything it spawns (sprint-runner's child allowlist keeps `AGENT_*`
 * and `ORCHESTRATOR_*`, the dev server inherits the whole environment), so /proc/<pid>/environ
 * tells them apart from everything else on a shared machine. Linux only.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';

/** A fresh marker variable; put `{[name]: value}` into the child's env. */
export function processMarker(prefix = 'AGENT_TEST_MARKER'): { name: string; value: string; env: Record<string, string> } {
  const value = randomUUID();
  return { name: prefix, value, env: { [prefix]: value } };
}

/** Live (non-zombie) processes whose environment carries NAME=VALUE. */
export function markedProcesses(name: string, value: string): Array<{ pid: number; cmd: string }> {
  const needle = `${name}=${value}`;
  const found: Array<{ pid: number; cmd: string }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    try {
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      if (!environ.includes(needle) || !pidAlive(pid)) continue;
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
      found.push({ pid, cmd });
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found;
}

export function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX]/.test(stat);
  } catch {
    return false;
  }
}

/** Whether any process is left in process group PGID. */
export function processGroupAlive(pgid: number): boolean {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command: state ppid pgrp …
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') return true;
    } catch {
      // Gone meanwhile.
    }
  }
  return false;
}

/**
 * Samples the marked processes every `intervalMs` until stopped; returns every pid it saw with its
 * latest command line: a pid sampled between fork and exec still shows its parent's command (a
 * fork of a large process takes tens of ms on a loaded machine), so a first sight is not kept.
 */
export function watchMarkedProcesses(name: string, value: string, intervalMs = 500) {
  const seen = new Map<number, string>();
  const sample = () => {
    for (const { pid, cmd } of markedProcesses(name, value)) seen.set(pid, cmd);
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    seen,
    stop() {
      clearInterval(timer);
      sample();
      return seen;
    },
  };
}
