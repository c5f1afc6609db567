/**
 * The orchestrator emulator (emulators/orchestrator/cli.ts), unchanged, with a tap on its stdout:
 * the moment each RUN_INTENT line is handed to process.stdout.write is recorded as
 * {at: epoch ms, run_id} and appended to $ORCHESTRATOR_BENCH_TAP_LOG when the process exits.
 * This is the "intent emitted" timestamp of the overhead benchmark. Used as RUNNER_ORCHESTRATOR_CMD:
 *   node --require tsx/cjs bench/support/orchestrator-tap.ts --loop
 * (ORCHESTRATOR_* variables reach the orchestrator through the runner's child allowlist.)
 */
import { appendFileSync } from 'node:fs';
import { exitCodeFor, runOrchestratorCli } from '../../emulators/orchestrator/cli';

const logPath = process.env.ORCHESTRATOR_BENCH_TAP_LOG;
const taps: string[] = [];
const originalWrite = process.stdout.write.bind(process.stdout);
let pending = '';

if (logPath) {
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const at = Date.now();
    pending += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    let newline = pending.indexOf('\n');
    while (newline >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      const match = /"run_id":"([0-9a-f-]{36})"/.exec(line);
      if (match) taps.push(`{"at":${at},"run_id":"${match[1]}","pid":${process.pid}}`);
      newline = pending.indexOf('\n');
    }
    return (originalWrite as (...args: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stdout.write;
  process.on('exit', () => {
    if (taps.length) appendFileSync(logPath, `${taps.join('\n')}\n`);
  });
}

function exitAfterFlush(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

runOrchestratorCli(process.argv.slice(2), process.env).then(exitAfterFlush, (err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  exitAfterFlush(exitCodeFor(err));
});
