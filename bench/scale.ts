/**
 * 4a. Scale: K (default 1,000) concurrently open item workflows on ONE worker process — a child
 * process running createWorkers() (bench/support/worker-process.ts; same code as `sprint-runner
 * worker`, plus the core's Prometheus exporter). A sprint in loop mode (dry run, long poll interval)
 * routes K synthetic intents in its first tick and then stays open between ticks, like a live sprint;
 * the K item workflows stay open waiting for their next intent. Then R rounds of board observations
 * (the `boardObserved` signal the sprint sends when the orchestrator sees a status change) hit every
 * item: each is a workflow task on a cached (sticky) workflow that upserts search attributes and
 * reports to the sprint. Figures: worker RSS (VmRSS of the child; V8 heap via process.memoryUsage)
 * at start, with K open, after the rounds; workflow task latency from the item histories; sticky
 * cache hits/misses/size from the worker's Prometheus metrics.
 */
import { fork } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { boardObservedSignal, itemWorkflowId, sprintStatusQuery, sprintWorkflow, sprintWorkflowId, stopSignal } from '../src/workflows';
import { freePort } from '../src/temporal/dev-server';
import { metricNames, metricSum, scrapeMetrics, startBenchTemporal, workflowBundle, ROOT } from './support/temporal';
import { startBenchRig } from './support/rig';
import { manyWorkflowFigures } from './support/history';
import { cpuMeter, procCpuS, procRssMiB } from './support/proc';
import { distribution, envInt, mapLimit, pct, round, sleep, waitFor } from './support/stats';
import type { BenchContext, BenchResult } from './types';

interface ChildStats {
  kind: 'stats';
  memory: NodeJS.MemoryUsage;
  events: Record<string, number>;
  maxCachedWorkflows: number;
  maxConcurrentWorkflowTaskExecutions: number;
}

const MiB = 1024 * 1024;

export async function scaleBench(ctx: BenchContext): Promise<BenchResult> {
  const k = envInt('BENCH_SCALE_ITEMS', 1000);
  const rounds = envInt('BENCH_SCALE_ROUNDS', 3);
  const started = Date.now();
  const problems: string[] = [];
  const temporal = await startBenchTemporal();
  try {
    const rig = await startBenchRig(temporal, {
      board: { items: [] },
      noWorkers: true,
      config: { RUNNER_DRY_RUN: 'true', ORCHESTRATOR_POLL_INTERVAL_MS: String(30 * 60_000) },
    });
    const metricsAddress = `127.0.0.1:${await freePort()}`;
    const logStream = createWriteStream(join(ROOT, 'bench-results', `worker-${process.pid}-${Date.now()}.log`));
    const child = fork(join(__dirname, 'support', 'worker-process.ts'), [], {
      execArgv: ['--require', 'tsx/cjs'],
      env: {
        ...process.env,
        ...rig.configEnv,
        ORCHESTRATOR_EMULATOR_SYNTHETIC_INTENTS: String(k),
        BENCH_WORKFLOW_BUNDLE: await workflowBundle(),
        BENCH_METRICS_ADDR: metricsAddress,
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    child.stdout!.pipe(logStream);
    child.stderr!.pipe(logStream);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const nextMessage = <T>(kind: string) =>
      new Promise<T>((resolve, reject) => {
        const onMessage = (message: { kind?: string }) => {
          if (message?.kind === kind) {
            child.off('message', onMessage);
            resolve(message as T);
          }
        };
        child.on('message', onMessage);
        void exited.then((code) => reject(new Error(`bench worker exited with ${code}`)));
      });
    const stats = async () => {
      const reply = nextMessage<ChildStats>('stats');
      child.send('stats');
      const s = await reply;
      return { ...s, vmRssMiB: procRssMiB(child.pid) ?? s.memory.rss / MiB };
    };
    const memoryRow = (s: ChildStats & { vmRssMiB: number }) => ({
      rssMiB: round(s.vmRssMiB, 1),
      heapUsedMiB: round(s.memory.heapUsed / MiB, 1),
      externalMiB: round(s.memory.external / MiB, 1),
    });
    try {
      await nextMessage<{ pid: number }>('ready');
      await sleep(1000);
      const baseline = await stats();
      ctx.log(`scale: worker pid ${child.pid} ready, RSS ${baseline.vmRssMiB.toFixed(0)} MiB; opening ${k} item workflows`);
      const cpu = cpuMeter(temporal.server.process.pid);
      const workerCpu0 = procCpuS(child.pid) ?? 0;
      const t0 = Date.now();
      const handle = await temporal.client.workflow.start(sprintWorkflow, {
        taskQueue: rig.config.temporalTaskQueue,
        workflowId: sprintWorkflowId('M1'),
        args: [{ sprint: 'M1', mode: 'loop', dryRun: true }],
      });
      let lastViewLog = Date.now();
      const allReported = (status: string | null) => async () => {
        const view = await handle.query(sprintStatusQuery).catch(() => null);
        if (!view) return false;
        if (Date.now() - lastViewLog > 15_000) {
          lastViewLog = Date.now();
          const busy = view.items.filter((item) => item.busy).length;
          const statuses: Record<string, number> = {};
          for (const item of view.items) statuses[String(item.boardStatus)] = (statuses[String(item.boardStatus)] ?? 0) + 1;
          ctx.log(`scale: sprint sees ${view.items.length} items, ${busy} busy, ${JSON.stringify(statuses)}`);
        }
        // Not `!item.busy`: a dry-run item does not report the end of its run (see the report), so
        // the sprint may keep seeing it busy; delivery and the new board status are what count here.
        return view.items.length === k && view.items.every((item) => item.intentsReceived === 1 && (status === null || item.boardStatus === status));
      };
      // Open = every item received its intent; the board status the sprint pushes after the tick is
      // not waited for (whether it is sent depends on timing in the sprint's observeBoard).
      await waitFor(`${k} item workflows open`, allReported(null), 6 * 60_000, 1000);
      const openMs = Date.now() - t0;
      const running = await temporal.client.workflow.count('ExecutionStatus="Running"');
      await sleep(1000);
      const withOpen = await stats();
      const metricsOpen = await scrapeMetrics(metricsAddress);
      ctx.log(`scale: ${running.count} running workflows after ${(openMs / 1000).toFixed(1)}s, worker RSS ${withOpen.vmRssMiB.toFixed(0)} MiB`);

      const roundMs: number[] = [];
      const statuses = ['Needs Human Approval', 'In Review'];
      for (let r = 0; r < rounds; r += 1) {
        const status = statuses[r % 2]!;
        const r0 = Date.now();
        await mapLimit(
          Array.from({ length: k }, (_, i) => i + 1),
          64,
          (issue) =>
            temporal.client.workflow
              .getHandle(itemWorkflowId('M1', issue))
              .signal(boardObservedSignal, { version: 1, status: status as 'In Review', projectItemId: `PVTI_${issue}` }),
        );
        await waitFor(`round ${r + 1} processed`, allReported(status), 10 * 60_000, 500);
        roundMs.push(Date.now() - r0);
        ctx.log(`scale: round ${r + 1}/${rounds} (${status}) on ${k} workflows in ${((Date.now() - r0) / 1000).toFixed(1)}s`);
      }
      await sleep(1000);
      const afterRounds = await stats();
      const metricsEnd = await scrapeMetrics(metricsAddress);
      const cpuUsed = { ...cpu(), workerCpuS: round((procCpuS(child.pid) ?? 0) - workerCpu0, 1) };
      const finalView = await handle.query(sprintStatusQuery).catch(() => null);
      const stuckBusy = finalView ? finalView.items.filter((item) => item.busy).length : null;
      if (stuckBusy) problems.push(`${stuckBusy} of ${k} items still reported busy to the sprint after their dry run (product: dry-run runIntent does not report)`);

      ctx.log('scale: fetching item histories');
      const figures = await manyWorkflowFigures(
        temporal.client,
        Array.from({ length: k }, (_, i) => itemWorkflowId('M1', i + 1)),
      );
      const s2s = distribution(figures.flatMap((f) => f.wftScheduleToStartMs));
      const s2c = distribution(figures.flatMap((f) => f.wftStartToCompleteMs));
      const hit = (m: Record<string, number>) => metricSum(m, 'temporal_sticky_cache_hit');
      const miss = (m: Record<string, number>) => metricSum(m, 'temporal_sticky_cache_miss');
      const roundHits = hit(metricsEnd) - hit(metricsOpen);
      const roundMisses = miss(metricsEnd) - miss(metricsOpen);
      const cacheSize = metricSum(metricsEnd, 'temporal_sticky_cache_size');
      const forcedEvictions = metricSum(metricsEnd, 'temporal_sticky_cache_total_forced_eviction');
      if (running.count < k) problems.push(`only ${running.count} running workflows`);

      handle.signal(stopSignal).catch(() => undefined);
      const rssPerWorkflowKiB = ((withOpen.vmRssMiB - baseline.vmRssMiB) * 1024) / k;
      return {
        name: 'scale',
        title: `Scale: ${k} open item workflows on one worker process`,
        wallS: (Date.now() - started) / 1000,
        problems,
        figures: [
          {
            metric: 'open workflows (visibility count, incl. the sprint)',
            value: running.count,
            unit: 'workflows',
            note: 'worker = child process running createWorkers() (bench/support/worker-process.ts), all four queues',
          },
          { metric: `time to open ${k} (one tick, dry run)`, value: round(openMs / 1000, 1), unit: 's' },
          {
            metric: 'worker RSS: idle / K open / after rounds',
            value: `${baseline.vmRssMiB.toFixed(0)} / ${withOpen.vmRssMiB.toFixed(0)} / ${afterRounds.vmRssMiB.toFixed(0)}`,
            unit: 'MiB',
            note: 'VmRSS of the worker process (V8 heap + Rust core + isolate contexts)',
          },
          { metric: 'worker RSS growth per open workflow', value: round(rssPerWorkflowKiB, 0), unit: 'KiB' },
          {
            metric: 'worker V8 heap used: idle / K open / after rounds',
            value: `${(baseline.memory.heapUsed / MiB).toFixed(0)} / ${(withOpen.memory.heapUsed / MiB).toFixed(0)} / ${(afterRounds.memory.heapUsed / MiB).toFixed(0)}`,
            unit: 'MiB',
          },
          {
            metric: `signal round on all ${k} (p50 of ${rounds})`,
            value: round(distribution(roundMs).p50! / 1000, 1),
            unit: 's',
            note: 'bench sends boardObserved to every item (64 in flight) until the sprint sees every new status',
          },
          { metric: 'WFT schedule→start p50/p95/p99', value: pct(s2s), unit: 'ms', note: 'item histories: WorkflowTaskScheduled → WorkflowTaskStarted (all item WFTs)' },
          { metric: 'WFT start→complete p50/p95/p99', value: pct(s2c), unit: 'ms', note: 'WorkflowTaskStarted → WorkflowTaskCompleted' },
          {
            metric: 'sticky cache hits / misses during the rounds',
            value: `${roundHits} / ${roundMisses}`,
            unit: 'WFT',
            note: 'worker Prometheus temporal_sticky_cache_hit / _miss deltas',
          },
          { metric: 'sticky cache size / max cached workflows', value: `${cacheSize} / ${afterRounds.maxCachedWorkflows}`, unit: 'workflows' },
        ],
        details: {
          items: k,
          rounds,
          openMs,
          itemsReportedBusyAtEnd: stuckBusy,
          roundMs,
          runningWorkflows: running.count,
          cpu: cpuUsed,
          memory: { baseline: memoryRow(baseline), withOpen: memoryRow(withOpen), afterRounds: memoryRow(afterRounds) },
          maxCachedWorkflows: afterRounds.maxCachedWorkflows,
          maxConcurrentWorkflowTaskExecutions: afterRounds.maxConcurrentWorkflowTaskExecutions,
          workerEvents: afterRounds.events,
          wftScheduleToStartMs: s2s,
          wftStartToCompleteMs: s2c,
          itemEvents: distribution(figures.map((f) => f.events)),
          itemWorkflowTasks: distribution(figures.map((f) => f.workflowTasks)),
          sticky: { hitsTotal: hit(metricsEnd), missesTotal: miss(metricsEnd), roundHits, roundMisses, cacheSize, forcedEvictions },
          workerMetricNames: metricNames(metricsEnd),
        },
      };
    } finally {
      child.send('shutdown');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
      logStream.end();
      await rig.stop();
    }
  } finally {
    await temporal.close();
  }
}
