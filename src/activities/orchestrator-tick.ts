/**
 * One orchestrator run with no host affinity (issue #14). The sprint workflow holds the
 * orchestrator's state; this activity reads it from the workflow, materialises it as a state file in
 * a private temp dir, runs the orchestrator there, validates EVERY stdout line (fail closed: one bad
 * line refuses the batch, ../../docs/spec/runner-behaviour.md §2.4) and returns what the run changed
 * plus the validated batch. Nothing is routed here: the workflow records the result first, then a
 * router on any host hands the batch out (intent-router.ts). So a tick retried on another host either
 * re-runs the orchestrator from the unchanged state (its first run was never recorded, nothing of it
 * was routed) or resumes routing a batch already recorded — never both, never twice.
 *
 * ORCHESTRATOR_STATE_PATH stays as an exported copy (tools that read the file keep working); with
 * `seed` (the workflow holds no state yet) it is also where the state starts from.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Context } from '@temporalio/activity';
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import type { RunnerConfig } from '../config';
import { BoardStatusSchema, MESSAGE_VERSION, TICK_RESULT_SLICE_CHARS } from '../contracts/messages';
import type { OrchestratorState } from '../contracts/state-file';
import type { DispatchSummary } from '../contracts/summary';
import { checkPayloadSize, IntakeRefusal, parseDispatchSummary, PAYLOAD_ENVELOPE_ALLOWANCE_BYTES, SummaryError, validateIntentLines } from '../domain/intake-batch';
import { serializeStateFile } from '../domain/state-file';
import { stateBytes, stateDelta } from '../domain/state-delta';
import { emitEvent } from '../logging';
import type { BoardStatus } from '../workflows/item/messages';
import { orchestratorStateQuery, stageTickResultUpdate, type RoutableIntent } from '../workflows/sprint/messages';
import type { OrchestratorRun, OrchestratorRunInput, OrchestratorRunResult } from '../workflows/sprint/ports';
import { writeFileAtomically } from './files';
import { readStateFile } from './orchestrator-state';
import { runOrchestratorOnce } from './orchestrator-process';
import { patientQuery } from './patient-query';
import { encodedRequestBytes, routingRequest, type RoutingContext } from './intent-router';

/** What one orchestrator run produced, validated. */
export interface CollectedRun {
  intents: Array<RoutableIntent & { line: number }>;
  summary: DispatchSummary | null;
  endOfSprint: boolean;
  observedAtMs: number;
  observedStatus: Record<string, BoardStatus>;
  /** The state file as the orchestrator left it. */
  state: OrchestratorState;
}

/**
 * Runs the orchestrator with its state at `statePath` and validates everything it printed.
 * `measure` gives each intent's routing payload size (checked against RUNNER_MAX_PAYLOAD_BYTES).
 */
export async function collectOrchestratorRun(
  config: RunnerConfig,
  input: Omit<RoutingContext, 'observedAtMs' | 'observedStatus'> & { tick: number },
  statePath: string,
): Promise<CollectedRun> {
  const ctx = Context.current();
  const observedAtMs = Date.now();
  const output = await runOrchestratorOnce({ ...config, orchestratorStatePath: statePath }, input.sprint, {
    signal: ctx.cancellationSignal,
    onStderrLine: (line) => process.stderr.write(`${line}\n`),
  });
  if (output.exitCode !== 0) {
    const exitCode = [2, 3, 4].includes(output.exitCode) ? output.exitCode : 2;
    throw ApplicationFailure.create({
      type: 'OrchestratorExit',
      nonRetryable: true,
      message: `orchestrator exited with ${output.exitCode}: ${
        output.stderrLines
          .filter((l) => !l.startsWith('{'))
          .slice(-3)
          .join(' | ') || 'see its stderr'
      }`,
      details: [{ exitCode, orchestratorExitCode: output.exitCode }],
    });
  }
  const state = await readStateFile(statePath);
  try {
    // All or nothing (domain/intake-batch.ts): every line and summary is checked, and every
    // intent's routing payload measured, before the first one is routed.
    const batch = validateIntentLines(output.stdoutLines, state, config.orchestratorStatePath);
    let summary: DispatchSummary | null = null;
    let endOfSprint = false;
    for (const line of output.stderrLines) {
      const event = parseJsonObject(line);
      if (event?.type === 'DISPATCH_SUMMARY') {
        summary = trimSummary(parseDispatchSummary(line, event));
      }
      if (event?.type === 'END_OF_SPRINT_SUMMARY') endOfSprint = true;
    }
    const observedStatus = statusesIn(summary);
    const intents = batch.map(({ line, intent, raw, issueNumber, projectItemId }) => {
      const entry = { line, raw, issueNumber, projectItemId };
      checkPayloadSize({ line, intent }, encodedRequestBytes(routingRequest({ ...input, observedAtMs, observedStatus }, entry)), config.maxPayloadBytes);
      return entry;
    });
    return { intents, summary, endOfSprint, observedAtMs, observedStatus, state };
  } catch (err) {
    throw refusalFailure(err, input);
  }
}

export function createOrchestratorTickActivities(config: RunnerConfig, client: () => Client) {
  return {
    async runOrchestrator(input: OrchestratorRunInput): Promise<OrchestratorRunResult> {
      const ctx = Context.current();
      const start = input.seed ? await readStateFile(config.orchestratorStatePath) : await stateOf(client(), input.sprintWorkflowId);
      const dir = await mkdtemp(join(tmpdir(), 'sprint-runner-tick-'));
      let collected: CollectedRun;
      try {
        const statePath = join(dir, basename(config.orchestratorStatePath) || 'orchestrator-state.json');
        await writeFile(statePath, serializeStateFile(start));
        collected = await collectOrchestratorRun(config, input, statePath);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
      const bytes = stateBytes(collected.state);
      // The workflow carries the state through continue-as-new: it must fit one payload.
      if (bytes > config.maxPayloadBytes - PAYLOAD_ENVELOPE_ALLOWANCE_BYTES) {
        throw ApplicationFailure.create({
          type: 'OrchestratorStateTooLarge',
          nonRetryable: true,
          message:
            `orchestrator_state_too_large: the orchestrator's state is ${bytes} bytes (${Object.keys(collected.state.items).length} items), more than ` +
            `RUNNER_MAX_PAYLOAD_BYTES ${config.maxPayloadBytes} less ${PAYLOAD_ENVELOPE_ALLOWANCE_BYTES} for the envelope; raise the server's limit.blobSize.error and RUNNER_MAX_PAYLOAD_BYTES, or split the sprint`,
          details: [{ code: 'orchestrator_state_too_large', exitCode: 2, bytes }],
        });
      }
      await exportStateCopy(config.orchestratorStatePath, collected.state, input);
      const run: OrchestratorRun = {
        ...(input.seed ? { seededState: collected.state } : { delta: stateDelta(start, collected.state) }),
        intents: collected.intents.map(({ raw, issueNumber, projectItemId }) => ({ raw, issueNumber, projectItemId })),
        summary: collected.summary,
        endOfSprint: collected.endOfSprint,
        observedAtMs: collected.observedAtMs,
        observedStatus: collected.observedStatus,
        stateBytes: bytes,
      };
      const text = JSON.stringify(run);
      if (text.length <= TICK_RESULT_SLICE_CHARS) return { inline: run };
      // Too large for one payload (a big batch): staged in the workflow in slices, each an update
      // (durable, deduplicated by its id), before this activity completes.
      const attempt = ctx.info.attempt;
      const slices = Math.ceil(text.length / TICK_RESULT_SLICE_CHARS);
      const handle = client().workflow.getHandle(input.sprintWorkflowId);
      for (let index = 0; index < slices; index += 1) {
        await handle.executeUpdate(stageTickResultUpdate, {
          updateId: `tick-${input.tick}-attempt-${attempt}-slice-${index}`,
          args: [
            { version: MESSAGE_VERSION, tick: input.tick, attempt, index, count: slices, text: text.slice(index * TICK_RESULT_SLICE_CHARS, (index + 1) * TICK_RESULT_SLICE_CHARS) },
          ],
        });
        ctx.heartbeat({ staged: index + 1 });
      }
      return { staged: { attempt, slices, chars: text.length } };
    },
  };
}

async function stateOf(client: Client, sprintWorkflowId: string): Promise<OrchestratorState> {
  const view = await patientQuery(`orchestrator state of ${sprintWorkflowId}`, () => client.workflow.getHandle(sprintWorkflowId).query(orchestratorStateQuery));
  return view.state ?? { poll_count: 0, items: {} };
}

/** ORCHESTRATOR_STATE_PATH as a copy for tools that read it; the workflow's state is the truth. */
async function exportStateCopy(path: string, state: OrchestratorState, input: OrchestratorRunInput): Promise<void> {
  try {
    await writeFileAtomically(path, serializeStateFile(state));
  } catch (err) {
    emitEvent({ type: 'STATE_EXPORT_FAILED', sprint: input.sprint, tick: input.tick, path, error: (err as Error).message });
  }
}

/**
 * A refused batch as the activity's failure: one compact INTENT_REFUSED line on stderr, and a
 * non-retryable failure the sprint maps to its stop (exit 2). BENIGN: an expected refusal, so the
 * SDK logs it at DEBUG instead of a WARN stack trace.
 */
export function refusalFailure(err: unknown, input: { sprint: string; tick: number }): unknown {
  if (err instanceof IntakeRefusal) {
    const where = err.line === null ? '' : ` (orchestrator stdout line ${err.line})`;
    emitEvent({ type: 'INTENT_REFUSED', sprint: input.sprint, tick: input.tick, code: err.code, line: err.line, error: err.message, details: err.details });
    return ApplicationFailure.create({
      type: 'IntentError',
      nonRetryable: true,
      category: ApplicationFailureCategory.BENIGN,
      message: `intent_error: ${err.code}: ${err.message}${where}`,
      details: [{ code: err.code, line: err.line, details: err.details, exitCode: 2 }],
    });
  }
  if (err instanceof SummaryError) {
    emitEvent({ type: 'SUMMARY_REFUSED', sprint: input.sprint, tick: input.tick, code: err.code, error: err.message });
    return ApplicationFailure.create({
      type: 'SummaryError',
      nonRetryable: true,
      category: ApplicationFailureCategory.BENIGN,
      message: `${err.code}: ${err.message}`,
      details: [{ code: err.code, details: {}, exitCode: 2 }],
    });
  }
  return err;
}

/** Each item's board status in the summary, as the orchestrator saw it. */
function statusesIn(summary: DispatchSummary | null): Record<string, BoardStatus> {
  const statuses: Record<string, BoardStatus> = {};
  for (const entry of summary?.processed_items ?? []) {
    const status = BoardStatusSchema.safeParse(entry.status);
    if (typeof entry.issue_number === 'number' && status.success) statuses[String(entry.issue_number)] = status.data;
  }
  return statuses;
}

/** A stderr line as a JSON object, or null: the orchestrator's stderr also carries plain text. */
function parseJsonObject(line: string): Record<string, unknown> | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? { ...value } : null;
}

/** Keeps the summary small enough for workflow history even for very large boards. */
function trimSummary(summary: DispatchSummary): DispatchSummary {
  return {
    ...summary,
    processed_items: (summary.processed_items ?? []).map((item) => ({
      issue_number: item.issue_number,
      project_item_id: item.project_item_id,
      status: item.status,
    })),
  };
}
