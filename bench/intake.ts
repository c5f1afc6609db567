/**
 * 1. Intake: the orchestrator emulator emits N RUN_INTENTs in one run (ORCHESTRATOR_EMULATOR_SYNTHETIC_INTENTS=N,
 * REVIEWER resolve-linked-pr intents for issues 1..N); the sprint workflow (mode once, dry run) routes
 * them with signal-with-start to N item workflows, each of which runs its intent in dry-run mode
 * (DRY_RUN_WOULD_EXECUTE: the item workflow reached the run step, no Codex process is started).
 * Counted: intents the orchestrator printed (stdout tap), intents delivered (each item's
 * intentsReceived as reported to the sprint), dry runs executed, duplicates, missing.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { sprintItemsQuery, sprintWorkflow, sprintWorkflowId } from '../src/workflows';
import { startBenchTemporal } from './support/temporal';
import { startBenchRig } from './support/rig';
import { distribution, envInt, round, sleep } from './support/stats';
import { workflowFigures } from './support/history';
import { cpuMeter } from './support/proc';
import type { BenchContext, BenchResult } from './types';

export async function intakeBench(ctx: BenchContext): Promise<BenchResult> {
  const n = envInt('BENCH_INTAKE_INTENTS', 10_000);
  const maxS = envInt('BENCH_INTAKE_MAX_S', 360);
  const started = Date.now();
  const temporal = await startBenchTemporal();
  const problems: string[] = [];
  try {
    const rig = await startBenchRig(temporal, {
      board: { items: [] },
      config: { RUNNER_DRY_RUN: 'true' },
      childEnv: { ORCHESTRATOR_EMULATOR_SYNTHETIC_INTENTS: String(n) },
    });
    const tapLog = join(rig.dir, 'tap.jsonl');
    process.env.ORCHESTRATOR_BENCH_TAP_LOG = tapLog;
    try {
      ctx.log(`intake: ${n} intents from one orchestrator run (dry run)`);
      const t0 = Date.now();
      const cpu = cpuMeter(temporal.server.process.pid);
      const handle = await temporal.client.workflow.start(sprintWorkflow, {
        taskQueue: rig.config.temporalTaskQueue,
        workflowId: sprintWorkflowId('M1'),
        args: [{ sprint: 'M1', mode: 'once', dryRun: true }],
      });
      const progress = setInterval(() => {
        const executedSoFar = rig.events.filter((e) => e.type === 'DRY_RUN_WOULD_EXECUTE').length;
        ctx.log(`intake: ${Math.round((Date.now() - t0) / 1000)}s, ${executedSoFar} intents executed (dry run)`);
      }, 30_000);
      // Bounded: a sprint that has not finished after BENCH_INTAKE_MAX_S is reported as it stands.
      let result: Awaited<ReturnType<typeof handle.result>> | null = null;
      try {
        result = await Promise.race([handle.result(), sleep(maxS * 1000).then(() => null)]);
      } finally {
        clearInterval(progress);
      }
      const wallMs = Date.now() - t0;
      const cpuUsed = cpu();
      if (!result) {
        problems.push(`sprint had not finished intake after ${maxS}s (BENCH_INTAKE_MAX_S); figures are as of then`);
        ctx.log(`intake: not finished after ${maxS}s; reading the state and terminating`);
      }
      // Every item's view, page by page (one query answer must stay below the payload limit).
      const readItems = async () => {
        const items = [];
        for (let offset = 0; ;) {
          const page = await handle.query(sprintItemsQuery, { offset, limit: 1000 });
          items.push(...page.items);
          offset += page.items.length;
          if (!page.items.length || offset >= page.total) return { items };
        }
      };
      const status = await Promise.race([readItems().catch(() => null), sleep(60_000).then(() => null)]);
      if (!result) await handle.terminate('bench time limit').catch(() => undefined);

      const taps = existsSync(tapLog)
        ? readFileSync(tapLog, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((line) => JSON.parse(line) as { at: number; run_id: string })
        : [];
      const emitted = new Set(taps.map((t) => t.run_id));
      const dryRuns = rig.events.filter((e) => e.type === 'DRY_RUN_WOULD_EXECUTE');
      const executed = new Set(dryRuns.map((e) => String(e.run_id)));
      const duplicates = dryRuns.length - executed.size;
      const missing = [...emitted].filter((id) => !executed.has(id)).length;
      // null: the sprint did not answer the query, so delivery could not be read from it.
      const delivered = status ? status.items.reduce((sum, item) => sum + item.intentsReceived, 0) : null;
      const itemsOk = (status?.items ?? []).filter((item) => item.intentsReceived === 1 && item.intentsRouted === 1 && !item.busy).length;
      const routedEvent = rig.events.find((e) => e.type === 'INTAKE_ROUTED');
      const firstTap = taps.length ? Math.min(...taps.map((t) => t.at)) : NaN;
      const lastTap = taps.length ? Math.max(...taps.map((t) => t.at)) : NaN;
      const lastRun = dryRuns.length ? Math.max(...dryRuns.map((e) => e.at_ms)) : NaN;

      if (result && result.intentsRouted !== n) problems.push(`sprint routed ${result.intentsRouted} of ${n}`);
      if (!status) problems.push('sprintItems queries did not answer within 60 s');
      const stuckBusy = (status?.items ?? []).filter((item) => item.busy && item.intentsReceived === 1).length;
      if (stuckBusy) problems.push(`${stuckBusy} items received their intent but are still reported busy to the sprint`);
      if (emitted.size !== n) problems.push(`orchestrator printed ${emitted.size} of ${n}`);
      if (executed.size !== n) problems.push(`executed ${executed.size} of ${n}`);
      if (duplicates) problems.push(`${duplicates} duplicate runs`);
      if (status && itemsOk !== n) problems.push(`${n - itemsOk} items without exactly one delivered intent`);

      const sprintHistory = await Promise.race([workflowFigures(temporal.client, handle.workflowId).catch(() => null), sleep(60_000).then(() => null)]);
      const pctDelivered = delivered === null ? null : (100 * Math.min(delivered, n)) / n;
      const pctExecuted = (100 * executed.size) / n;
      return {
        name: 'intake',
        title: `Intake: ${n} intents in one orchestrator run`,
        wallS: (Date.now() - started) / 1000,
        problems,
        figures: [
          {
            metric: 'intents emitted / delivered / executed',
            value: `${emitted.size} / ${delivered ?? '?'} / ${executed.size}`,
            unit: 'count',
            note: 'delivered = intentsReceived reported by the items to the sprint (? = sprintStatus query unanswered); executed = dry-run executions (DRY_RUN_WOULD_EXECUTE, no Codex)',
          },
          { metric: 'delivered', value: round(pctDelivered, 2), unit: '%' },
          { metric: 'executed (dry run)', value: round(pctExecuted, 2), unit: '%' },
          { metric: 'duplicates / missing', value: `${duplicates} / ${missing}`, unit: 'count' },
          { metric: result ? 'wall time (sprint start → result)' : `wall time (NOT finished, stopped at ${maxS}s)`, value: round(wallMs / 1000, 1), unit: 's' },
          { metric: 'sprint start → last intent executed', value: round((lastRun - t0) / 1000, 1), unit: 's' },
          { metric: 'throughput', value: round(executed.size / ((lastRun - t0) / 1000), 0), unit: 'intents/s', note: 'intents executed / (sprint start → last dry run executed)' },
          { metric: 'orchestrator printing (first → last line)', value: round((lastTap - firstTap) / 1000, 2), unit: 's' },
          { metric: 'last line → all routed (INTAKE_ROUTED)', value: routedEvent ? round((routedEvent.at_ms - lastTap) / 1000, 1) : null, unit: 's' },
          { metric: 'last line → last dry run executed', value: round((lastRun - lastTap) / 1000, 1), unit: 's' },
        ],
        details: {
          n,
          wallMs,
          cpu: cpuUsed,
          itemsReportedBusy: stuckBusy,
          emitted: emitted.size,
          delivered,
          executed: executed.size,
          duplicates,
          missing,
          itemsOk,
          finished: result !== null,
          maxS,
          sprintResult: result && { reason: result.reason, ticks: result.ticks, intentsRouted: result.intentsRouted },
          orchestratorPrintMs: lastTap - firstTap,
          lastLineToRoutedMs: routedEvent ? routedEvent.at_ms - lastTap : null,
          lastLineToLastRunMs: lastRun - lastTap,
          sprintHistory: sprintHistory && {
            runs: sprintHistory.runs.length,
            events: sprintHistory.events,
            bytes: sprintHistory.bytes,
            workflowTasks: sprintHistory.workflowTasks,
            eventTypes: sprintHistory.eventTypes,
            wftScheduleToStartMs: distribution(sprintHistory.wftScheduleToStartMs),
            wftStartToCompleteMs: distribution(sprintHistory.wftStartToCompleteMs),
          },
          sprintStartToFirstLineMs: firstTap - t0,
        },
      };
    } finally {
      delete process.env.ORCHESTRATOR_BENCH_TAP_LOG;
      await rig.stop();
    }
  } finally {
    await temporal.close();
  }
}
