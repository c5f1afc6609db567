/**
 * Runs are started by the worker's process host (the group watcher), not by forking the worker: the
 * child is the watcher's, its stdio are the worker's sockets directly, and nothing of its output is
 * lost — not what it writes before anyone listens, not what it writes just before exiting.
 */
import { readFileSync } from 'node:fs';
import { groupWatcher } from '../../src/activities/group-reaper';
import { HostedSpawnError, spawnHosted, type HostedChild } from '../../src/activities/spawn-host';
import { until } from '../support/real-codex';
import { notRunning } from './support';

const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin' };

function ppidOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

function collect(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => (text += chunk));
  return new Promise((resolve) => stream.once('end', () => resolve(text)));
}

function killGroup(child: HostedChild | undefined): void {
  try {
    if (child) process.kill(-child.pid, 'SIGKILL');
  } catch {
    // gone
  }
}

describe('spawnHosted', () => {
  it('starts the child from the watcher with the worker holding its stdio: early output, stdin and the exit status all arrive', async () => {
    // 5,000 lines before reading anything (more than a socket buffer), then stdin echoed back, then exit 7.
    const source = `for (let i = 0; i < 5000; i += 1) process.stdout.write('line ' + i + '\\n'); process.stderr.write('to stderr\\n');
      let input = ''; process.stdin.on('data', (d) => (input += d)).on('end', () => { process.stdout.write('echo:' + input); process.exitCode = 7; });`;
    const child = await spawnHosted(process.execPath, ['-e', source], { env });
    try {
      expect(ppidOf(child.pid)).toBe(groupWatcher().pid);
      expect(ppidOf(child.pid)).not.toBe(process.pid);
      // Its own process group, as the kill paths need.
      expect(Number(readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[2])).toBe(child.pid);
      // Nobody reads for a while: the output waits in the worker's socket, not in the watcher.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const stdout = collect(child.stdout);
      const stderr = collect(child.stderr);
      child.stdin.end('hello');
      const lines = (await stdout).split('\n');
      expect(lines.slice(0, 5000)).toEqual(Array.from({ length: 5000 }, (_, i) => `line ${i}`));
      expect(lines[5000]).toBe('echo:hello');
      expect(await stderr).toBe('to stderr\n');
      expect(await child.exited).toEqual({ code: 7, signal: null });
    } finally {
      killGroup(child);
    }
  });

  it('reports an exit that arrives together with the start, and an exit by signal', async () => {
    const quick = await spawnHosted('true', [], { env });
    expect(await quick.exited).toEqual({ code: 0, signal: null });
    const signalled = await spawnHosted('sh', ['-c', 'kill -TERM $$'], { env });
    expect(await signalled.exited).toEqual({ code: null, signal: 'SIGTERM' });
  });

  it('refuses a command that does not exist with its errno', async () => {
    const failure = await spawnHosted('/nonexistent/codex', [], { env }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(HostedSpawnError);
    expect((failure as HostedSpawnError).code).toBe('ENOENT');
    // The host is still serving.
    const next = await spawnHosted('true', [], { env });
    expect((await next.exited).code).toBe(0);
  });

  it('notices the exit of a running child after the watcher itself died', async () => {
    const child = await spawnHosted('sh', ['-c', 'sleep 1'], { env });
    try {
      const watcher = groupWatcher();
      watcher.kill('SIGKILL');
      expect(await until(() => notRunning(watcher.pid!), 5000)).toBe(true);
      // Re-parented, it runs on; its end is seen by polling (no status: its parent is gone).
      expect(await child.exited).toEqual({ code: null, signal: null });
      expect(notRunning(child.pid)).toBe(true);
      // A new host serves the next run.
      const next = await spawnHosted('true', [], { env });
      expect((await next.exited).code).toBe(0);
      expect(groupWatcher().pid).not.toBe(watcher.pid);
    } finally {
      killGroup(child);
    }
  });
});
