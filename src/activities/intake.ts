/**
 * One orchestrator tick, lossless: run the orchestrator, validate EVERY stdout line as a RUN_INTENT
 * (fail closed: one bad line stops the sprint and nothing of the batch is routed), spool the batch
 * to disk, then hand each intent to its item's workflow with signal-with-start. The spool and the
 * heartbeat (how many were routed) let a retried attempt resume routing instead of re-running the
 * orchestrator, whose state file already marks these intents as dispatched. Item workflows drop
 * a run_id they already have, so re-routing after a crash never runs anything twice.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Context } from '@temporalio/activity';
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import type { RunnerConfig } from '../config';
import { intentHash } from '../domain/intent-hash';
import { checkPayloadSize, dispatchSummaryProblem, IntakeRefusal, SummaryError, validateIntentLines } from '../domain/intake-batch';
import { writeFileAtomically } from './files';
import { readStateFile } from './orchestrator-state';
import { withStateFileLock } from './state-file-lock';
import { runOrchestratorOnce } from './orchestrator-process';
import { itemWorkflowId, runIntentSignal, type BoardStatus, type DeliveredIntent, type RunIntent } from '../workflows/item/messages';
import { BoardStatusSchema, MESSAGE_VERSION } from '../contracts/messages';
import type { ItemSettings } from '../workflows/item/item-state';
import type { TickOutcome } from '../workflows/sprint/ports';
import { emitEvent } from '../logging';

export interface TickInput {
  sprint: string;
  /** Item workflows report to this sprint workflow. */
  sprintWorkflowId: string;
  tick: number;
  itemSettings: ItemSettings;
  /** Issue titles the sprint knows (its sprint plan) for items it has not routed to yet. */
  titles?: Record<string, string>;
}


interface SpooledIntent {
  intent: RunIntent;
  raw: Record<string, unknown>;
  intentHash: string;
  issueNumber: number;
  projectItemId: string | null;
}

interface Spool {
  intents: SpooledIntent[];
  /** When the orchestrator started reading the board; with each item's status it saw (from DISPATCH_SUMMARY). */
  observedAtMs: number;
  observedStatus: Record<string, BoardStatus>;
  summary: Record<string, unknown> | null;
  endOfSprint: boolean;
  exitCode: number;
}

const ROUTING_CONCURRENCY = 32;

export function createIntakeActivities(config: RunnerConfig, client: () => Client) {
  const spoolDir = join(dirname(config.orchestratorStatePath), '.sprint-runner-intake');

  async function collect(input: TickInput): Promise<Spool> {
    const ctx = Context.current();
    const observedAtMs = Date.now();
    const output = await runOrchestratorOnce(config, input.sprint, {
      signal: ctx.cancellationSignal,
      onStderrLine: (line) => process.stderr.write(`${line}\n`),
    });
    if (output.exitCode !== 0) {
      const exitCode = [2, 3, 4].includes(output.exitCode) ? output.exitCode : 2;
      throw ApplicationFailure.create({
        type: 'OrchestratorExit', nonRetryable: true,
        message: `orchestrator exited with ${output.exitCode}: ${output.stderrLines.filter((l) => !l.startsWith('{')).slice(-3).join(' | ') || 'see its stderr'}`,
        details: [{ exitCode, orchestratorExitCode: output.exitCode }],
      });
    }
    const state = await readStateFile(config.orchestratorStatePath);
    try {
      // All or nothing (domain/intake-batch.ts): every line and summary is checked, and every
      // intent's routing payload measured, before the first one is routed.
      const batch = validateIntentLines(output.stdoutLines, state, config.orchestratorStatePath);
      let summary: Record<string, unknown> | null = null;
      let endOfSprint = false;
      for (const line of output.stderrLines) {
        const event = parseJsonObject(line);
        if (event?.type === 'DISPATCH_SUMMARY') {
          const problem = dispatchSummaryProblem(line, event);
          if (problem) throw new SummaryError('summary_invalid', problem);
          summary = trimSummary(event);
        }
        if (event?.type === 'END_OF_SPRINT_SUMMARY') endOfSprint = true;
      }
      const observedStatus = statusesIn(summary);
      const intents = batch.map(({ line, intent, raw, issueNumber, projectItemId }): SpooledIntent => {
        const entry: SpooledIntent = { intent, raw, intentHash: intentHash(raw), issueNumber, projectItemId };
        checkPayloadSize({ line, intent }, encodedRequestBytes(routingRequest(input, { observedAtMs, observedStatus }, entry)), config.maxPayloadBytes);
        return entry;
      });
      return { intents, summary, endOfSprint, exitCode: 0, observedAtMs, observedStatus };
    } catch (err) {
      throw refusalFailure(err, input);
    }
  }

  return {
    async runOrchestratorTick(input: TickInput): Promise<TickOutcome> {
      const ctx = Context.current();
      const execution = ctx.info.workflowExecution;
      const spoolPath = join(spoolDir, `${safeName(`${execution?.workflowId}/${execution?.runId}`)}-${input.tick}.json`);
      const resumed = (ctx.info.heartbeatDetails as { routed?: number } | undefined)?.routed;
      let spool: Spool;
      if (resumed !== undefined) {
        spool = JSON.parse(await readFile(spoolPath, 'utf8')) as Spool;
      } else {
        // The orchestrator run and the read of the state it wrote, with no runner update in between.
        spool = await withStateFileLock(config.orchestratorStatePath, () => collect(input));
        await writeFileAtomically(spoolPath, JSON.stringify(spool));
      }
      let routed = resumed ?? 0;
      ctx.heartbeat({ routed });
      const handle = client();
      for (let start = routed; start < spool.intents.length; start += ROUTING_CONCURRENCY) {
        const batch = spool.intents.slice(start, start + ROUTING_CONCURRENCY);
        await Promise.all(batch.map((entry) => routeIntent(handle, input, spool, entry)));
        routed = start + batch.length;
        ctx.heartbeat({ routed });
      }
      emitEvent({ type: 'INTAKE_ROUTED', sprint: input.sprint, tick: input.tick, intents: routed });
      const items = new Map<number, { issueNumber: number; projectItemId: string | null; intents: number }>();
      for (const entry of spool.intents) {
        const known = items.get(entry.issueNumber) ?? { issueNumber: entry.issueNumber, projectItemId: entry.projectItemId, intents: 0 };
        known.intents += 1;
        items.set(entry.issueNumber, known);
      }
      return {
        routed,
        routedItems: [...items.values()],
        summary: spool.summary,
        endOfSprint: spool.endOfSprint,
        exitCode: spool.exitCode,
        observedAtMs: spool.observedAtMs,
      };
    },
  };
}

/** The signal-with-start request that hands `entry` to its item's workflow (measured at intake, then sent). */
function routingRequest(input: TickInput, spool: Pick<Spool, 'observedAtMs' | 'observedStatus'>, entry: SpooledIntent) {
  const observedStatus = spool.observedStatus[String(entry.issueNumber)];
  const title = input.titles?.[String(entry.issueNumber)];
  const start = {
    sprint: input.sprint, issueNumber: entry.issueNumber, projectItemId: entry.projectItemId, settings: input.itemSettings,
    sprintWorkflowId: input.sprintWorkflowId, title: title ?? null,
  };
  const delivered: DeliveredIntent = {
    version: MESSAGE_VERSION, intent: entry.intent, raw: entry.raw, intentHash: entry.intentHash, routedAtMs: Date.now(),
    ...(observedStatus ? { observedStatus, observedAtMs: spool.observedAtMs } : {}),
  };
  return {
    workflowId: itemWorkflowId(input.sprint, entry.issueNumber),
    taskQueue: input.itemSettings.taskQueues.main,
    args: [start] as [typeof start],
    signal: runIntentSignal,
    signalArgs: [delivered] as [DeliveredIntent],
    staticSummary: `${input.sprint} · #${entry.issueNumber}${title ? ` ${title}` : ''}`,
  };
}

/** Bytes of the request's payloads as the JSON payload converter encodes them (workflow input + signal input). */
function encodedRequestBytes(request: ReturnType<typeof routingRequest>): number {
  return Buffer.byteLength(JSON.stringify(request.args[0]), 'utf8') + Buffer.byteLength(JSON.stringify(request.signalArgs[0]), 'utf8');
}

async function routeIntent(client: Client, input: TickInput, spool: Spool, entry: SpooledIntent): Promise<void> {
  await client.workflow.signalWithStart('itemWorkflow', routingRequest(input, spool, entry));
}

/**
 * A refused batch as the activity's failure: one compact INTENT_REFUSED line on stderr, and a
 * non-retryable failure the sprint maps to its stop (exit 2). BENIGN: an expected refusal, so the
 * SDK logs it at DEBUG instead of a WARN stack trace.
 */
function refusalFailure(err: unknown, input: TickInput): unknown {
  if (err instanceof IntakeRefusal) {
    const where = err.line === null ? '' : ` (orchestrator stdout line ${err.line})`;
    emitEvent({ type: 'INTENT_REFUSED', sprint: input.sprint, tick: input.tick, code: err.code, line: err.line, error: err.message, details: err.details });
    return ApplicationFailure.create({
      type: 'IntentError', nonRetryable: true, category: ApplicationFailureCategory.BENIGN,
      message: `intent_error: ${err.code}: ${err.message}${where}`,
      details: [{ code: err.code, line: err.line, details: err.details, exitCode: 2 }],
    });
  }
  if (err instanceof SummaryError) {
    emitEvent({ type: 'SUMMARY_REFUSED', sprint: input.sprint, tick: input.tick, code: err.code, error: err.message });
    return ApplicationFailure.create({
      type: 'SummaryError', nonRetryable: true, category: ApplicationFailureCategory.BENIGN,
      message: `${err.code}: ${err.message}`,
      details: [{ code: err.code, details: {}, exitCode: 2 }],
    });
  }
  return err;
}

/** Each item's board status in the summary, as the orchestrator saw it. */
function statusesIn(summary: Record<string, unknown> | null): Record<string, BoardStatus> {
  const processed = Array.isArray(summary?.processed_items) ? (summary.processed_items as Array<Record<string, unknown> | null>) : [];
  const statuses: Record<string, BoardStatus> = {};
  for (const entry of processed) {
    const status = BoardStatusSchema.safeParse(entry?.status);
    if (typeof entry?.issue_number === 'number' && status.success) statuses[String(entry.issue_number)] = status.data;
  }
  return statuses;
}

function parseJsonObject(line: string): Record<string, unknown> | null {
  try {
    const value = JSON.parse(line) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Keeps the summary small enough for workflow history even for very large boards. */
function trimSummary(summary: Record<string, unknown>): Record<string, unknown> {
  const processed = Array.isArray(summary.processed_items) ? summary.processed_items : [];
  return {
    ...summary,
    processed_items: processed.map((item: Record<string, unknown>) => ({
      issue_number: item.issue_number, project_item_id: item.project_item_id, status: item.status,
    })),
  };
}

function safeName(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
