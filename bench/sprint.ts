/**
 * 3. Sprint throughput: S (default 200) items seeded directly on the board in Ready (kickoff is not
 * wired yet and a kickoff plan has at most 25 tasks), one sprint workflow in loop mode with the real
 * orchestrator emulator ticking, every item claimed by an EXECUTOR (opens the PR, moves to In Review)
 * and reviewed PASS by a REVIEWER (→ Needs Human Approval), agent think time 0. Figures: wall time
 * to `completed`, workflow tasks and history events per item (every run of every item workflow plus
 * the sprint workflow, from fetchHistory), backend HTTP calls per item (the emulator's per-route
 * counters, split into the runner's own calls and the orchestrator's + agents').
 */
import { itemWorkflowId, sprintStatusQuery, sprintWorkflow, sprintWorkflowId } from '../src/workflows';
import { metricSum, scrapeMetrics, installRuntime, startBenchTemporal } from './support/temporal';
import { boardItem, startBenchRig } from './support/rig';
import { manyWorkflowFigures, workflowFigures } from './support/history';
import { cpuMeter } from './support/proc';
import { distribution, envInt, pct, round } from './support/stats';
import type { BenchContext, BenchResult } from './types';

export async function sprintBench(ctx: BenchContext): Promise<BenchResult> {
  const s = envInt('BENCH_SPRINT_ITEMS', 200);
  const executors = envInt('BENCH_SPRINT_EXECUTORS', 8);
  const reviewers = envInt('BENCH_SPRINT_REVIEWERS', 8);
  const pollMs = envInt('BENCH_SPRINT_POLL_MS', 1000);
  const started = Date.now();
  const problems: string[] = [];
  const temporal = await startBenchTemporal();
  try {
    const items = Array.from({ length: s }, (_, i) => boardItem(i + 1, 'Ready'));
    const rig = await startBenchRig(temporal, {
      board: { items },
      config: {
        RUNNER_MAX_EXECUTORS: String(executors),
        RUNNER_MAX_REVIEWERS: String(reviewers),
        ORCHESTRATOR_POLL_INTERVAL_MS: String(pollMs),
        // Stall handling is not what this measures: with runs queued behind the slots an item may
        // wait in In Review longer than the default 50 polls; keep the review-stall timer and the
        // orchestrator's reviewer re-dispatch out of the way.
        REVIEW_STALL_POLLS: '100000',
        REVIEW_STALL_MINUTES: '600',
      },
      childEnv: { AGENT_SCRIPT_JSON: JSON.stringify({ defaults: { thinkMs: 0 } }) },
    });
    try {
      ctx.log(`sprint: ${s} Ready items, executors ${executors}, reviewers ${reviewers}, poll ${pollMs} ms`);
      const metricsAddress = await installRuntime();
      const metrics0 = await scrapeMetrics(metricsAddress);
      const cpu = cpuMeter(temporal.server.process.pid);
      const t0 = Date.now();
      const handle = await temporal.client.workflow.start(sprintWorkflow, {
        taskQueue: rig.config.temporalTaskQueue,
        workflowId: sprintWorkflowId('M1'),
        args: [{ sprint: 'M1', mode: 'loop' }],
      });
      const progress = setInterval(() => {
        const counts: Record<string, number> = {};
        for (const item of rig.backend.board.listProjectItems()) counts[item.fields.Status ?? '?'] = (counts[item.fields.Status ?? '?'] ?? 0) + 1;
        ctx.log(`sprint: ${Math.round((Date.now() - t0) / 1000)}s ${JSON.stringify(counts)}`);
      }, 30_000);
      let result;
      try {
        result = await handle.result();
      } finally {
        clearInterval(progress);
      }
      const wallMs = Date.now() - t0;
      const cpuUsed = cpu();
      const metrics1 = await scrapeMetrics(metricsAddress);
      const status = await handle.query(sprintStatusQuery).catch(() => null);
      void status;
      const board = rig.backend.board.listProjectItems();
      const nha = board.filter((i) => i.fields.Status === 'Needs Human Approval').length;
      if (result.reason !== 'completed') problems.push(`sprint ended ${result.reason}`);
      if (nha !== s) problems.push(`${s - nha} items not in Needs Human Approval`);
      const passes = rig.events.filter((e) => e.type === 'REVIEW_OUTCOME' && e.outcome === 'PASS').length;
      const started_ = rig.events.filter((e) => e.type === 'WORKER_STARTED');
      const executorRuns = started_.filter((e) => e.role === 'EXECUTOR').length;
      const reviewerRuns = started_.filter((e) => e.role === 'REVIEWER').length;
      if (passes !== s) problems.push(`${passes} PASS reviews for ${s} items`);

      ctx.log('sprint: fetching histories');
      const itemFigures = await manyWorkflowFigures(
        temporal.client,
        items.map((i) => itemWorkflowId('M1', i.issue_number)),
      );
      const sprintFigures = await workflowFigures(temporal.client, handle.workflowId);
      const itemEvents = itemFigures.reduce((a, f) => a + f.events, 0);
      const itemWfts = itemFigures.reduce((a, f) => a + f.workflowTasks, 0);
      const itemActivities = itemFigures.reduce((a, f) => a + f.activities, 0);
      const allWfts = itemWfts + sprintFigures.workflowTasks;
      const allEvents = itemEvents + sprintFigures.events;
      const wftLatency = distribution([...itemFigures.flatMap((f) => f.wftScheduleToStartMs), ...sprintFigures.wftScheduleToStartMs]);
      const wftProcessing = distribution([...itemFigures.flatMap((f) => f.wftStartToCompleteMs), ...sprintFigures.wftStartToCompleteMs]);

      const stats = (await (await fetch(`${rig.backend.url}/__admin/stats`)).json()) as { calls: Record<string, number> };
      const backendCalls = Object.values(stats.calls).reduce((a, v) => a + v, 0);
      const runnerCalls = Object.values(rig.runnerCalls).reduce((a, v) => a + v, 0);
      const stickyHit = metricSum(metrics1, 'temporal_sticky_cache_hit') - metricSum(metrics0, 'temporal_sticky_cache_hit');
      const stickyMiss = metricSum(metrics1, 'temporal_sticky_cache_miss') - metricSum(metrics0, 'temporal_sticky_cache_miss');

      return {
        name: 'sprint',
        title: `Sprint throughput: ${s} items, executor + reviewer PASS each`,
        wallS: (Date.now() - started) / 1000,
        problems,
        figures: [
          {
            metric: `wall time (start → completed, ${result.ticks} ticks)`,
            value: round(wallMs / 1000, 1),
            unit: 's',
            note: `items seeded Ready (no kickoff); RUNNER_MAX_EXECUTORS=${executors}, RUNNER_MAX_REVIEWERS=${reviewers}, poll ${pollMs} ms, thinkMs 0`,
          },
          { metric: 'items completed (→ Needs Human Approval)', value: `${nha} / ${s}`, unit: 'items' },
          { metric: 'throughput', value: round(s / (wallMs / 60_000), 1), unit: 'items/min' },
          { metric: 'Codex runs per item (executor + reviewer)', value: round((executorRuns + reviewerRuns) / s, 2), unit: 'runs' },
          {
            metric: 'workflow tasks per item',
            value: round(allWfts / s, 1),
            unit: 'WFT',
            note: `item workflows ${round(itemWfts / s, 1)} + sprint workflow ${round(sprintFigures.workflowTasks / s, 1)} per item`,
          },
          {
            metric: 'history events per item',
            value: round(allEvents / s, 1),
            unit: 'events',
            note: `item workflows ${round(itemEvents / s, 1)} + sprint ${round(sprintFigures.events / s, 1)}; sprint ran ${sprintFigures.runs.length} run(s)`,
          },
          { metric: 'activities per item', value: round((itemActivities + sprintFigures.activities) / s, 1), unit: 'activities' },
          { metric: 'WFT schedule→start / start→complete p50/p95/p99', value: `${pct(wftLatency)} | ${pct(wftProcessing)}`, unit: 'ms' },
          {
            metric: 'backend HTTP calls per item (all /internal)',
            value: round(backendCalls / s, 2),
            unit: 'calls',
            note: 'backend emulator per-route counters; runner = activities in this process (global fetch counted), rest = orchestrator + agents',
          },
          { metric: '  of which the runner', value: round(runnerCalls / s, 2), unit: 'calls' },
          { metric: 'sticky cache hits / misses (in-process worker)', value: `${stickyHit} / ${stickyMiss}`, unit: 'WFT' },
        ],
        details: {
          items: s,
          executors,
          reviewers,
          pollMs,
          wallMs,
          cpu: cpuUsed,
          ticks: result.ticks,
          intentsRouted: result.intentsRouted,
          executorRuns,
          reviewerRuns,
          passes,
          itemEvents,
          itemWfts,
          itemActivities,
          sprintWorkflow: {
            runs: sprintFigures.runs,
            events: sprintFigures.events,
            workflowTasks: sprintFigures.workflowTasks,
            bytes: sprintFigures.bytes,
            eventTypes: sprintFigures.eventTypes,
          },
          itemEventsDistribution: distribution(itemFigures.map((f) => f.events)),
          itemEventTypesTotal: itemFigures.reduce<Record<string, number>>((acc, f) => {
            for (const [k, v] of Object.entries(f.eventTypes)) acc[k] = (acc[k] ?? 0) + v;
            return acc;
          }, {}),
          wftScheduleToStartMs: wftLatency,
          wftStartToCompleteMs: wftProcessing,
          backendCallsByRoute: stats.calls,
          runnerCallsByRoute: rig.runnerCalls,
          stickyCacheHits: stickyHit,
          stickyCacheMisses: stickyMiss,
        },
      };
    } finally {
      await rig.stop();
    }
  } finally {
    await temporal.close();
  }
}
