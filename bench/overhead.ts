/**
 * 2. Overhead, with the agent emulator at zero think time and M (default 100) items in flight at once.
 *
 * (a) intent emitted → agent receives `tools/call codex`. One orchestrator tick (sprint mode once)
 *     dispatches a REVIEWER intent for each of M In Review items (RUNNER_MAX_REVIEWERS=M, so the
 *     orchestrator's per-cycle cap and the reviewer activity slots admit all M at once). Start: the
 *     orchestrator emulator's write of the RUN_INTENT line to stdout (tap, orchestrator-tap.ts). End:
 *     the agent emulator's AGENT_EVENTS_LOG entry for the `codex` tool call. Both Date.now() on
 *     this machine. Split with the item histories: → runIntent signal recorded → runCodexWorker
 *     scheduled → activity started → tools/call.
 * (b) requestRework → backend transition. For items now in Needs Human Approval, the validated
 *     `requestRework` update (what `sprint-runner rework` sends); start: just before the client call;
 *     end: the backend emulator's effect-log `at` of the Needs Human Approval → In Review (HUMAN)
 *     transition. Half of the items one at a time (unloaded), half all at once (burst).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { requestReworkUpdate, sprintWorkflow, sprintWorkflowId, itemWorkflowId } from '../src/workflows';
import { startBenchTemporal } from './support/temporal';
import { boardItem, linkedPr, startBenchRig } from './support/rig';
import { ET, eventTimeMs, manyWorkflowFigures, type HistoryEvent } from './support/history';
import { cpuMeter } from './support/proc';
import { distribution, envInt, pct, round, type Distribution } from './support/stats';
import type { BenchContext, BenchResult } from './types';

function readJsonl<T>(path: string): T[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as T);
}

function payloadJson(payload: { data?: Uint8Array | null } | null | undefined): unknown {
  if (!payload?.data) return null;
  try {
    return JSON.parse(Buffer.from(payload.data).toString('utf8'));
  } catch {
    return null;
  }
}

interface RunTimeline {
  runId: string;
  emittedAt: number;
  signaledAt: number | null;
  scheduledAt: number | null;
  startedAt: number | null;
  toolsCallAt: number | null;
}

function timelineFromHistory(events: HistoryEvent[]): Map<string, Omit<RunTimeline, 'emittedAt' | 'toolsCallAt'>> {
  const out = new Map<string, Omit<RunTimeline, 'emittedAt' | 'toolsCallAt'>>();
  const scheduledById = new Map<string, string>();
  for (const event of events) {
    if (event.eventType === ET.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED && event.workflowExecutionSignaledEventAttributes?.signalName === 'runIntent') {
      const delivered = payloadJson(event.workflowExecutionSignaledEventAttributes.input?.payloads?.[0]) as { intent?: { run_id?: string } } | null;
      const runId = delivered?.intent?.run_id;
      if (runId) out.set(runId, { runId, signaledAt: eventTimeMs(event), scheduledAt: null, startedAt: null });
    }
    if (event.eventType === ET.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED && event.activityTaskScheduledEventAttributes?.activityType?.name === 'runCodexWorker') {
      const input = payloadJson(event.activityTaskScheduledEventAttributes.input?.payloads?.[0]) as { intent?: { run_id?: string } } | null;
      const runId = input?.intent?.run_id;
      const entry = runId ? out.get(runId) : undefined;
      if (entry && runId) {
        entry.scheduledAt = eventTimeMs(event);
        scheduledById.set(String(event.eventId), runId);
      }
    }
    if (event.eventType === ET.EVENT_TYPE_ACTIVITY_TASK_STARTED) {
      const runId = scheduledById.get(String(event.activityTaskStartedEventAttributes?.scheduledEventId));
      const entry = runId ? out.get(runId) : undefined;
      if (entry && entry.startedAt === null) entry.startedAt = eventTimeMs(event);
    }
  }
  return out;
}

/** (a) alone on a fresh rig (its own sprint) with the agent emulator behind `transport`. */
async function intentToToolsCall(ctx: BenchContext, temporal: Awaited<ReturnType<typeof startBenchTemporal>>, m: number, transport: 'mcp' | 'app-server', sprint: string) {
  const items = Array.from({ length: m }, (_, i) => boardItem(i + 1, 'In Review', sprint));
  const prs = Array.from({ length: m }, (_, i) => linkedPr(i + 1, 10_001 + i));
  const rig = await startBenchRig(temporal, {
    board: { items, prs },
    config: { RUNNER_MAX_REVIEWERS: String(m), RUNNER_MAX_EXECUTORS: String(m), CODEX_TRANSPORT: transport },
    childEnv: { AGENT_SCRIPT_JSON: JSON.stringify({ defaults: { thinkMs: 0 } }) },
  });
  const tapLog = join(rig.dir, 'tap.jsonl');
  const agentLog = join(rig.dir, 'agent.jsonl');
  process.env.ORCHESTRATOR_BENCH_TAP_LOG = tapLog;
  process.env.AGENT_EVENTS_LOG = agentLog;
  try {
    ctx.log(`overhead: ${m} REVIEWER intents over ${transport}`);
    const handle = await temporal.client.workflow.start(sprintWorkflow, {
      taskQueue: rig.config.temporalTaskQueue,
      workflowId: sprintWorkflowId(sprint),
      args: [{ sprint, mode: 'once' }],
    });
    await handle.result();
    const taps = readJsonl<{ at: number; run_id: string }>(tapLog);
    const calls = readJsonl<{ at: number; tool: string; run_id: string | null }>(agentLog).filter((c) => c.tool === 'codex' && c.run_id);
    const callAt = new Map<string, number>();
    for (const call of calls) if (!callAt.has(call.run_id!)) callAt.set(call.run_id!, call.at);
    const figures = await manyWorkflowFigures(
      temporal.client,
      items.map((i) => itemWorkflowId(sprint, i.issue_number)),
    );
    const started = new Map<string, number>();
    for (const f of figures) for (const [runId, entry] of timelineFromHistory(f.allEvents)) if (entry.startedAt !== null) started.set(runId, entry.startedAt);
    const total = distribution(taps.filter((t) => callAt.has(t.run_id)).map((t) => callAt.get(t.run_id)! - t.at));
    const toCall = distribution(taps.filter((t) => callAt.has(t.run_id) && started.has(t.run_id)).map((t) => callAt.get(t.run_id)! - started.get(t.run_id)!));
    return { total, toCall, emitted: taps.length };
  } finally {
    delete process.env.ORCHESTRATOR_BENCH_TAP_LOG;
    delete process.env.AGENT_EVENTS_LOG;
    await rig.stop();
  }
}

export async function overheadBench(ctx: BenchContext): Promise<BenchResult> {
  const m = envInt('BENCH_OVERHEAD_ITEMS', 100);
  const started = Date.now();
  const problems: string[] = [];
  const temporal = await startBenchTemporal();
  try {
    // ---- (a) per transport, side by side (each on a fresh rig and sprint) ----
    const perTransport = {} as Record<'mcp' | 'app-server', Awaited<ReturnType<typeof intentToToolsCall>>>;
    for (const [transport, sprint] of [
      ['mcp', 'M2'],
      ['app-server', 'M3'],
    ] as const) {
      perTransport[transport] = await intentToToolsCall(ctx, temporal, m, transport, sprint);
      if (perTransport[transport].total.n !== m) problems.push(`${transport}: ${m - perTransport[transport].total.n} intents never reached the agent`);
    }
    const items = Array.from({ length: m }, (_, i) => boardItem(i + 1, 'In Review'));
    const prs = Array.from({ length: m }, (_, i) => linkedPr(i + 1, 10_001 + i));
    const rig = await startBenchRig(temporal, {
      board: { items, prs },
      config: { RUNNER_MAX_REVIEWERS: String(m), RUNNER_MAX_EXECUTORS: String(m) },
      childEnv: { AGENT_SCRIPT_JSON: JSON.stringify({ defaults: { thinkMs: 0 } }) },
    });
    const tapLog = join(rig.dir, 'tap.jsonl');
    const agentLog = join(rig.dir, 'agent.jsonl');
    process.env.ORCHESTRATOR_BENCH_TAP_LOG = tapLog;
    process.env.AGENT_EVENTS_LOG = agentLog;
    try {
      // ---- (a) intent → tools/call ----
      ctx.log(`overhead: ${m} REVIEWER intents in one tick, all in flight at once, thinkMs 0`);
      const cpu = cpuMeter(temporal.server.process.pid);
      const t0 = Date.now();
      const handle = await temporal.client.workflow.start(sprintWorkflow, {
        taskQueue: rig.config.temporalTaskQueue,
        workflowId: sprintWorkflowId('M1'),
        args: [{ sprint: 'M1', mode: 'once' }],
      });
      const result = await handle.result();
      const sprintMs = Date.now() - t0;
      const cpuA = cpu();
      const taps = readJsonl<{ at: number; run_id: string }>(tapLog);
      const calls = readJsonl<{ at: number; tool: string; run_id: string | null }>(agentLog).filter((c) => c.tool === 'codex' && c.run_id);
      const callAt = new Map<string, number>();
      for (const call of calls) if (!callAt.has(call.run_id!)) callAt.set(call.run_id!, call.at);
      const figures = await manyWorkflowFigures(
        temporal.client,
        items.map((i) => itemWorkflowId('M1', i.issue_number)),
      );
      const fromHistory = new Map<string, Omit<RunTimeline, 'emittedAt' | 'toolsCallAt'>>();
      for (const f of figures) for (const [runId, entry] of timelineFromHistory(f.allEvents)) fromHistory.set(runId, entry);
      const timelines: RunTimeline[] = taps.map((tap) => ({
        ...(fromHistory.get(tap.run_id) ?? { signaledAt: null, scheduledAt: null, startedAt: null }),
        runId: tap.run_id,
        emittedAt: tap.at,
        toolsCallAt: callAt.get(tap.run_id) ?? null,
      }));
      const span = (from: keyof RunTimeline, to: keyof RunTimeline): Distribution =>
        distribution(timelines.filter((t) => t[from] !== null && t[to] !== null).map((t) => (t[to] as number) - (t[from] as number)));
      const total = span('emittedAt', 'toolsCallAt');
      const toSignal = span('emittedAt', 'signaledAt');
      const toScheduled = span('signaledAt', 'scheduledAt');
      const toStarted = span('scheduledAt', 'startedAt');
      const toCall = span('startedAt', 'toolsCallAt');
      if (taps.length !== m) problems.push(`orchestrator emitted ${taps.length} intents, expected ${m}`);
      if (total.n !== m) problems.push(`${m - total.n} intents never reached the agent`);
      const nha = rig.backend.board.listProjectItems().filter((i) => i.fields.Status === 'Needs Human Approval').length;
      if (nha !== m) problems.push(`${m - nha} items not in Needs Human Approval after the reviews`);

      // ---- (b) requestRework → backend transition ----
      const half = Math.max(1, Math.floor(m / 2));
      ctx.log(`overhead: requestRework update → backend transition (${half} one at a time, ${m - half} at once)`);
      const reworkAt = new Map<number, { start: number; done: number }>();
      const rework = async (issue: number) => {
        const h = temporal.client.workflow.getHandle(itemWorkflowId('M1', issue));
        const start = Date.now();
        await h.executeUpdate(requestReworkUpdate, { args: [{ reason: `bench rework of #${issue}` }] });
        reworkAt.set(issue, { start, done: Date.now() });
      };
      for (let issue = 1; issue <= half; issue += 1) await rework(issue);
      await Promise.all(Array.from({ length: m - half }, (_, i) => rework(half + 1 + i)));
      const transitions = new Map<number, number>();
      for (const entry of rig.backend.board.effectLog()) {
        if (entry.kind === 'transition' && entry.from === 'Needs Human Approval' && entry.to === 'In Review' && entry.issue_number !== undefined) {
          transitions.set(entry.issue_number, Date.parse(entry.at));
        }
      }
      const reworkLatency = (issues: number[]) =>
        distribution(issues.filter((i) => transitions.has(i) && reworkAt.has(i)).map((i) => transitions.get(i)! - reworkAt.get(i)!.start));
      const updateRoundTrip = (issues: number[]) => distribution(issues.filter((i) => reworkAt.has(i)).map((i) => reworkAt.get(i)!.done - reworkAt.get(i)!.start));
      const seq = Array.from({ length: half }, (_, i) => i + 1);
      const burst = Array.from({ length: m - half }, (_, i) => half + 1 + i);
      const seqLatency = reworkLatency(seq);
      const burstLatency = reworkLatency(burst);
      if (transitions.size !== m) problems.push(`${m - transitions.size} rework transitions missing in the backend log`);

      const result2 = {
        name: 'overhead',
        title: `Overhead: ${m} items in flight, agent think time 0`,
        wallS: (Date.now() - started) / 1000,
        problems,
        figures: [
          {
            metric: `intent emitted → agent tools/call (p50/p95/p99, ${total.n} runs)`,
            value: pct(total),
            unit: 'ms',
            note: 'orchestrator stdout write of the RUN_INTENT line → agent emulator receives tools/call codex (AGENT_EVENTS_LOG)',
          },
          {
            metric: '  emitted → runIntent signal in item history',
            value: pct(toSignal),
            unit: 'ms',
            note: 'includes waiting for the orchestrator process to exit, validation, spooling, signal-with-start',
          },
          { metric: '  signal → runCodexWorker scheduled', value: pct(toScheduled), unit: 'ms', note: 'item workflow task' },
          { metric: '  scheduled → activity started', value: pct(toStarted), unit: 'ms', note: 'reviewer activity queue (slots = M)' },
          { metric: '  activity started → tools/call', value: pct(toCall), unit: 'ms', note: 'agent process spawn (node + tsx), MCP initialize, tools/list, GET agent-context' },
          {
            metric: `requestRework → backend transition, one at a time (p50/p95/p99, ${seqLatency.n})`,
            value: pct(seqLatency),
            unit: 'ms',
            note: 'client executeUpdate call → backend effect-log time of Needs Human Approval → In Review (HUMAN)',
          },
          { metric: `requestRework → backend transition, ${burst.length} at once (p50/p95/p99)`, value: pct(burstLatency), unit: 'ms' },
          {
            metric: 'requestRework update round trip, one at a time (p50)',
            value: round(updateRoundTrip(seq).p50, 0),
            unit: 'ms',
            note: 'the update returns once the backend accepted the move',
          },
          { metric: `sprint tick: start → all ${m} reviews handed off`, value: round(sprintMs / 1000, 1), unit: 's' },
        ],
        details: {
          items: m,
          sprintMs,
          cpu: cpuA,
          sprintResult: { reason: result.reason, ticks: result.ticks, intentsRouted: result.intentsRouted },
          intentToToolsCall: total,
          emittedToSignal: toSignal,
          signalToScheduled: toScheduled,
          scheduledToStarted: toStarted,
          startedToToolsCall: toCall,
          reworkSequential: seqLatency,
          reworkBurst: burstLatency,
          reworkUpdateRoundTripSequential: updateRoundTrip(seq),
          reworkUpdateRoundTripBurst: updateRoundTrip(burst),
          runnerBackendCalls: rig.runnerCalls,
          intentToFirstTurnByTransport: perTransport,
        },
      };
      result2.figures.push(
        {
          metric: `intent emitted → first turn, MCP (p50/p95/p99, ${perTransport.mcp.total.n} runs)`,
          value: pct(perTransport.mcp.total),
          unit: 'ms',
          note: 'agent emulator as `codex mcp-server`: tools/call codex received',
        },
        {
          metric: `intent emitted → first turn, app-server (p50/p95/p99, ${perTransport['app-server'].total.n} runs)`,
          value: pct(perTransport['app-server'].total),
          unit: 'ms',
          note: 'agent emulator as `codex app-server`: turn/start received',
        },
        {
          metric: '  activity started → first turn, MCP (p50/p95/p99)',
          value: pct(perTransport.mcp.toCall),
          unit: 'ms',
          note: 'spawn, initialize, tools/list, agent-context, tools/call',
        },
        {
          metric: '  activity started → first turn, app-server (p50/p95/p99)',
          value: pct(perTransport['app-server'].toCall),
          unit: 'ms',
          note: 'spawn, initialize, agent-context, thread/start, turn/start',
        },
      );
      return result2;
    } finally {
      delete process.env.ORCHESTRATOR_BENCH_TAP_LOG;
      delete process.env.AGENT_EVENTS_LOG;
      await rig.stop();
    }
  } finally {
    await temporal.close();
  }
}
