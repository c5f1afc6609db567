/**
 * A tick's orchestrator output is complete once it is a whole cycle (every intent line the
 * DISPATCH_SUMMARY counts, and END_OF_SPRINT_SUMMARY when it says `completed`) — the tick does not
 * wait for the process's slow exit. Anything short of that still waits for the exit.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config';
import { cycleComplete, runOrchestratorOnce } from '../../src/activities/orchestrator-process';
import { until } from '../support/real-codex';
import { notRunning } from './support';

const summary = (total: number, completed: boolean) =>
  JSON.stringify({ type: 'DISPATCH_SUMMARY', sprint: 'M1', intents_emitted: { EXECUTOR: total, REVIEWER: 0, total }, completed });
const intent = (n: number) => JSON.stringify({ type: 'RUN_INTENT', role: 'EXECUTOR', run_id: `run-${n}`, endpoint: '/internal/executor/claim-ready-item', body: {} });

/** An orchestrator that prints `stdout` and `stderr` lines (stderr entries may be pauses in ms), then stays `lingerMs` before exiting 0. */
function orchestrator(steps: Array<{ out?: string; err?: string; pauseMs?: number }>, lingerMs: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'sr-cycle-'));
  const script = join(dir, 'orchestrator.js');
  writeFileSync(
    script,
    `const steps = ${JSON.stringify(steps)};
     process.stderr.write(process.pid + '\\n');
     (async () => {
       for (const step of steps) {
         if (step.out) process.stdout.write(step.out + '\\n');
         if (step.err) process.stderr.write(step.err + '\\n');
         if (step.pauseMs) await new Promise((r) => setTimeout(r, step.pauseMs));
       }
       setTimeout(() => process.exit(0), ${lingerMs});
     })();`,
  );
  return `${process.execPath} ${script}`;
}

async function tick(command: string) {
  let pid = 0;
  const config = loadConfig({ RUNNER_ORCHESTRATOR_CMD: command });
  const output = await runOrchestratorOnce(config, 'M1', { onStderrLine: (line) => (pid ||= Number(line)) });
  return { output, pid, runningAtReturn: !notRunning(pid) };
}

describe('cycleComplete', () => {
  it('needs the summary, exactly its count of intent lines, and END_OF_SPRINT when completed', () => {
    expect(cycleComplete(2, null, false)).toBe(false);
    expect(cycleComplete(1, { total: 2, completed: false }, false)).toBe(false);
    expect(cycleComplete(2, { total: 2, completed: false }, false)).toBe(true);
    expect(cycleComplete(3, { total: 2, completed: false }, false)).toBe(false);
    expect(cycleComplete(0, { total: 0, completed: true }, false)).toBe(false);
    expect(cycleComplete(0, { total: 0, completed: true }, true)).toBe(true);
  });
});

describe('runOrchestratorOnce', () => {
  it('returns a whole cycle while the process is still exiting, and the process ends on its own', async () => {
    const { output, pid, runningAtReturn } = await tick(orchestrator([{ out: intent(1) }, { out: intent(2) }, { err: summary(2, false) }], 60_000));
    try {
      expect(runningAtReturn).toBe(true);
      expect(output).toMatchObject({ exitCode: 0, beforeExit: true });
      expect(output.stdoutLines.map(String)).toEqual([intent(1), intent(2)]);
      expect(output.stderrLines.at(-1)).toBe(summary(2, false));
    } finally {
      process.kill(pid, 'SIGKILL');
    }
  });

  it('waits for END_OF_SPRINT_SUMMARY after a completed summary', async () => {
    const end = JSON.stringify({ type: 'END_OF_SPRINT_SUMMARY', sprint: 'M1' });
    const { output, pid } = await tick(orchestrator([{ err: summary(0, true), pauseMs: 300 }, { err: end }], 60_000));
    try {
      expect(output.beforeExit).toBe(true);
      expect(output.stderrLines.at(-1)).toBe(end);
    } finally {
      process.kill(pid, 'SIGKILL');
    }
  });

  it('waits for the exit when the lines do not add up to the summary', async () => {
    // Summary says 3, only 2 lines: nothing is taken before the process has exited and every line is in.
    const { output, runningAtReturn } = await tick(orchestrator([{ out: intent(1) }, { out: intent(2) }, { err: summary(3, false) }], 300));
    expect(runningAtReturn).toBe(false);
    expect(output).toMatchObject({ exitCode: 0, beforeExit: false });
    expect(output.stdoutLines).toHaveLength(2);
  });

  it('keeps the exit code of an orchestrator that fails before its summary', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sr-cycle-'));
    writeFileSync(join(dir, 'fail.js'), `process.stdout.write(${JSON.stringify(intent(1))} + '\\n'); process.stderr.write('boom\\n'); process.exit(3);`);
    const output = await runOrchestratorOnce(loadConfig({ RUNNER_ORCHESTRATOR_CMD: `${process.execPath} ${join(dir, 'fail.js')}` }), 'M1');
    expect(output).toMatchObject({ exitCode: 3, beforeExit: false });
  });

  it('kills an orchestrator that lingers after its cycle', async () => {
    let pid = 0;
    const config = loadConfig({ RUNNER_ORCHESTRATOR_CMD: orchestrator([{ err: summary(0, false) }], 600_000) });
    const output = await runOrchestratorOnce(config, 'M1', { onStderrLine: (line) => (pid ||= Number(line)), exitGraceMs: 200 });
    expect(output.beforeExit).toBe(true);
    expect(await until(() => notRunning(pid), 5000)).toBe(true);
  });
});
