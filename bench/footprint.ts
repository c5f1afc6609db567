/**
 * Footprint (issue #18): the runner's own cost, measured on the product as operators run it — the
 * CLI worker `node bin/sprint-runner.js worker` in its own process (compiled dist/ when current),
 * each section on a fresh headless dev server. CPU is utime+stime from /proc/<pid>/stat of the
 * worker pid and of the dev-server pid, read before and after, so the orchestrator and agent
 * processes (the worker's children) are excluded; their CPU is shown on its own line.
 *
 *   cold start   spawn `sprint-runner worker` → first workflow task picked up (a smoke workflow
 *                waits on the queue), compiled and with SPRINT_RUNNER_NO_DIST=1 (tsx + webpack at start)
 *   sprint 3/2   60 Ready items, 3 executor / 2 reviewer slots, 1 s ticks, agent think time 300 ms:
 *                CPU per Codex run, worker RSS, intent emitted → Codex spawned
 *   sprint 16/16 48 Ready items at 16/16 slots: intent emitted → Codex spawned
 *   open items   1,000 item workflows left open (dry run, loop mode): worker RSS, at the default cache and a small one
 *   intake       10,000 intents from one orchestrator run (dry run, mode once): intents/s end to end
 *
 * "Intent emitted" is the orchestrator emulator's stdout write of the RUN_INTENT line (the tap);
 * "Codex spawned" is the agent emulator process's start (performance.timeOrigin, AGENT_EVENTS_LOG
 * `spawned_at`). The previous run's figures (bench/.last-footprint.json, gitignored) print beside.
 *   BENCH_FOOTPRINT_ITEMS (60), BENCH_FOOTPRINT_WIDE_ITEMS (48), BENCH_FOOTPRINT_OPEN (1000),
 *   BENCH_FOOTPRINT_OPEN_SMALL_CACHE (150: the open items again at that RUNNER_MAX_CACHED_WORKFLOWS),
 *   BENCH_FOOTPRINT_INTAKE (10000), BENCH_FOOTPRINT_INTAKE_MAX_S (240), BENCH_FOOTPRINT_THINK_MS (300),
 *   BENCH_FOOTPRINT_SECTIONS (cold,sprint,wide,open,intake), BENCH_FOOTPRINT_CPU_PROF=<dir> (worker --cpu-prof: sprint 3/2 and intake),
 *   BENCH_FOOTPRINT_HEAP_SNAPSHOT=<dir> (a heap snapshot of the worker holding the open item workflows),
 *   BENCH_WORKER_NODE_OPTIONS (node options of the worker process only, e.g. V8 heap flags to compare)
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { itemWorkflowId, sprintStatusQuery, sprintWorkflow, sprintWorkflowId, stopSignal } from '../src/workflows';
import { ROOT, startBenchTemporal, type BenchTemporal } from './support/temporal';
import { boardItem, startBenchRig, type BenchRig } from './support/rig';
import { ET, eventId, eventTimeMs } from './support/history';
import { procCpuS, procRssMiB } from './support/proc';
import { distribution, envInt, pct, round, sleep, waitFor, type Distribution } from './support/stats';
import { freshPrebuiltWorkflowBundle } from '../src/workflow-bundle';
import type { BenchContext, BenchResult, Figure } from './types';

const LAST_RESULT = join(ROOT, 'bench', '.last-footprint.json');
const CLI = join(ROOT, 'bin', 'sprint-runner.js');

// ---------------------------------------------------------------- the CLI worker as a child process

interface CliWorker {
  child: ChildProcess;
  pid: number;
  spawnedAt: number;
  /** Runner events from its stderr (JSON lines) with the time this process read them. */
  events: Array<{ type: string; at_ms: number; [key: string]: unknown }>;
  count(type: string): number;
  /** VmHWM (peak RSS) from /proc, MiB. */
  peakRssMiB(): number | null;
  /** utime+stime of the worker process alone / of its process host / of the runs they reaped (orchestrator, agents), s. */
  cpuS(): { self: number; host: number; children: number };
  /** RSS of the worker's process host (group-reaper.ts), MiB. */
  hostRssMiB(): number | null;
  stop(): Promise<void>;
}

function procPeakRssMiB(pid: number): number | null {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** The environment and node flags of bin/sprint-runner.js's `#!/usr/bin/env -S VAR=value node --flag` line. */
function cliShebang(): { env: Record<string, string>; nodeFlags: string[] } {
  const words = (readFileSync(CLI, 'utf8').split('\n')[0] ?? '').replace(/^#!\S*env -S\s+/, '').split(/\s+/);
  const node = words.indexOf('node');
  const env = Object.fromEntries(words.slice(0, Math.max(0, node)).map((word) => word.split('=', 2) as [string, string]));
  return { env, nodeFlags: node >= 0 ? words.slice(node + 1) : [] };
}

function spawnCliWorker(env: Record<string, string>, log: WriteStream, options: { noDist?: boolean; cpuProfDir?: string; heapSnapshotDir?: string } = {}): CliWorker {
  const execArgv = [
    ...(options.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfDir] : []),
    ...(options.heapSnapshotDir ? ['--heapsnapshot-signal=SIGUSR2', '--diagnostic-dir', options.heapSnapshotDir] : []),
  ];
  const spawnedAt = Date.now();
  // Run as `npx sprint-runner worker` runs: with the process settings of the bin's shebang. Profiling
  // flags are not allowed in NODE_OPTIONS: then node is started with the shebang's settings spelled out.
  const shebang = cliShebang();
  const nodeOptions = process.env.BENCH_WORKER_NODE_OPTIONS;
  const [command, args] = execArgv.length ? [process.execPath, [...shebang.nodeFlags, ...execArgv, CLI, 'worker']] : [CLI, ['worker']];
  const child = spawn(command, args, {
    env: {
      ...process.env,
      ...env,
      ...(execArgv.length ? shebang.env : {}),
      ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}),
      RUNNER_WORKER_VERSIONING: 'false',
      RUNNER_SHUTDOWN_GRACE_S: '2',
      RUNNER_LOG_FORMAT: 'json',
      ...(options.noDist ? { SPRINT_RUNNER_NO_DIST: '1', SPRINT_RUNNER_TRUST_DIST: '0' } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const events: CliWorker['events'] = [];
  const counts = new Map<string, number>();
  let lastDryRunAt = 0;
  let pending = '';
  child.stdout!.pipe(log, { end: false });
  child.stderr!.on('data', (chunk: Buffer) => {
    log.write(chunk);
    const at = Date.now();
    pending += chunk.toString('utf8');
    let newline = pending.indexOf('\n');
    while (newline >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      newline = pending.indexOf('\n');
      if (!line.startsWith('{')) continue;
      try {
        const event = JSON.parse(line) as { type?: unknown };
        if (typeof event.type !== 'string') continue;
        counts.set(event.type, (counts.get(event.type) ?? 0) + 1);
        // Dry-run executions are only counted and timed (10,000 of them in intake).
        if (event.type === 'DRY_RUN_WOULD_EXECUTE') lastDryRunAt = at;
        else events.push({ ...(event as { type: string }), at_ms: at });
      } catch {
        /* a log line that is not an event */
      }
    }
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // An interrupted bench must not leave the worker polling a dead server.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  void exited.then(() => process.off('exit', killOnExit));
  const pid = child.pid!;
  const worker: CliWorker & { lastDryRunAt(): number } = {
    child,
    pid,
    spawnedAt,
    events,
    count: (type) => counts.get(type) ?? 0,
    peakRssMiB: () => procPeakRssMiB(pid),
    cpuS: () => {
      const self = procCpuS(pid) ?? 0;
      const withChildren = procCpuS(pid, true) ?? 0;
      // The worker's process host (its group watcher, which starts the runs) is the runner's too; what it reaped is not.
      const host = processHostPid(pid);
      const hostSelf = procCpuS(host) ?? 0;
      const hostWithChildren = procCpuS(host, true) ?? 0;
      return { self, host: hostSelf, children: withChildren - self + hostWithChildren - hostSelf };
    },
    hostRssMiB: () => procRssMiB(processHostPid(pid)),
    lastDryRunAt: () => lastDryRunAt,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await Promise.race([exited, sleep(20_000)]);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
  return worker;
}

async function workerReady(worker: CliWorker, timeoutMs = 120_000): Promise<void> {
  await waitFor(
    'RUNNER_WORKER_READY from the CLI worker',
    () => {
      if (worker.child.exitCode !== null) throw new Error(`CLI worker exited with ${worker.child.exitCode} before it was ready`);
      return worker.count('RUNNER_WORKER_READY') > 0;
    },
    timeoutMs,
    50,
  );
}

function readJsonl<T>(path: string): T[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as T);
}

// ---------------------------------------------------------------- sections

/**
 * Stall handling is not what the footprint measures: at the rig's 25 s default every In Review item
 * (all synthetic intents are reviewer intents) would fire a stall check every 25 s.
 */
const NO_STALL_CHECKS = { REVIEW_STALL_POLLS: '100000', REVIEW_STALL_MINUTES: '600' };

interface Section {
  temporal: BenchTemporal;
  rig: BenchRig;
  log: WriteStream;
}

async function withSection<T>(rigOptions: Parameters<typeof startBenchRig>[1], fn: (s: Section) => Promise<T>): Promise<T> {
  const temporal = await startBenchTemporal();
  const log = createWriteStream(join(ROOT, 'bench-results', `footprint-worker-${process.pid}-${Date.now()}.log`));
  try {
    const rig = await startBenchRig(temporal, { ...rigOptions, noWorkers: true });
    try {
      return await fn({ temporal, rig, log });
    } finally {
      await rig.stop();
    }
  } finally {
    log.end();
    await temporal.close();
  }
}

/** spawn → the first workflow task of a workflow already waiting on the queue is started. */
async function coldStart(ctx: BenchContext, noDist: boolean): Promise<{ firstTaskS: number; readyS: number; idleRssMiB: number | null; cpuS: number }> {
  return withSection({ board: { items: [] } }, async ({ temporal, rig, log }) => {
    const workflowId = `footprint-cold-${process.pid}-${Date.now()}`;
    const handle = await temporal.client.workflow.start('smokeWorkflow', {
      taskQueue: rig.config.temporalTaskQueue,
      workflowId,
      args: [{ timerMs: 1, waitForSignalMs: 1 }],
    });
    const worker = spawnCliWorker(rig.configEnv, log, { noDist });
    try {
      await workerReady(worker);
      const readyS = (worker.events.find((e) => e.type === 'RUNNER_WORKER_READY')!.at_ms - worker.spawnedAt) / 1000;
      const started = await waitFor(
        'the first workflow task',
        async () => {
          const history = await handle.fetchHistory();
          return history.events?.find((e) => e.eventType === ET.EVENT_TYPE_WORKFLOW_TASK_STARTED) ?? null;
        },
        120_000,
        100,
      );
      // Only the first task matters (the smoke workflow's activity lives on another queue's worker set).
      await handle.terminate('footprint: cold start measured').catch(() => undefined);
      await sleep(500);
      const result = { firstTaskS: (eventTimeMs(started) - worker.spawnedAt) / 1000, readyS, idleRssMiB: procRssMiB(worker.pid), cpuS: worker.cpuS().self };
      ctx.log(
        `footprint: cold start (${noDist ? 'tsx, bundling at start' : 'compiled'}) ${result.firstTaskS.toFixed(2)} s to the first task, RSS ${result.idleRssMiB?.toFixed(0)} MiB, CPU ${result.cpuS.toFixed(2)} s`,
      );
      return result;
    } finally {
      await worker.stop();
    }
  });
}

interface SprintFigures {
  runs: number;
  wallS: number;
  workerCpuS: number;
  /** The worker's process host (group watcher that starts the runs). */
  hostCpuS: number;
  serverCpuS: number;
  childrenCpuS: number;
  peakRssMiB: number | null;
  hostRssMiB: number | null;
  meanRssMiB: number | null;
  emittedToSpawned: Distribution;
  /** The same, only for runs scheduled while a slot of their queue stood free (no queueing). */
  freeSlotToSpawned: Distribution;
  /** Intent emitted → its runCodexWorker activity scheduled (routing, the item workflow's task). */
  emittedToScheduled: Distribution;
  /** …of which: emitted → the tick's orchestrator activity completed (the orchestrator run's rest, the activity's result). */
  emittedToTickEnd: Distribution;
  /** …then → the item's runIntent signal (the sprint's task, routeIntents, signal-with-start). */
  tickEndToSignaled: Distribution;
  /** …then → runCodexWorker scheduled (the item workflow's task). */
  signaledToScheduled: Distribution;
  /** Activity scheduled → started: waiting for a free Codex slot. */
  slotWait: Distribution;
  /** Activity started → agent process started (the activity's own path to the spawn). */
  startedToSpawned: Distribution;
  /** Codex activity started → completed: how long a run holds its slot. */
  slotHeld: Distribution;
  notSpawned: number;
  /** Orchestrator ticks of the sprint until every item was in Needs Human Approval. */
  ticks: number | null;
  /** History events of the sprint's current run and of every item workflow (all their runs). */
  historyEvents: number | null;
  /** The same per workflow kind and event type (`item ACTIVITY_TASK_SCHEDULED`). */
  historyEventTypes: Record<string, number>;
  problems: string[];
}

/** When the item workflow scheduled a run's Codex activity, and when a worker slot started it (server times). */
interface CodexActivityTimes {
  scheduledMs: number;
  startedMs: number;
  /** Server time of the item's runIntent signal that carried this run. */
  signaledMs: number | null;
  /** When the activity completed (its slot was free again); null if it did not complete. */
  completedMs: number | null;
  /** The activity's task queue (one per role, each with its own slots). */
  taskQueue: string;
}

/**
 * The events in the histories of the sprint (its current run) and of its items (every run of each),
 * and per run_id the first `runCodexWorker` activity's scheduled and started times.
 */
async function readHistories(
  temporal: BenchTemporal,
  sprint: string,
  items: number,
): Promise<{ events: number; eventTypes: Map<string, number>; codexActivities: Map<string, CodexActivityTimes>; orchestratorCompletedMs: number[] } | null> {
  try {
    const sprintHistory = (await temporal.client.workflow.getHandle(sprintWorkflowId(sprint)).fetchHistory()).events ?? [];
    let events = sprintHistory.length;
    // Per event type, sprint and items together: where the server's work per run goes.
    const eventTypes = new Map<string, number>();
    const tally = (history: typeof sprintHistory, owner: 'sprint' | 'item') => {
      for (const event of history) {
        const name = `${owner} ${(ET[event.eventType ?? 0] ?? String(event.eventType)).replace(/^EVENT_TYPE_/, '')}`;
        eventTypes.set(name, (eventTypes.get(name) ?? 0) + 1);
      }
    };
    tally(sprintHistory, 'sprint');
    if (process.env.DUMP_HISTORY)
      writeFileSync(
        `${process.env.DUMP_HISTORY}-sprint.json`,
        JSON.stringify(sprintHistory.map((e) => ({ id: String(e.eventId), t: (ET[e.eventType ?? 0] ?? '').replace(/^EVENT_TYPE_/, ''), a: e }))),
      );
    // When each tick's orchestrator activity completed (server time), in order.
    const orchestratorScheduled = new Set<number>();
    const orchestratorCompletedMs: number[] = [];
    for (const event of sprintHistory) {
      if (event.activityTaskScheduledEventAttributes?.activityType?.name === 'runOrchestrator') orchestratorScheduled.add(eventId(event));
      const completed = event.activityTaskCompletedEventAttributes;
      if (completed && orchestratorScheduled.has(Number(String(completed.scheduledEventId)))) orchestratorCompletedMs.push(eventTimeMs(event));
    }
    const codexActivities = new Map<string, CodexActivityTimes>();
    for (let issue = 1; issue <= items; issue += 1) {
      for await (const run of temporal.client.workflow.list({ query: `WorkflowId="${itemWorkflowId(sprint, issue)}"` })) {
        const history = (await temporal.client.workflow.getHandle(run.workflowId, run.runId).fetchHistory()).events ?? [];
        events += history.length;
        tally(history, 'item');
        if (process.env.DUMP_HISTORY && issue <= 3)
          writeFileSync(
            `${process.env.DUMP_HISTORY}-${issue}.json`,
            JSON.stringify(history.map((e) => ({ id: String(e.eventId), t: (ET[e.eventType ?? 0] ?? '').replace(/^EVENT_TYPE_/, ''), a: e }))),
          );
        const scheduled = new Map<number, { runId: string; at: number; taskQueue: string }>();
        const signaled = new Map<string, number>();
        for (const event of history) {
          const signal = event.workflowExecutionSignaledEventAttributes;
          if (signal?.signalName === 'runIntent') {
            const payload = JSON.parse(Buffer.from(signal.input?.payloads?.[0]?.data ?? []).toString('utf8') || '{}') as { intent?: { run_id?: string } };
            if (payload.intent?.run_id && !signaled.has(payload.intent.run_id)) signaled.set(payload.intent.run_id, eventTimeMs(event));
          }
          const attrs = event.activityTaskScheduledEventAttributes;
          if (attrs?.activityType?.name === 'runCodexWorker') {
            const input = JSON.parse(Buffer.from(attrs.input?.payloads?.[0]?.data ?? []).toString('utf8') || '{}') as { intent?: { run_id?: string } };
            const runId = input.intent?.run_id;
            if (runId) scheduled.set(eventId(event), { runId, at: eventTimeMs(event), taskQueue: attrs.taskQueue?.name ?? '' });
          }
          const started = event.activityTaskStartedEventAttributes;
          const match = started ? scheduled.get(Number(String(started.scheduledEventId))) : undefined;
          if (match && !codexActivities.has(match.runId))
            codexActivities.set(match.runId, {
              scheduledMs: match.at,
              startedMs: eventTimeMs(event),
              signaledMs: signaled.get(match.runId) ?? null,
              completedMs: null,
              taskQueue: match.taskQueue,
            });
          const completed = event.activityTaskCompletedEventAttributes;
          const ran = completed ? scheduled.get(Number(String(completed.scheduledEventId))) : undefined;
          const times = ran ? codexActivities.get(ran.runId) : undefined;
          if (times && times.completedMs === null) times.completedMs = eventTimeMs(event);
        }
      }
    }
    return { events, eventTypes, codexActivities, orchestratorCompletedMs };
  } catch {
    return null;
  }
}

/** The worker's process host: its child running the group watcher's source (`node -e …`). */
function processHostPid(workerPid: number): number | undefined {
  try {
    for (const tid of readdirSync(`/proc/${workerPid}/task`)) {
      for (const word of readFileSync(`/proc/${workerPid}/task/${tid}/children`, 'utf8').split(' ')) {
        if (word && readFileSync(`/proc/${word}/cmdline`, 'utf8').includes("process.kill(-group, 'SIGKILL')")) return Number(word);
      }
    }
  } catch {
    // the worker or the host is gone
  }
  return undefined;
}

/** S Ready items to Needs Human Approval with the real orchestrator emulator and agent emulator. */
async function sprintRun(ctx: BenchContext, items: number, executors: number, reviewers: number, thinkMs: number, cpuProfDir?: string): Promise<SprintFigures> {
  const sprint = 'M1';
  const board = Array.from({ length: items }, (_, i) => boardItem(i + 1, 'Ready', sprint));
  return withSection(
    {
      board: { items: board },
      config: {
        RUNNER_MAX_EXECUTORS: String(executors),
        RUNNER_MAX_REVIEWERS: String(reviewers),
        ORCHESTRATOR_POLL_INTERVAL_MS: '1000',
        // Runs queue behind the slots.
        ...NO_STALL_CHECKS,
      },
      childEnv: { AGENT_SCRIPT_JSON: JSON.stringify({ defaults: { thinkMs } }) },
    },
    async ({ temporal, rig, log }) => {
      const tapLog = join(rig.dir, 'tap.jsonl');
      const agentLog = join(rig.dir, 'agent.jsonl');
      const worker = spawnCliWorker({ ...rig.configEnv, ORCHESTRATOR_BENCH_TAP_LOG: tapLog, AGENT_EVENTS_LOG: agentLog }, log, { cpuProfDir });
      const problems: string[] = [];
      try {
        await workerReady(worker);
        await sleep(500);
        const serverPid = temporal.server.process.pid;
        const worker0 = worker.cpuS();
        const server0 = procCpuS(serverPid) ?? 0;
        const rssSamples: number[] = [];
        const sampler = setInterval(() => {
          const rss = procRssMiB(worker.pid);
          if (rss !== null) rssSamples.push(rss);
        }, 500);
        const t0 = Date.now();
        ctx.log(`footprint: sprint of ${items} items at ${executors}/${reviewers} slots, think ${thinkMs} ms`);
        const handle = await temporal.client.workflow.start(sprintWorkflow, {
          taskQueue: rig.config.temporalTaskQueue,
          workflowId: sprintWorkflowId(sprint),
          args: [{ sprint, mode: 'loop' }],
        });
        try {
          await waitFor(
            `${items} items in Needs Human Approval`,
            () => {
              if (worker.child.exitCode !== null) throw new Error(`CLI worker exited with ${worker.child.exitCode}`);
              const stop = worker.events.find((e) => e.type === 'HARD_STOP');
              if (stop) throw new Error(`the sprint stopped: ${String(stop.error ?? stop.reason).slice(0, 300)}`);
              return rig.backend.board.listProjectItems().filter((i) => i.fields.Status === 'Needs Human Approval').length === items;
            },
            8 * 60_000,
            200,
          );
        } finally {
          clearInterval(sampler);
        }
        const wallS = (Date.now() - t0) / 1000;
        const worker1 = worker.cpuS();
        const server1 = procCpuS(serverPid) ?? 0;
        const peakRssMiB = worker.peakRssMiB();
        const hostRssMiB = worker.hostRssMiB();
        const ticks = await handle
          .query(sprintStatusQuery)
          .then((status) => status.ticks)
          .catch(() => null);
        await handle.signal(stopSignal).catch(() => undefined);
        const histories = await readHistories(temporal, sprint, items);
        const taps = readJsonl<{ at: number; run_id: string }>(tapLog);
        const spawned = new Map<string, number>();
        for (const call of readJsonl<{ spawned_at?: number; run_id: string | null; tool: string }>(agentLog)) {
          if (call.run_id && call.spawned_at && !spawned.has(call.run_id)) spawned.set(call.run_id, call.spawned_at);
        }
        const emitted = new Map<string, number>();
        for (const tap of taps) if (!emitted.has(tap.run_id)) emitted.set(tap.run_id, tap.at);
        const latencies = [...emitted].filter(([runId]) => spawned.has(runId)).map(([runId, at]) => spawned.get(runId)! - at);
        // The same latency in three legs: routing and the item workflow, the wait for a Codex slot, the activity's start of Codex.
        const slotHeld = [...(histories?.codexActivities.values() ?? [])].filter((a) => a.completedMs !== null).map((a) => a.completedMs! - a.startedMs);
        const legs = {
          toScheduled: [] as number[],
          toTickEnd: [] as number[],
          toSignaled: [] as number[],
          signaledToScheduled: [] as number[],
          slotWait: [] as number[],
          toSpawned: [] as number[],
        };
        const freeSlotLatencies: number[] = [];
        for (const [runId, at] of emitted) {
          const activity = histories?.codexActivities.get(runId);
          const spawnedAt = spawned.get(runId);
          if (!activity || spawnedAt === undefined) continue;
          legs.toScheduled.push(activity.scheduledMs - at);
          // The first leg again in three: the orchestrator run ends (its activity completes), the batch is routed (the item's signal), the item's task.
          const tickEnd = histories?.orchestratorCompletedMs.find((ms) => ms >= at);
          if (tickEnd !== undefined && activity.signaledMs !== null) {
            legs.toTickEnd.push(tickEnd - at);
            legs.toSignaled.push(activity.signaledMs - tickEnd);
            legs.signaledToScheduled.push(activity.scheduledMs - activity.signaledMs);
          }
          legs.slotWait.push(activity.startedMs - activity.scheduledMs);
          legs.toSpawned.push(spawnedAt - activity.startedMs);
          // Did a slot of its queue stand free when it was scheduled? (The Python runner's figure counts only such runs:
          // it dropped an intent that found every slot busy; ours queue, and the orchestrator's per-cycle cap can
          // emit more than the slots serve.)
          const slots = activity.taskQueue.endsWith('-reviewer') ? reviewers : executors;
          const running = [...(histories?.codexActivities.values() ?? [])].filter(
            (other) =>
              other !== activity && other.taskQueue === activity.taskQueue && other.startedMs <= activity.scheduledMs && (other.completedMs ?? Infinity) > activity.scheduledMs,
          ).length;
          if (running < slots) freeSlotLatencies.push(spawnedAt - at);
        }
        const runs = spawned.size;
        if (runs < 2 * items) problems.push(`${runs} Codex runs for ${items} items (expected ≥ ${2 * items})`);
        return {
          runs,
          wallS,
          problems,
          workerCpuS: worker1.self - worker0.self,
          hostCpuS: worker1.host - worker0.host,
          hostRssMiB,
          childrenCpuS: worker1.children - worker0.children,
          serverCpuS: server1 - server0,
          peakRssMiB,
          meanRssMiB: rssSamples.length ? rssSamples.reduce((a, v) => a + v, 0) / rssSamples.length : null,
          emittedToSpawned: distribution(latencies),
          freeSlotToSpawned: distribution(freeSlotLatencies),
          emittedToScheduled: distribution(legs.toScheduled),
          emittedToTickEnd: distribution(legs.toTickEnd),
          tickEndToSignaled: distribution(legs.toSignaled),
          signaledToScheduled: distribution(legs.signaledToScheduled),
          slotWait: distribution(legs.slotWait),
          startedToSpawned: distribution(legs.toSpawned),
          slotHeld: distribution(slotHeld),
          notSpawned: emitted.size - latencies.length,
          ticks,
          historyEvents: histories?.events ?? null,
          historyEventTypes: Object.fromEntries(histories?.eventTypes ?? []),
        };
      } finally {
        await worker.stop();
      }
    },
  );
}

/** K item workflows routed by one tick and left open (dry run, loop mode): the worker's RSS. */
async function openItems(
  ctx: BenchContext,
  k: number,
  options: { maxCached?: number; heapSnapshotDir?: string } = {},
): Promise<{ idleRssMiB: number | null; openRssMiB: number | null; openS: number }> {
  const { maxCached, heapSnapshotDir } = options;
  return withSection(
    {
      board: { items: [] },
      config: {
        RUNNER_DRY_RUN: 'true',
        ORCHESTRATOR_POLL_INTERVAL_MS: String(30 * 60_000),
        ...NO_STALL_CHECKS,
        ...(maxCached ? { RUNNER_MAX_CACHED_WORKFLOWS: String(maxCached) } : {}),
      },
    },
    async ({ temporal, rig, log }) => {
      const worker = spawnCliWorker({ ...rig.configEnv, ORCHESTRATOR_EMULATOR_SYNTHETIC_INTENTS: String(k) }, log, { heapSnapshotDir });
      try {
        await workerReady(worker);
        await sleep(1000);
        const idleRssMiB = procRssMiB(worker.pid);
        const t0 = Date.now();
        const handle = await temporal.client.workflow.start(sprintWorkflow, {
          taskQueue: rig.config.temporalTaskQueue,
          workflowId: sprintWorkflowId('M1'),
          args: [{ sprint: 'M1', mode: 'loop', dryRun: true }],
        });
        // Counted on the server (visibility), not through the sprint: what is measured is the worker
        // holding K open item workflows, whatever the sprint does after routing them.
        await waitFor(
          `${k} item workflows open`,
          async () => {
            if (worker.count('DRY_RUN_WOULD_EXECUTE') < k) return false;
            const open = await temporal.client.workflow.count('WorkflowType="itemWorkflow" AND ExecutionStatus="Running"').catch(() => null);
            return open !== null && open.count >= k;
          },
          6 * 60_000,
          1000,
        );
        const openS = (Date.now() - t0) / 1000;
        await sleep(2000);
        const openRssMiB = procRssMiB(worker.pid);
        ctx.log(
          `footprint: ${k} open item workflows after ${openS.toFixed(1)} s${maxCached ? ` (cache ${maxCached})` : ''}, worker RSS ${openRssMiB?.toFixed(0)} MiB (idle ${idleRssMiB?.toFixed(0)})`,
        );
        if (heapSnapshotDir) await heapSnapshot(ctx, worker, heapSnapshotDir);
        await handle.signal(stopSignal).catch(() => undefined);
        return { idleRssMiB, openRssMiB, openS };
      } finally {
        await worker.stop();
      }
    },
  );
}

/** A heap snapshot of the worker (--heapsnapshot-signal) written into dir; waits until it is complete. */
async function heapSnapshot(ctx: BenchContext, worker: CliWorker, dir: string): Promise<void> {
  const before = new Set(readdirSync(dir));
  worker.child.kill('SIGUSR2');
  const file = await waitFor('the heap snapshot', () => readdirSync(dir).find((name) => name.endsWith('.heapsnapshot') && !before.has(name)) ?? null, 120_000, 500);
  // The file grows while V8 writes it (after it has walked the heap): done when its size stops changing.
  let size = -1;
  while (size <= 0 || statSync(join(dir, file)).size !== size) {
    size = statSync(join(dir, file)).size;
    await sleep(2000);
  }
  ctx.log(`footprint: heap snapshot ${join(dir, file)} (${(size / 2 ** 20).toFixed(0)} MiB)`);
}

/** N intents from one orchestrator run, routed and executed (dry run) by the CLI worker. */
async function intake(
  ctx: BenchContext,
  n: number,
  maxS: number,
  cpuProfDir?: string,
): Promise<{ rate: number | null; routedRate: number | null; routed: number; wallS: number; executed: number; finished: boolean; workerCpuS: number; serverCpuS: number }> {
  return withSection({ board: { items: [] }, config: { RUNNER_DRY_RUN: 'true', ...NO_STALL_CHECKS } }, async ({ temporal, rig, log }) => {
    const worker = spawnCliWorker({ ...rig.configEnv, ORCHESTRATOR_EMULATOR_SYNTHETIC_INTENTS: String(n) }, log, { cpuProfDir }) as CliWorker & { lastDryRunAt(): number };
    try {
      await workerReady(worker);
      const worker0 = worker.cpuS().self;
      const server0 = procCpuS(temporal.server.process.pid) ?? 0;
      const t0 = Date.now();
      ctx.log(`footprint: intake of ${n} intents (dry run)`);
      const handle = await temporal.client.workflow.start(sprintWorkflow, {
        taskQueue: rig.config.temporalTaskQueue,
        workflowId: sprintWorkflowId('M1'),
        args: [{ sprint: 'M1', mode: 'once', dryRun: true }],
      });
      const progress = setInterval(() => ctx.log(`footprint: intake ${Math.round((Date.now() - t0) / 1000)} s, ${worker.count('DRY_RUN_WOULD_EXECUTE')} executed`), 30_000);
      let finished = false;
      try {
        finished = (await Promise.race([handle.result().then(() => true), sleep(maxS * 1000).then(() => false)])) as boolean;
      } finally {
        clearInterval(progress);
      }
      const wallS = (Date.now() - t0) / 1000;
      const workerCpuS = worker.cpuS().self - worker0;
      const serverCpuS = (procCpuS(temporal.server.process.pid) ?? 0) - server0;
      if (!finished) await handle.terminate('bench time limit').catch(() => undefined);
      await sleep(300);
      const executed = worker.count('DRY_RUN_WOULD_EXECUTE');
      const lastAt = worker.lastDryRunAt();
      const rate = executed && lastAt ? executed / ((lastAt - t0) / 1000) : null;
      // Routed: every signal-with-start of the batch accepted by the server (INTAKE_ROUTED per chunk;
      // a chunk retried after a timeout reports again, so the count is capped at n).
      const chunks = worker.events.filter((e) => e.type === 'INTAKE_ROUTED');
      const routed = Math.min(
        n,
        chunks.reduce((sum, e) => sum + Number(e.intents ?? 0), 0),
      );
      const routedRate = chunks.length ? routed / ((Math.max(...chunks.map((e) => e.at_ms)) - t0) / 1000) : null;
      ctx.log(
        `footprint: intake ${routed}/${n} routed at ${routedRate?.toFixed(0)} intents/s, ${executed}/${n} executed at ${rate?.toFixed(0)} intents/s${finished ? '' : ` (NOT finished after ${maxS} s)`}`,
      );
      return { rate, routedRate, routed, wallS, executed, finished, workerCpuS, serverCpuS };
    } finally {
      await worker.stop();
    }
  });
}

// ---------------------------------------------------------------- the bench

type Previous = Record<string, Figure['value']>;

function readPrevious(): { at: string | null; figures: Previous } {
  try {
    const parsed = JSON.parse(readFileSync(LAST_RESULT, 'utf8')) as { at?: string; figures?: Previous };
    return { at: parsed.at ?? null, figures: parsed.figures ?? {} };
  } catch {
    return { at: null, figures: {} };
  }
}

export async function footprintBench(ctx: BenchContext): Promise<BenchResult> {
  const started = Date.now();
  const items = envInt('BENCH_FOOTPRINT_ITEMS', 60);
  const wideItems = envInt('BENCH_FOOTPRINT_WIDE_ITEMS', 48);
  const openK = envInt('BENCH_FOOTPRINT_OPEN', 1000);
  const openSmallCache = envInt('BENCH_FOOTPRINT_OPEN_SMALL_CACHE', 150);
  const intakeN = envInt('BENCH_FOOTPRINT_INTAKE', 10_000);
  const intakeMaxS = envInt('BENCH_FOOTPRINT_INTAKE_MAX_S', 240);
  const thinkMs = envInt('BENCH_FOOTPRINT_THINK_MS', 300);
  const sections = new Set((process.env.BENCH_FOOTPRINT_SECTIONS ?? 'cold,sprint,wide,open,intake').split(',').map((s) => s.trim()));
  const cpuProfDir = process.env.BENCH_FOOTPRINT_CPU_PROF || undefined;
  if (cpuProfDir) mkdirSync(cpuProfDir, { recursive: true });
  const heapSnapshotDir = process.env.BENCH_FOOTPRINT_HEAP_SNAPSHOT || undefined;
  if (heapSnapshotDir) mkdirSync(heapSnapshotDir, { recursive: true });
  const previous = readPrevious();
  const problems: string[] = [];
  const figures: Figure[] = [];
  const details: Record<string, unknown> = {};
  const add = (metric: string, value: Figure['value'], unit: string, goal?: string, note?: string) =>
    figures.push({ metric, value, unit, previous: previous.figures[metric] ?? null, ...(goal ? { goal } : {}), ...(note ? { note } : {}) });
  const perRun = (seconds: number, runs: number) => (runs ? round(seconds / runs, 3) : null);

  // What operators run after `npm run setup`: build first when dist/ is missing or older than the sources.
  const freshness = require('../scripts/build-freshness.js') as { freshDist(p: string): string | null; freshEmulatorBundle(n: string): string | null };
  const current = () =>
    Boolean(freshness.freshDist('client/cli.js') && freshPrebuiltWorkflowBundle() && freshness.freshEmulatorBundle('agent') && freshness.freshEmulatorBundle('orchestrator-tap'));
  if (!current() && process.env.BENCH_FOOTPRINT_BUILD !== '0') {
    ctx.log('footprint: dist/ missing or stale: npm run build');
    const build = spawnSync(process.execPath, ['--require', 'tsx/cjs', join(ROOT, 'scripts', 'build.ts')], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (build.status !== 0) problems.push(`npm run build failed (exit ${build.status})`);
  }
  const compiled = current();
  details.compiled = compiled;
  // The build above is this moment's code: keep using it even if someone edits src/ while the bench runs.
  if (compiled) process.env.SPRINT_RUNNER_TRUST_DIST = '1';
  if (!compiled) problems.push('dist/ not current: the CLI worker and emulators ran through tsx (run `npm run build`)');

  if (sections.has('cold')) {
    const cold = await coldStart(ctx, false);
    const coldTsx = await coldStart(ctx, true);
    details.coldStart = { compiled: cold, tsx: coldTsx };
    add(
      'worker cold start to first poll',
      round(cold.firstTaskS, 2),
      's',
      '≤ 2',
      'spawn of `node bin/sprint-runner.js worker` (dist/ + prebuilt workflow bundle when current) → WorkflowTaskStarted of a workflow already waiting on the queue',
    );
    add(
      '  same, tsx + bundling at start (SPRINT_RUNNER_NO_DIST=1)',
      round(coldTsx.firstTaskS, 2),
      's',
      undefined,
      'the path without a build: TypeScript transpiled and webpack run at every start',
    );
    add('  worker CPU to first task: compiled / tsx', `${cold.cpuS.toFixed(2)} / ${coldTsx.cpuS.toFixed(2)}`, 's');
    add('  worker RSS idle: compiled / tsx', `${cold.idleRssMiB?.toFixed(0)} / ${coldTsx.idleRssMiB?.toFixed(0)}`, 'MiB');
  }
  if (sections.has('sprint')) {
    const s = await sprintRun(ctx, items, 3, 2, thinkMs, cpuProfDir);
    details.sprint = s;
    problems.push(...s.problems);
    add(
      'runner CPU per Codex run: worker + process host + Temporal server',
      perRun(s.workerCpuS + s.hostCpuS + s.serverCpuS, s.runs),
      's',
      '≤ 0.15',
      `${items} Ready items → Needs Human Approval at 3/2 slots, 1 s ticks, think ${thinkMs} ms; ${s.runs} Codex runs in ${s.wallS.toFixed(0)} s; /proc utime+stime of the worker pid and the dev-server pid`,
    );
    add('  runner CPU per Codex run: worker process', perRun(s.workerCpuS, s.runs), 's');
    add(
      '  runner CPU per Codex run: process host (starts the runs)',
      perRun(s.hostCpuS, s.runs),
      's',
      undefined,
      "the worker's group watcher, which forks the orchestrator and Codex processes",
    );
    add('  runner CPU per Codex run: Temporal dev server', perRun(s.serverCpuS, s.runs), 's');
    add(
      '  excluded: orchestrator + agent processes per Codex run',
      perRun(s.childrenCpuS, s.runs),
      's',
      undefined,
      "the worker's reaped children (cutime+cstime): orchestrator emulator per tick, agent emulator per run",
    );
    add(
      '  history events per Codex run (sprint + item workflows)',
      perRun(s.historyEvents ?? 0, s.historyEvents === null ? 0 : s.runs),
      'events',
      undefined,
      "every event of the item workflows (all runs) and of the sprint's current run, after the stop signal",
    );
    // What the server's share is spent on: the commonest event types, per run.
    const commonest = Object.entries(s.historyEventTypes)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(([type, n]) => `${type.toLowerCase()} ${(n / Math.max(1, s.runs)).toFixed(1)}`)
      .join(', ');
    if (commonest) add('    history events per Codex run by type (commonest 8)', commonest, 'events');
    add(
      '  orchestrator ticks: count / mean period',
      `${s.ticks ?? '–'} / ${s.ticks ? (s.wallS / s.ticks).toFixed(2) : '–'}`,
      'count / s',
      undefined,
      "ticks until every item was in Needs Human Approval; the period at 1 s ticks (before fixed-rate ticks: 1 s + the tick's duration)",
    );
    add(`worker RSS: ${items}-item sprint at 3/2 (peak)`, round(s.peakRssMiB, 0), 'MiB', '≤ 200', 'VmHWM of the worker process; agents and orchestrator are other processes');
    add(`  worker RSS: ${items}-item sprint at 3/2 (mean)`, round(s.meanRssMiB, 0), 'MiB');
    add('  process host RSS (at the end)', round(s.hostRssMiB, 0), 'MiB', undefined, "the worker's group watcher, a separate small node process");
    add(
      `intent emitted → Codex spawned at 3/2 (p50/p95/p99, ${s.emittedToSpawned.n} runs)`,
      pct(s.emittedToSpawned),
      'ms',
      'p99 ≤ 100',
      'orchestrator emulator stdout write of RUN_INTENT → agent emulator process start (performance.timeOrigin); includes waiting for a free slot',
    );
    add(
      `  intent emitted → Codex spawned at 3/2, runs that found a free slot (p50/p95/p99, ${s.freeSlotToSpawned.n} runs)`,
      pct(s.freeSlotToSpawned),
      'ms',
      'p99 ≤ 100',
      "the runs whose queue had a free slot when the item scheduled them: no queueing, as the Python runner's figure (it dropped the others)",
    );
    add(
      '  of which: emitted → Codex activity scheduled (p50/p95/p99)',
      pct(s.emittedToScheduled),
      'ms',
      undefined,
      "orchestrator tap → routing → the item workflow's task schedules runCodexWorker (server time of ActivityTaskScheduled)",
    );
    add(
      '    emitted → orchestrator activity completed (p50/p95/p99)',
      pct(s.emittedToTickEnd),
      'ms',
      undefined,
      "the rest of the orchestrator run, its exit, the activity's result",
    );
    add("    → the item's runIntent signal (p50/p95/p99)", pct(s.tickEndToSignaled), 'ms', undefined, "the sprint's task, routeIntents scheduled and run, signal-with-start");
    add('    → runCodexWorker scheduled (p50/p95/p99)', pct(s.signaledToScheduled), 'ms', undefined, "the item workflow's task");
    add('  of which: waiting for a free slot (p50/p95/p99)', pct(s.slotWait), 'ms', undefined, 'ActivityTaskScheduled → ActivityTaskStarted');
    add(
      '  Codex activity started → completed: a run holds its slot (p50/p95/p99)',
      pct(s.slotHeld),
      'ms',
      undefined,
      'ActivityTaskStarted → ActivityTaskCompleted of runCodexWorker',
    );
    add('  of which: activity started → Codex spawned (p50/p95/p99)', pct(s.startedToSpawned), 'ms', undefined, 'ActivityTaskStarted → agent emulator process start');
    if (s.notSpawned) add('  intents emitted but never spawned (3/2)', s.notSpawned, 'count');
  }
  if (sections.has('wide')) {
    const s = await sprintRun(ctx, wideItems, 16, 16, thinkMs);
    details.wide = s;
    problems.push(...s.problems);
    add(`intent emitted → Codex spawned at 16/16 (p50/p95/p99, ${s.emittedToSpawned.n} runs)`, pct(s.emittedToSpawned), 'ms', undefined, `${wideItems} items`);
    add('  runner CPU per Codex run at 16/16: worker + host + server', perRun(s.workerCpuS + s.hostCpuS + s.serverCpuS, s.runs), 's');
    add('  worker RSS at 16/16 (peak)', round(s.peakRssMiB, 0), 'MiB');
  }
  if (sections.has('open')) {
    const o = await openItems(ctx, openK, { heapSnapshotDir });
    const small = await openItems(ctx, openK, { maxCached: openSmallCache });
    details.open = { defaultCache: o, smallCache: small };
    add(
      `worker RSS: ${openK.toLocaleString('en-US')} open item workflows`,
      round(o.openRssMiB, 0),
      'MiB',
      '≤ 300',
      `VmRSS of the worker with ${openK} item workflows open, RUNNER_MAX_CACHED_WORKFLOWS at its default (idle before: ${o.idleRssMiB?.toFixed(0)} MiB)`,
    );
    add(
      `  same, RUNNER_MAX_CACHED_WORKFLOWS=${openSmallCache}`,
      round(small.openRssMiB, 0),
      'MiB',
      undefined,
      `idle before: ${small.idleRssMiB?.toFixed(0)} MiB; the items beyond the cache replay their short history at their next task`,
    );
  }
  if (sections.has('intake')) {
    const i = await intake(ctx, intakeN, intakeMaxS, cpuProfDir);
    details.intake = i;
    if (!i.finished) problems.push(`intake not finished after ${intakeMaxS} s`);
    if (i.executed !== intakeN) problems.push(`intake executed ${i.executed} of ${intakeN}`);
    add(
      `intake: ${intakeN.toLocaleString('en-US')} intents from one orchestrator run`,
      round(i.rate, 0),
      'intents/s',
      '≥ 300',
      "sprint start → last dry run executed (DRY_RUN_WOULD_EXECUTE on the worker's stderr): every item workflow started and ran its intent",
    );
    add(
      '  intake: routed (every signal-with-start accepted)',
      round(i.routedRate, 0),
      'intents/s',
      undefined,
      `sprint start → the last chunk's INTAKE_ROUTED (${i.routed} routed); the item workflows run meanwhile`,
    );
    add(
      '  intake CPU per intent: worker / server',
      `${((1000 * i.workerCpuS) / Math.max(1, i.executed)).toFixed(2)} / ${((1000 * i.serverCpuS) / Math.max(1, i.executed)).toFixed(2)}`,
      'ms',
    );
  }

  const values = Object.fromEntries(figures.map((f) => [f.metric, f.value]));
  writeFileSync(LAST_RESULT, `${JSON.stringify({ at: new Date().toISOString(), figures: { ...previous.figures, ...values } }, null, 2)}\n`);
  details.previousAt = previous.at;
  return { name: 'footprint', title: 'Footprint of the runner alone (CLI worker process + Temporal server)', wallS: (Date.now() - started) / 1000, figures, details, problems };
}
