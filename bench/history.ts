/**
 * 4b. Sprint history over a long sprint. 14 days of 15 s ticks is 80,640 orchestrator ticks; we
 * cannot wait for that. The dev server fires timers with ~1 s granularity (a 1 ms poll interval
 * still ticks ~1/s), so the bench drives the ticks with the sprint's own `tick` signal, sent as soon
 * as the previous tick is done, against an orchestrator that answers at once (bench/support/idle-orchestrator.sh: no intents, the
 * DISPATCH_SUMMARY of a B-item board with nothing left to dispatch, B default 200, built with the
 * orchestrator emulator's dispatchSummaryEvent) for a bounded number of ticks / seconds, then the
 * `stop` signal. Every run of the chain is fetched: events and encoded bytes per run, ticks per run,
 * continue-as-new count; the 14-day figures are extrapolated from ticks per run (ticks are identical,
 * so the history per run does not depend on wall-clock time between ticks).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sprintStatusQuery, sprintWorkflow, sprintWorkflowId, stopSignal, tickSignal } from '../src/workflows';
import { dispatchSummaryEvent, STATUS_ORDER, type DispatchSummary } from '../emulators/orchestrator/plan';
import { startBenchTemporal } from './support/temporal';
import { IDLE_ORCHESTRATOR_CMD, startBenchRig } from './support/rig';
import { eventTimeMs, eventTypeName, workflowFigures, type HistoryEvent } from './support/history';

function timeline(events: HistoryEvent[]): string[] {
  const t0 = events.length ? eventTimeMs(events[0]!) : 0;
  return events.map((e) => `${(eventTimeMs(e) - t0).toFixed(1).padStart(8)} ms  ${eventTypeName(e).replace('EVENT_TYPE_', '')}`);
}
import { cpuMeter } from './support/proc';
import { distribution, envInt, round, sleep } from './support/stats';
import type { BenchContext, BenchResult } from './types';

const TICKS_14_DAYS = (14 * 24 * 3600) / 15;

/** A quiet cycle of a mid-sprint board: a third each In Progress, In Review, Needs Human Approval. */
function quietSummary(boardItems: number, sprint: string): DispatchSummary {
  const statuses = ['In Progress', 'In Review', 'Needs Human Approval'];
  const processed = Array.from({ length: boardItems }, (_, i) => ({
    issue_number: i + 1,
    project_item_id: `PVTI_${i + 1}`,
    status: statuses[i % 3]!,
    last_dispatch: { role: 'EXECUTOR', run_id: '6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f', dispatched_at: '2026-01-05T10:00:00.000Z' },
    stall: null,
    in_review_origin: '',
  }));
  const counts = Object.fromEntries(STATUS_ORDER.map((s) => [s, processed.filter((p) => p.status === s).length])) as DispatchSummary['status_counts'];
  return {
    sprint,
    poll_count: 1,
    in_scope_total: boardItems,
    status_counts: counts,
    intents_emitted: { EXECUTOR: 0, REVIEWER: 0, total: 0 },
    skipped: { not_in_scope: 0, dedupe_same_status: boardItems, concurrency_limit: 0 },
    needs_attention: { stalled_in_progress: [], in_review_churn: [] },
    processed_items: processed,
    completed: false,
  };
}

export async function historyBench(ctx: BenchContext): Promise<BenchResult> {
  const maxTicks = envInt('BENCH_HISTORY_TICKS', 5000);
  const maxS = envInt('BENCH_HISTORY_MAX_S', 75);
  const boardItems = envInt('BENCH_HISTORY_BOARD_ITEMS', 200);
  const started = Date.now();
  const problems: string[] = [];
  const temporal = await startBenchTemporal();
  try {
    const rig = await startBenchRig(temporal, {
      board: { items: [] },
      config: { RUNNER_ORCHESTRATOR_CMD: IDLE_ORCHESTRATOR_CMD, ORCHESTRATOR_POLL_INTERVAL_MS: '15000' },
    });
    const summaryPath = join(rig.dir, 'idle-summary.json');
    // The script prints `{"poll_count":<pid>,` and then this file: the rest of the summary object.
    const { poll_count: _pollCount, ...rest } = dispatchSummaryEvent(quietSummary(boardItems, 'M1'));
    void _pollCount;
    writeFileSync(summaryPath, `${JSON.stringify(rest).slice(1)}\n`);
    process.env.ORCHESTRATOR_BENCH_IDLE_SUMMARY = summaryPath;
    try {
      ctx.log(`history: sprint ticked by signal against an idle orchestrator (${boardItems}-item board), up to ${maxTicks} ticks / ${maxS}s`);
      const cpu = cpuMeter(temporal.server.process.pid);
      const t0 = Date.now();
      const handle = await temporal.client.workflow.start(sprintWorkflow, {
        taskQueue: rig.config.temporalTaskQueue,
        workflowId: sprintWorkflowId('M1'),
        args: [{ sprint: 'M1', mode: 'loop' }],
      });
      // The dev server fires timers with ~1 s granularity, so a 1 ms poll interval still ticks at
      // ~1/s. Ticks are driven with the sprint's `tick` signal instead: sent once the previous tick
      // is done (query), it wakes the same wf.condition the poll timer would (the timer is cancelled).
      // The tick is over (the workflow waits for the next one) once the sprint holds the summary
      // of this tick's orchestrator run: its poll_count is that process's pid.
      let ticks = 0;
      let lastPoll: unknown = null;
      let lastLog = Date.now();
      let signalsSent = 0;
      const landed = async () => {
        const view = await handle.query(sprintStatusQuery).catch(() => null);
        if (!view) return false;
        ticks = view.ticks;
        const poll = view.lastSummary?.poll_count ?? null;
        if (poll === null || poll === lastPoll) return false;
        lastPoll = poll;
        return true;
      };
      while (!(await landed())) await sleep(20);
      while (ticks < maxTicks && Date.now() - t0 < maxS * 1000) {
        await handle.signal(tickSignal).catch(() => undefined);
        signalsSent += 1;
        const deadline = Date.now() + 5000;
        while (!(await landed()) && Date.now() < deadline) await sleep(2);
        if (Date.now() - lastLog > 20_000) {
          lastLog = Date.now();
          ctx.log(`history: ${ticks} ticks after ${Math.round((Date.now() - t0) / 1000)}s`);
        }
      }
      await handle.signal(stopSignal);
      const result = await handle.result();
      const loopMs = Date.now() - t0;
      const cpuUsed = cpu();
      ctx.log(`history: stopped after ${result.ticks} ticks in ${(loopMs / 1000).toFixed(1)}s; fetching every run`);
      const figures = await workflowFigures(temporal.client, handle.workflowId, 10_000);
      const runs = figures.runs;
      const completedRuns = runs.filter((r) => r.continuedAsNew);
      // Ticks per run: one orchestrator activity per tick.
      const ticksPerRun = completedRuns.map((r) => r.activities);
      const eventsPerRun = distribution(runs.map((r) => r.events));
      const bytesPerRun = distribution(runs.map((r) => r.bytes));
      const meanTicksPerRun = ticksPerRun.length ? ticksPerRun.reduce((acc, v) => acc + v, 0) / ticksPerRun.length : null;
      const totalEvents = runs.reduce((acc, r) => acc + r.events, 0);
      const totalBytes = runs.reduce((acc, r) => acc + r.bytes, 0);
      const totalSignals = runs.reduce((acc, r) => acc + r.signals, 0);
      const eventsPerTick = totalEvents / Math.max(1, result.ticks);
      const bytesPerTick = totalBytes / Math.max(1, result.ticks);
      // A timer-driven tick has no WorkflowExecutionSignaled event (TimerFired replaces TimerCanceled).
      const eventsPerTimerTick = (totalEvents - totalSignals) / Math.max(1, result.ticks);
      const maxEvents = Math.max(...runs.map((r) => r.events));
      const threshold = (rig.config as { historyEventsBeforeContinue?: number }).historyEventsBeforeContinue ?? 8000;
      const byEventCount = maxEvents > threshold;
      const ticksPerTimerRun = meanTicksPerRun === null ? null : byEventCount ? (meanTicksPerRun * eventsPerTick) / eventsPerTimerTick : meanTicksPerRun;
      const canIn14Days = ticksPerTimerRun ? Math.ceil(TICKS_14_DAYS / ticksPerTimerRun) - 1 : null;
      if (!completedRuns.length) problems.push(`no continue-as-new within ${result.ticks} ticks: raise BENCH_HISTORY_MAX_S / BENCH_HISTORY_TICKS`);
      return {
        name: 'history',
        title: `Sprint history: ${result.ticks} ticks of a ${boardItems}-item board, extrapolated to 14 days of 15 s ticks`,
        wallS: (Date.now() - started) / 1000,
        problems,
        figures: [
          {
            metric: 'ticks driven (tick signal after each tick)',
            value: result.ticks,
            unit: 'ticks',
            note: `${round(result.ticks / (loopMs / 1000), 1)} ticks/s; orchestrator = /bin/sh printing a ${boardItems}-item DISPATCH_SUMMARY; poll timer 15 s (cancelled by each tick signal)`,
          },
          { metric: 'runs (continued-as-new + current)', value: `${completedRuns.length} + 1`, unit: 'runs' },
          {
            metric: 'ticks per completed run',
            value: ticksPerRun.length ? ticksPerRun.join(', ') : '–',
            unit: 'ticks',
            note: `continue-as-new trigger observed: ${completedRuns.length ? (byEventCount ? `RUNNER_HISTORY_EVENTS_BEFORE_CONTINUE (${threshold} events)` : 'continueAsNewSuggested (server; history size)') : 'none yet'}`,
          },
          { metric: 'history events per run (max / p50)', value: `${maxEvents} / ${eventsPerRun.p50}`, unit: 'events' },
          { metric: 'history size per run (max / p50)', value: `${round(bytesPerRun.max! / 1024 / 1024, 2)} / ${round(bytesPerRun.p50! / 1024 / 1024, 2)}`, unit: 'MiB' },
          {
            metric: 'per tick: events (timer-driven) / bytes',
            value: `${round(eventsPerTimerTick, 1)} / ${round(bytesPerTick / 1024, 1)} KiB`,
            unit: '',
            note: 'measured minus the one bench tick signal per tick',
          },
          {
            metric: '14 days × 15 s = 80,640 ticks → continue-as-new runs',
            value: canIn14Days,
            unit: 'runs',
            note: 'extrapolated: 80,640 / ticks per run (timer-driven); the history per run stays at the per-run max above',
          },
          {
            metric: '14 days: history written over all runs',
            value: round((bytesPerTick * TICKS_14_DAYS) / 1024 / 1024, 0),
            unit: 'MiB',
            note: 'bytes per tick × 80,640; retained by the server per closed run until the namespace retention expires',
          },
        ],
        details: {
          boardItems,
          historyEventsBeforeContinue: threshold,
          ticks: result.ticks,
          loopMs,
          cpu: cpuUsed,
          runs: runs.map(({ runId, events, bytes, activities, timers, signals, workflowTasks, continuedAsNew }) => ({
            runId,
            events,
            bytes,
            ticks: activities,
            timers,
            signals,
            workflowTasks,
            continuedAsNew,
          })),
          eventsPerRun,
          bytesPerRun,
          eventsPerTick,
          eventsPerTimerTick,
          bytesPerTick,
          signalsSent,
          ticksPerTimerRun,
          ticks14Days: TICKS_14_DAYS,
          continueAsNewRuns14Days: canIn14Days,
          eventTypes: figures.eventTypes,
          firstRunTimeline: timeline(figures.allEvents.slice(0, 60)),
        },
      };
    } finally {
      delete process.env.ORCHESTRATOR_BENCH_IDLE_SUMMARY;
      await rig.stop();
    }
  } finally {
    await temporal.close();
  }
}
