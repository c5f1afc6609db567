/**
 * `npm run demo` as a newcomer runs it: a real child process (npm → tsx → the demo) with its own
 * Temporal dev server + Web UI, emulators and in-process worker. The test reads the demo's
 * machine-readable lines (DEMO_INFO, DEMO_READY, DEMO_STOPPED), runs the operator commands the
 * demo prints while it holds at the rework point, and checks that nothing it started survives.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from '../../src/temporal/dev-server';
import { DEMO_ISSUES, DEMO_SPRINT } from '../../scripts/demo/settings';
import { markedProcesses, processGroupAlive, processMarker, watchMarkedProcesses } from '../support/processes';

const ROOT = join(__dirname, '..', '..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

interface DemoInfo {
  sprint: string;
  temporal_address: string;
  web_ui: string;
  dev_server_pid: number;
  issues: number[];
}

interface RunningDemo {
  child: ChildProcess;
  lines: string[];
  exited: Promise<number | null>;
  waitFor(pattern: RegExp, timeoutMs: number): Promise<string>;
}

function startDemo(args: string[], env: Record<string, string>): RunningDemo {
  // Own process group (like a terminal job), so a Ctrl-C can be sent to all of it.
  const child = spawn(NPM, ['run', '--silent', 'demo', '--', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env, RUNNER_LOG_FORMAT: 'json' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const lines: string[] = [];
  const waiters: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
  const onLine = (line: string) => {
    lines.push(line);
    for (const waiter of [...waiters]) {
      if (waiter.pattern.test(line)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  };
  createInterface({ input: child.stdout! }).on('line', onLine);
  createInterface({ input: child.stderr! }).on('line', (line) => onLine(`[stderr] ${line}`));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    lines,
    exited,
    waitFor(pattern, timeoutMs) {
      const already = lines.find((line) => pattern.test(line));
      if (already) return Promise.resolve(already);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`demo did not print ${pattern} within ${timeoutMs} ms:\n${lines.slice(-40).join('\n')}`)), timeoutMs);
        const waiter = { pattern, resolve: (line: string) => (clearTimeout(timer), resolve(line)) };
        waiters.push(waiter);
        void exited.then((code) => {
          if (!waiters.includes(waiter)) return;
          clearTimeout(timer);
          reject(new Error(`demo exited (${code}) before printing ${pattern}:\n${lines.slice(-40).join('\n')}`));
        });
      });
    },
  };
}

function payload<T>(line: string): T {
  return JSON.parse(line.slice(line.indexOf('{'))) as T;
}

/** The operator CLI exactly as the demo prints it: `npx sprint-runner …`. */
function sprintRunner(args: string[], address: string): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('npx', ['--no-install', 'sprint-runner', ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, TEMPORAL_ADDRESS: address } }, (error, stdout, stderr) =>
      resolve({ status: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function ports(): Promise<string[]> {
  return ['--port', String(await freePort()), '--ui-port', String(await freePort())];
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals) {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // Already gone.
  }
}

describe('npm run demo (a real child process: dev server + Web UI, emulators, worker)', () => {
  const running: RunningDemo[] = [];
  afterAll(async () => {
    // Only if a test failed half-way: never leave a demo behind.
    for (const demo of running) {
      if (demo.child.exitCode === null && demo.child.signalCode === null) {
        killGroup(demo.child, 'SIGKILL');
        await demo.exited;
      }
    }
  });

  it('reaches the rework point, serves status/rework while held, exits by itself and leaves no process behind', async () => {
    const marker = processMarker('AGENT_DEMO_TEST_MARKER');
    const dir = mkdtempSync(join(tmpdir(), 'sr-demo-test-'));
    const holdFile = join(dir, 'hold');
    writeFileSync(holdFile, 'the test is still looking\n');
    const watcher = watchMarkedProcesses(marker.name, marker.value);
    const startedAt = Date.now();
    const demo = startDemo(['--exit-when-ready', '--hold-file', holdFile, ...(await ports())], marker.env);
    running.push(demo);
    try {
      const info = payload<DemoInfo>(await demo.waitFor(/^DEMO_INFO /, 90_000));
      expect(info.sprint).toBe(DEMO_SPRINT);
      expect(info.issues).toEqual(DEMO_ISSUES);
      expect(info.web_ui).toContain(`/namespaces/default/workflows?query=${encodeURIComponent('Sprint="DEMO"')}`);
      expect((await fetch(info.web_ui.replace('//localhost:', '//127.0.0.1:'))).status).toBe(200); // the Web UI is up

      const ready = payload<{ elapsed_s: number; awaiting_approval: number[] }>(await demo.waitFor(/^DEMO_READY /, 240_000));
      const wallS = (Date.now() - startedAt) / 1000;
      console.log(`demo reached the rework point: ${ready.elapsed_s}s by its own clock, ${wallS.toFixed(1)}s including npm/tsx start`);
      expect(ready.awaiting_approval).toEqual(DEMO_ISSUES);
      // The scripted story happened: a timed-out executor, Blocked, its timer's retry; a FAIL, then PASS.
      const story = demo.lines.join('\n');
      expect(story).toMatch(/#101 EXECUTOR run \w+ FAILED: ITEM_STOP mcp_timeout/);
      expect(story).toMatch(/#101 In Progress → Blocked/);
      expect(story).toMatch(/#101 blocked-retry timer fired: Blocked → Ready/);
      expect(story).toMatch(/#102 review FAIL[\s\S]*#102 review PASS/);
      // The commands it prints are the ones run below.
      expect(story).toContain(`npx sprint-runner status --sprint ${DEMO_SPRINT}`);
      expect(story).toMatch(/npx sprint-runner rework --sprint DEMO --issue 101 --reason "/);

      // status --json shows every demo item, awaiting approval.
      const status = await sprintRunner(['status', '--sprint', DEMO_SPRINT, '--json'], info.temporal_address);
      expect(status.stderr).not.toMatch(/error/i);
      expect(status.status).toBe(0);
      const listed = JSON.parse(status.stdout) as { sprint: string; items: Array<{ issueNumber: number; boardStatus: string; prUrl: string | null }> };
      expect(listed.sprint).toBe(DEMO_SPRINT);
      expect(listed.items.map((item) => item.issueNumber)).toEqual(DEMO_ISSUES);
      for (const item of listed.items) expect(item).toMatchObject({ boardStatus: 'Needs Human Approval', prUrl: expect.stringContaining('/pull/') });

      // Two humans send #101 back at once: one request is applied, the other is refused (the item is no
      // longer awaiting approval, or the first is being applied). Sent together, so the refusal does not
      // depend on the fix-up cycle being slower than a second CLI start (once it was not).
      const answers = await Promise.all(
        ['Cap the backoff at 10 minutes', 'and log each retry'].map((reason) =>
          sprintRunner(['rework', '--sprint', DEMO_SPRINT, '--issue', '101', '--reason', reason], info.temporal_address),
        ),
      );
      const accepted = answers.filter((answer) => answer.status === 0);
      const rejected = answers.filter((answer) => answer.status !== 0);
      expect(accepted).toHaveLength(1);
      expect(accepted[0]).toMatchObject({ stdout: expect.stringContaining('rework requested: sprint-DEMO-item-101 is now In Review') });
      expect(rejected).toHaveLength(1);
      expect(rejected[0]!.status).toBe(1);
      expect(rejected[0]!.stderr).toMatch(
        /rework rejected for #101: item #101 (is (In Review|In Progress); rework is only possible from Needs Human Approval|already has a rework request being applied)/,
      );
      // The same sprint wakes by itself: fix-up on the PR, re-review, back to Needs Human Approval.
      await demo.waitFor(/#101 human rework requested/, 30_000);
      await demo.waitFor(/#101 EXECUTOR run \w+ started \(resolve-linked-pr\)/, 60_000);
      await demo.waitFor(/#101 review PASS/, 60_000);
      await demo.waitFor(/sprint awaits humans again/, 60_000);
      expect(demo.lines.filter((line) => /started workflow sprint-DEMO /.test(line))).toHaveLength(1);

      const marked = markedProcesses(marker.name, marker.value);
      expect(marked.some((p) => p.pid === info.dev_server_pid)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true }); // releases the hold: the demo stops by itself
    }
    const code = await Promise.race([demo.exited, new Promise<string>((r) => setTimeout(() => r('still running after 60 s'), 60_000))]);
    expect(code).toBe(0);
    expect(demo.lines.some((line) => /^DEMO_STOPPED .*"reason":"ready"/.test(line))).toBe(true);
    expect(demo.lines.filter((line) => line.startsWith('[stderr]') && !/npm warn/i.test(line))).toEqual([]);

    const seen = watcher.stop();
    // It did start children: the dev server, orchestrator ticks, Codex (agent emulator) runs.
    // One string, so a failure prints every command the watcher saw.
    const commands = [...seen.values()].join('\n');
    expect(commands).toContain('server start-dev');
    expect(commands).toContain('emulators/orchestrator/cli.ts');
    expect(commands).toContain('codex-emulator.js');
    // ...and none of them, nor anything in its process group, is left.
    await new Promise((r) => setTimeout(r, 500));
    expect(markedProcesses(marker.name, marker.value)).toEqual([]);
    expect(processGroupAlive(demo.child.pid!)).toBe(false);
  }, 420_000);

  it('Ctrl-C (SIGINT to the process group) mid-sprint shuts everything down cleanly', async () => {
    const marker = processMarker('AGENT_DEMO_TEST_MARKER');
    const watcher = watchMarkedProcesses(marker.name, marker.value, 250);
    const demo = startDemo(await ports(), marker.env);
    running.push(demo);
    await demo.waitFor(/^DEMO_INFO /, 90_000);
    // Interrupt while Codex runs are in flight (#101's run hangs until its deadline).
    await demo.waitFor(/#101 EXECUTOR run \w+ started/, 60_000);
    await new Promise((r) => setTimeout(r, 1500));
    const before = markedProcesses(marker.name, marker.value);
    expect(before.some((p) => p.cmd.includes('codex-emulator.js'))).toBe(true);
    const sentAt = Date.now();
    killGroup(demo.child, 'SIGINT');
    const code = await Promise.race([demo.exited, new Promise<string>((r) => setTimeout(() => r('still running after 60 s'), 60_000))]);
    console.log(`demo stopped ${Date.now() - sentAt} ms after SIGINT`);
    expect(demo.lines.some((line) => /^DEMO_STOPPED .*"reason":"SIGINT"/.test(line))).toBe(true);
    // npm itself dies of the SIGINT (as in a terminal); the demo under it finished its shutdown first.
    expect(code === 0 || (code === null && demo.child.signalCode === 'SIGINT')).toBe(true);
    watcher.stop();
    await new Promise((r) => setTimeout(r, 500));
    expect(markedProcesses(marker.name, marker.value)).toEqual([]);
    expect(processGroupAlive(demo.child.pid!)).toBe(false);
  }, 180_000);
});
