/**
 * `npm run demo` — a whole sprint on this machine in about two minutes, with nothing but Node:
 * a Temporal dev server with its Web UI, the backend emulator with the board in examples/demo/,
 * the orchestrator emulator as RUNNER_ORCHESTRATOR_CMD, the Codex agent emulator as CODEX_BIN
 * (scripted by examples/demo/agent-script.json) and an in-process sprint-runner worker. It starts
 * sprint DEMO (workflow `sprint-DEMO`) and prints where to look and what to type; once every item
 * awaits a human, the sprint reaches its `awaiting-humans` phase and the demo prints DEMO_READY. It
 * keeps running until Ctrl-C; a rework (or a card moved by hand) wakes the same sprint workflow,
 * which runs the fix-up and the re-review by itself.
 *
 *   npm run demo [-- --exit-when-ready [--hold-file PATH]] [--verbose] [--port N] [--ui-port N]
 *
 * --exit-when-ready  shut down by itself at the rework point (after PATH is gone, with --hold-file)
 * --verbose          every runner event, not just the progress lines
 *
 * Machine-readable lines on stdout (for test/demo): `DEMO_INFO {...}`, `DEMO_READY {...}`,
 * `DEMO_STOPPED {...}`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { loadConfig, type RunnerConfig } from '../src/config';
import { createWorkers, type WorkerSet } from '../src/worker';
import { setEventWriter } from '../src/logging';
import { freePort, resolveTemporalCli, startDevServer, type DevServer } from '../src/temporal/dev-server';
import type { ItemStatus } from '../src/workflows/item/messages';
import type { SprintInput, SprintResult, SprintStatus } from '../src/workflows/sprint/messages';
import { startBackendEmulator, type BackendEmulator } from '../emulators/backend';
import { clock, progressLine, say } from './demo/progress';
import { DEMO_AGENT_SCRIPT_FILE, DEMO_BOARD, DEMO_BOARD_FILE, DEMO_ISSUES, DEMO_SPRINT, ROOT, demoRunnerEnv, parseDemoArgs, writeDemoPolicy, type DemoArgs } from './demo/settings';

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(false));
    server.listen(port, '127.0.0.1', () => server.close(() => done(true)));
  });
}

async function pickPort(wanted: number | null, preferred: number): Promise<number> {
  if (wanted) return wanted;
  return (await portIsFree(preferred)) ? preferred : freePort();
}

function ensureTemporalCli(): string {
  try {
    return resolveTemporalCli();
  } catch {
    say('Temporal CLI not built yet: running `bash scripts/setup.sh` (needs Go ≥ 1.25, once)…');
    const setup = spawnSync('bash', [join(ROOT, 'scripts', 'setup.sh')], { stdio: 'inherit' });
    if (setup.status !== 0) throw new Error('scripts/setup.sh failed; set TEMPORAL_CLI_PATH to an existing `temporal` binary to skip the build');
    return resolveTemporalCli();
  }
}

interface Demo {
  stop(reason: string): Promise<void>;
  isStopping(): boolean;
  done: Promise<void>;
}

/**
 * A Ctrl-C in the terminal signals the whole foreground process group; the dev server would stop at
 * once and the worker's last activity completions would retry against a dead server. Started in its
 * own session (through `setsid`, which execs in place, so the pid stays the one we stop), the dev
 * server stops when the demo says so: after the worker. Without `setsid` (macOS) it runs as is.
 */
function ownSessionLauncher(temporalBin: string, stateDir: string): string {
  if (spawnSync('setsid', ['--version'], { stdio: 'ignore' }).status !== 0) return temporalBin;
  const launcher = join(stateDir, 'bin', 'temporal');
  mkdirSync(join(stateDir, 'bin'), { recursive: true });
  writeFileSync(launcher, `#!/bin/sh\nexec setsid '${temporalBin.replace(/'/g, `'\\''`)}' "$@"\n`, { mode: 0o755 });
  return launcher;
}

class StoppedDuringStartup extends Error {}

function runDemo(args: DemoArgs): Demo {
  const startedAt = Date.now();
  const temporalBin = ensureTemporalCli();
  const stateDir = mkdtempSync(join(tmpdir(), 'sprint-runner-demo-'));
  const policyDir = writeDemoPolicy(join(stateDir, 'policy-bundle'));
  mkdirSync(join(stateDir, 'temporal'), { recursive: true });

  let devServer: DevServer | null = null;
  let backend: BackendEmulator | null = null;
  let nativeConnection: NativeConnection | null = null;
  let connection: Connection | null = null;
  let workers: WorkerSet | null = null;
  let workersRunning: Promise<void> | null = null;
  let stopping = false;
  let loopDone: Promise<void> = Promise.resolve();
  let startup: Promise<void> = Promise.resolve();
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));

  const stop = async (reason: string) => {
    if (stopping) return done;
    stopping = true;
    say(`\n${clock()} stopping (${reason}): worker, emulators, Temporal dev server…`);
    // A start in progress settles first (it checks \`stopping\` after each step); then all it made is stopped.
    await startup.catch(() => undefined);
    const step = async (what: string, fn: () => Promise<unknown>) => {
      const t0 = Date.now();
      try {
        await fn();
        say(`  ${what} stopped (${Date.now() - t0} ms)`);
      } catch (err) {
        say(`  ${what}: ${(err as Error).message.split('\n')[0]}`);
      }
    };
    if (workers) {
      workers.shutdown();
      await step('worker', () => Promise.race([workersRunning, new Promise((r) => setTimeout(r, 20_000))]));
    }
    await Promise.race([loopDone, new Promise((r) => setTimeout(r, 10_000))]);
    await step('client connection', async () => connection?.close());
    await step('worker connection', async () => nativeConnection?.close());
    await step('backend emulator', async () => backend?.close());
    await step('dev server', async () => devServer?.stop());
    rmSync(stateDir, { recursive: true, force: true });
    say(`DEMO_STOPPED ${JSON.stringify({ reason, uptime_s: Math.round((Date.now() - startedAt) / 1000) })}`);
    resolveDone();
  };

  const guard = () => {
    if (stopping) throw new StoppedDuringStartup();
  };
  startup = (async () => {
    // 1. Temporal with the Web UI.
    const port = await pickPort(args.port, 7233);
    const uiPort = await pickPort(args.uiPort, 8233);
    say(`${clock()} starting the Temporal dev server (${temporalBin}) on 127.0.0.1:${port}, Web UI on :${uiPort}…`);
    devServer = await startDevServer({
      port,
      uiPort,
      dbFile: join(stateDir, 'temporal', 'temporal.db'),
      logLevel: 'error',
      env: { ...process.env, TEMPORAL_CLI_PATH: ownSessionLauncher(temporalBin, stateDir) },
    });
    guard();
    const address = devServer.address;

    // 2. The systems outside sprint-runner, emulated.
    // A claim lease outlives the Codex run that took it: #101's hung claim run holds one until it
    // expires, so the blocked retry (1 min later) could not claim the item again with the default
    // 15-minute lease. The demo's backend leases claims for one minute.
    backend = await startBackendEmulator({ itemsFile: DEMO_BOARD_FILE, policyDir, repoRoot: stateDir, env: { EXECUTOR_CLAIM_TTL_MINUTES: '1' } });
    guard();
    const config: RunnerConfig = loadConfig({ ...process.env, ...demoRunnerEnv(backend.url, stateDir), TEMPORAL_ADDRESS: address });
    // Children (orchestrator, Codex) inherit only allowlisted variables: ORCHESTRATOR_*, AGENT_* pass.
    process.env.AGENT_SCRIPT_JSON = readFileSync(DEMO_AGENT_SCRIPT_FILE, 'utf8');
    process.env.ORCHESTRATOR_REPO_ROOT = policyDir;

    // 3. The worker, in this process.
    say(`${clock()} bundling the workflows and starting the worker on task queue ${config.temporalTaskQueue}…`);
    nativeConnection = await NativeConnection.connect({ address });
    guard();
    workers = await createWorkers({
      config,
      connection: nativeConnection,
      shutdownGraceTime: '3s',
      onEvent: (event) => {
        const line = progressLine(event, args.verbose);
        if (line) say(`${clock()} ${line}`);
      },
    });
    guard();
    workersRunning = workers.run().catch((err: Error) => {
      if (!stopping) {
        say(`worker failed: ${err.message}`);
        void stop('worker failed');
      }
    });

    connection = await Connection.connect({ address });
    guard();
    const client = new Client({ connection, namespace: config.temporalNamespace });
    const envPrefix = address === '127.0.0.1:7233' ? '' : `TEMPORAL_ADDRESS=${address} `;
    const uiQuery = `${devServer.uiUrl!.replace('127.0.0.1', 'localhost')}/namespaces/default/workflows?query=${encodeURIComponent(`Sprint="${DEMO_SPRINT}"`)}`;
    say(
      `DEMO_INFO ${JSON.stringify({
        sprint: DEMO_SPRINT,
        temporal_address: address,
        web_ui: uiQuery,
        backend_url: backend.url,
        task_queue: config.temporalTaskQueue,
        dev_server_pid: devServer.process.pid,
        issues: DEMO_ISSUES,
        state_dir: stateDir,
      })}`,
    );
    say(
      [
        '',
        '──────────────────────────────────────────────────────────────────────────────',
        ` sprint-runner demo: sprint ${DEMO_SPRINT}, ${DEMO_ISSUES.length} board items (examples/demo/board.json)`,
        ` Web UI     ${uiQuery}`,
        ` status     ${envPrefix}npx sprint-runner status --sprint ${DEMO_SPRINT} [--watch]`,
        ` Temporal   temporal workflow list --address ${address} --query 'Sprint="${DEMO_SPRINT}"'   (CLI: ${temporalBin})`,
        ' Expect: #101 hangs, is Blocked and retried by its timer (1 min); #102 fails review once;',
        '         then every item waits in Needs Human Approval for you.',
        '──────────────────────────────────────────────────────────────────────────────',
        '',
      ].join('\n'),
    );

    const startSprint = async () => {
      const handle = await client.workflow.start<(input: SprintInput) => Promise<SprintResult>>('sprintWorkflow', {
        taskQueue: config.temporalTaskQueue,
        workflowId: `sprint-${DEMO_SPRINT}`,
        args: [{ sprint: DEMO_SPRINT, mode: 'loop' }],
      });
      say(`${clock()} started workflow ${handle.workflowId} (run ${handle.firstExecutionRunId.slice(0, 8)})`);
      return handle;
    };

    const boardStatuses = () => Object.fromEntries(backend!.board.listProjectItems().map((item) => [item.issue_number, item.fields.Status]));
    const itemWorkflowStatus = async (issue: number): Promise<ItemStatus | null> =>
      client.workflow
        .getHandle(`sprint-${DEMO_SPRINT}-item-${issue}`)
        .query<ItemStatus>('itemStatus')
        .catch(() => null);

    // 4. The sprint, started once: it stays open while humans review (phase awaiting-humans), and a
    // rework brings it back to work by itself.
    loopDone = (async () => {
      const handle = await startSprint();
      let announced = false;
      let phase: SprintStatus['phase'] | 'ended' = 'running';
      while (!stopping) {
        await new Promise((r) => setTimeout(r, announced ? 250 : 1000));
        if (stopping) break;
        // describe, not a long-polling result(): nothing of ours is left waiting on the server at shutdown.
        if (phase !== 'ended' && (await handle.describe()).status.name !== 'RUNNING') {
          phase = 'ended';
          const outcome = await handle.result().catch((err: Error) => err);
          if (outcome instanceof WorkflowFailedError) say(`${clock()} sprint failed: ${outcome.cause?.message ?? outcome.message}`);
          else if (outcome instanceof Error) say(`${clock()} sprint: ${outcome.message}`);
          else say(`${clock()} sprint-${DEMO_SPRINT} ended (${outcome.reason})`);
        }
        if (phase === 'ended') continue;
        const status = await handle.query<SprintStatus>('sprintStatus').catch(() => null);
        if (!status) continue;
        const previous = phase;
        phase = status.phase;
        if (phase !== 'awaiting-humans') continue;
        if (announced) {
          if (previous === 'running') say(`${clock()} ✔ sprint awaits humans again (every reworked item is back in Needs Human Approval)`);
        } else {
          const statuses = boardStatuses();
          const awaiting = DEMO_ISSUES.filter((issue) => statuses[issue] === 'Needs Human Approval');
          const items = await Promise.all(DEMO_ISSUES.map(itemWorkflowStatus));
          announced = true;
          const elapsed = (Date.now() - startedAt) / 1000;
          say(
            [
              '',
              `${clock()} ✔ sprint-${DEMO_SPRINT} awaits humans after ${elapsed.toFixed(1)}s (its workflow stays open; no automatic work is left):`,
              ...items.map(
                (item, i) =>
                  `    #${item?.issueNumber ?? DEMO_ISSUES[i]} ${item?.title ?? DEMO_BOARD.issues[String(DEMO_ISSUES[i])]?.title ?? ''}  ${item?.boardStatus ?? statuses[DEMO_ISSUES[i]!]} (PR ${item?.prUrl ?? '-'})`,
              ),
              '',
              ' Try it:',
              `   ${envPrefix}npx sprint-runner status --sprint ${DEMO_SPRINT}`,
              `   ${envPrefix}npx sprint-runner rework --sprint ${DEMO_SPRINT} --issue ${DEMO_ISSUES[0]} --reason "Cap the backoff at 10 minutes and log each retry"`,
              `   ${envPrefix}npx sprint-runner close --sprint ${DEMO_SPRINT} --reason "demo over"`,
              `   open ${uiQuery}`,
              ` Ctrl-C stops everything.${args.exitWhenReady ? ' (--exit-when-ready: stopping by itself)' : ''}`,
              '',
            ].join('\n'),
          );
          say(`DEMO_READY ${JSON.stringify({ sprint: DEMO_SPRINT, elapsed_s: Number(elapsed.toFixed(1)), awaiting_approval: awaiting })}`);
        }
        // --exit-when-ready: stop once ready, or (with --hold-file) once the file is gone; until
        // then the demo keeps serving as usual.
        if (args.exitWhenReady && !(args.holdFile && existsSync(args.holdFile))) {
          void stop('ready');
          return;
        }
      }
    })().catch((err: Error) => {
      if (!stopping) {
        say(`demo failed: ${err.message}`);
        process.exitCode = 1;
        void stop('error');
      }
    });
  })();
  startup.catch((err: Error) => {
    if (err instanceof StoppedDuringStartup) return;
    process.exitCode = 1;
    say(`demo failed to start: ${err.message}`);
    void stop('start failed');
  });
  return { stop, done, isStopping: () => stopping };
}

/**
 * The worker echoes every orchestrator stderr line (DISPATCH_SUMMARY each tick) to our stderr; the
 * demo shows its own progress lines instead, so those JSON lines are only shown with --verbose.
 */
function quietOrchestratorEcho(): void {
  const write = process.stderr.write.bind(process.stderr) as (chunk: unknown, ...rest: unknown[]) => boolean;
  process.stderr.write = ((chunk: unknown, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : null;
    if (text !== null && /^\{"type":"(DISPATCH_SUMMARY|END_OF_SPRINT_SUMMARY|ORCHESTRATOR_[A-Z_]+)"/.test(text)) return true;
    return write(chunk, ...rest);
  }) as typeof process.stderr.write;
}

async function main(): Promise<void> {
  let args: DemoArgs;
  try {
    args = parseDemoArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }
  // We handle SIGINT/SIGTERM ourselves (ordered shutdown), not the Temporal runtime.
  Runtime.install({ logger: new DefaultLogger('ERROR'), shutdownSignals: [] });
  // Activity-side events (orchestrator ticks, Codex heartbeats): only with --verbose.
  setEventWriter((event) => {
    if (!args.verbose) return;
    const line = progressLine(event, true);
    if (line) say(`${clock()} ${line}`);
  });
  if (!args.verbose) quietOrchestratorEcho();
  let demo: Demo | null = null;
  let firstSignalAt = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    // npm and tsx both relay a signal, so one Ctrl-C can arrive twice: only a later one forces.
    if (firstSignalAt && Date.now() - firstSignalAt > 1500) {
      say(`${signal} again: exiting now`);
      process.exit(130);
    }
    if (firstSignalAt) return;
    firstSignalAt = Date.now();
    if (demo) void demo.stop(signal);
    else process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('uncaughtException', (err) => {
    // While shutting down, a gRPC call retried on a closed channel may still throw from a timer.
    if (demo?.isStopping() && /Channel has been shut down/.test(err.message)) return;
    process.stderr.write(`demo: ${err.stack ?? err.message}\n`);
    process.exit(1);
  });
  demo = runDemo(args);
  await demo.done;
  // Nothing of ours is left; do not wait for stray handles (e.g. a gRPC channel winding down).
  setTimeout(() => process.exit(process.exitCode ?? 0), 500).unref();
}

if (require.main === module) {
  main().catch((err: Error) => {
    process.stderr.write(`demo: ${err.stack ?? err.message}\n`);
    process.exit(1);
  });
}
