/**
 * sprintWorkflow — one per sprint (`sprint-<SPRINT>`). Preflight, then orchestrator ticks on a
 * durable timer: each tick's intents go to their items' workflows (lossless, see
 * activities/intake.ts), each item learns its board status, and the sprint ends when the
 * orchestrator reports it complete AND no item has an automatic action pending (a scheduled blocked
 * retry keeps it alive; the seed abandoned it). Failures carry the seed's exit codes.
 */
import * as wf from '@temporalio/workflow';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { SprintKey } from '../../temporal/search-attributes';
import { emit } from '../events';
import type { DispatchSummary } from '../../contracts/summary';
import { dryRunPromotionEvent, planAutopromotion, promotionAppliedEvent } from '../../domain/autopromotion';
import { RunnerError } from '../../domain/errors';
import { itemWorkflowId, type BoardStatus } from '../item/messages';
import {
  EXIT_CODES, itemReportSignal, pauseSignal, resumeSignal, sprintInputProblem, sprintStatusQuery, stopSignal, tickSignal,
  type ItemReport, type SprintInput, type SprintItemView, type SprintResult, type SprintStatus,
} from './messages';
import type { SprintActivities, SprintSettings } from './ports';

export interface SprintCarried {
  ticks: number;
  intentsRouted: number;
  items: Record<string, SprintItemView>;
  lastSummary: Record<string, unknown> | null;
  orchestratorReportsComplete: boolean;
  paused: boolean;
  settings: SprintSettings;
  /** The last DEPENDENCY_GRAPH_SANITIZED report emitted, to emit only changes. */
  lastSanitizationReport?: string;
}

const HISTORY_EVENTS_BEFORE_CONTINUE = 8000;

export async function sprintWorkflow(raw: SprintInput, carried?: SprintCarried): Promise<SprintResult> {
  const problem = sprintInputProblem(raw);
  if (problem) throw stop(EXIT_CODES.HARD_STOP, 'invalid_input', problem);
  const input = raw;
  // Fail closed rather than silently skip what the operator asked for.
  if (input.goal !== undefined) {
    throw stop(EXIT_CODES.HARD_STOP, 'kickoff_unavailable', 'kickoff (goal → plan → plan-apply) is not available in this version yet; start the sprint without a goal');
  }
  const acts = wf.proxyActivities<SprintActivities>({
    startToCloseTimeout: '2m',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 5 },
  });
  wf.upsertSearchAttributes([{ key: SprintKey, value: input.sprint }]);

  const settings = carried?.settings ?? (await acts.loadSprintSettings({ sprint: input.sprint, dryRun: input.dryRun ?? false }));
  const tickActs = wf.proxyActivities<SprintActivities>({
    taskQueue: settings.itemSettings.taskQueues.orchestrator,
    startToCloseTimeout: '10m',
    heartbeatTimeout: '60s',
    retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: settings.transientMaxAttempts },
  });
  const state: SprintCarried = carried ?? {
    ticks: 0, intentsRouted: 0, items: {}, lastSummary: null, orchestratorReportsComplete: false, paused: false, settings,
  };
  let stopping = false;
  let tickRequested = false;

  wf.setHandler(pauseSignal, () => void (state.paused = true));
  wf.setHandler(resumeSignal, () => void (state.paused = false));
  wf.setHandler(stopSignal, () => void (stopping = true));
  wf.setHandler(tickSignal, () => void (tickRequested = true));
  wf.setHandler(itemReportSignal, (report: ItemReport) => {
    const key = String(report.issueNumber);
    const known = state.items[key];
    if (known && known.seq >= report.seq) return;
    state.items[key] = { ...(known ?? { workflowId: itemWorkflowId(input.sprint, report.issueNumber), projectItemId: null, intentsRouted: 0 }), ...report };
  });
  wf.setHandler(sprintStatusQuery, (): SprintStatus => ({
    sprint: input.sprint, mode: input.mode, dryRun: settings.itemSettings.dryRun, paused: state.paused, stopping,
    ticks: state.ticks, intentsRouted: state.intentsRouted, statusCounts: statusCounts(state), items: Object.values(state.items),
    lastSummary: state.lastSummary, orchestratorReportsComplete: state.orchestratorReportsComplete,
  }));

  if (!carried) {
    const preflight = await acts.preflight();
    if (preflight.status !== 'PASS') throw stop(EXIT_CODES.HARD_STOP, 'preflight_fail', `backend preflight is ${preflight.status ?? 'missing'}`, { payload: preflight });
    emit('RUNNER_STARTED', {
      sprint: input.sprint, mode: input.mode, dry_run: settings.itemSettings.dryRun, ready_buffer: settings.readyBuffer,
      autopromote: settings.autopromote, poll_interval_ms: settings.pollIntervalMs,
    });
  }

  const busy = () => Object.values(state.items).some(itemBusy);
  const pending = () => Object.values(state.items).some((item) => itemBusy(item) || item.timerPending);

  for (;;) {
    if (stopping) {
      await wf.condition(() => !busy());
      return result(input, state, 'stopped');
    }
    if (!state.paused) {
      await tick(input, state, settings, tickActs, acts);
      if (input.mode === 'once') {
        // The seed killed in-flight runs when the orchestrator exited; we let them finish.
        await wf.condition(() => !busy() || stopping);
        return result(input, state, 'once');
      }
      if (state.orchestratorReportsComplete && !pending()) {
        emit('END_OF_SPRINT_SUMMARY', { sprint: input.sprint, status_counts: statusCounts(state), items: Object.keys(state.items).length });
        return result(input, state, 'completed');
      }
    }
    tickRequested = false;
    await wf.condition(() => tickRequested || stopping, settings.pollIntervalMs, {
      summary: `Next orchestrator tick in ${Math.round(settings.pollIntervalMs / 1000)}s`,
    });
    const info = wf.workflowInfo();
    if ((info.continueAsNewSuggested || info.historyLength > HISTORY_EVENTS_BEFORE_CONTINUE) && !stopping) {
      await wf.condition(wf.allHandlersFinished);
      await wf.continueAsNew<typeof sprintWorkflow>(input, state);
    }
  }
}

async function tick(input: SprintInput, state: SprintCarried, settings: SprintSettings, tickActs: SprintActivities, acts: SprintActivities): Promise<void> {
  state.ticks += 1;
  let outcome;
  try {
    outcome = await tickActs.runOrchestratorTick({
      sprint: input.sprint, sprintWorkflowId: wf.workflowInfo().workflowId, tick: state.ticks, itemSettings: settings.itemSettings,
    });
  } catch (err) {
    throw failureFromTick(err);
  }
  state.intentsRouted += outcome.routed;
  for (const routed of outcome.routedItems) {
    const key = String(routed.issueNumber);
    const known = state.items[key];
    state.items[key] = {
      workflowId: itemWorkflowId(input.sprint, routed.issueNumber), issueNumber: routed.issueNumber,
      projectItemId: routed.projectItemId ?? known?.projectItemId ?? null, boardStatus: known?.boardStatus ?? null,
      busy: known?.busy ?? false, timerPending: known?.timerPending ?? false,
      seq: known?.seq ?? 0, intentsReceived: known?.intentsReceived ?? 0, intentsRouted: (known?.intentsRouted ?? 0) + routed.intents,
    };
  }
  if (outcome.summary) {
    state.lastSummary = outcome.summary;
    state.orchestratorReportsComplete = outcome.summary.completed === true || outcome.endOfSprint;
    await observeBoard(state, outcome.summary, acts);
    if (settings.autopromote) await autopromote(state, settings, outcome.summary, acts, tickActs);
  } else if (outcome.endOfSprint) {
    state.orchestratorReportsComplete = true;
  }
}

/**
 * Keeps the Ready buffer full (runner-behaviour.md §5) by executing the domain's ordered steps:
 * events as they come, each promotion POSTed (or, in dry run, only reported). A dependency graph
 * that cannot be made acyclic stops the sprint with exit 3, 5 or 6 (after writing the regen request).
 */
async function autopromote(state: SprintCarried, settings: SprintSettings, summary: Record<string, unknown>, acts: SprintActivities, stateActs: SprintActivities): Promise<void> {
  let plan;
  try {
    plan = planAutopromotion({
      summary: summary as DispatchSummary, sprintPlan: null, readyTarget: settings.readyBuffer, dryRun: settings.itemSettings.dryRun,
      regenAttempts: settings.sanitizationRegenAttempts, nowIso: new Date(Date.now()).toISOString(), requestPath: settings.regenRequestPath,
    });
  } catch (err) {
    if (err instanceof RunnerError) throw stop(EXIT_CODES.MALFORMED_ITEM_DATA, 'malformed_item_data', err.message);
    throw err;
  }
  for (const step of plan.steps) {
    if (step.kind === 'emit') {
      // The same sanitisation report every tick says nothing new (the seed repeated it, ⚠ §14.11).
      const key = JSON.stringify(step.event);
      if (step.event.type === 'DEPENDENCY_GRAPH_SANITIZED' && key === state.lastSanitizationReport) continue;
      if (step.event.type === 'DEPENDENCY_GRAPH_SANITIZED') state.lastSanitizationReport = key;
      emit(step.event.type, step.event);
    } else if (settings.itemSettings.dryRun) {
      emit('BOARD_PROMOTION_APPLIED', dryRunPromotionEvent(step.promotion));
    } else {
      const payload = await acts.promoteToReady(step.promotion.body as unknown as Record<string, unknown>);
      emit('BOARD_PROMOTION_APPLIED', promotionAppliedEvent(step.promotion, payload));
    }
  }
  if (plan.stop) {
    if (plan.sanitization?.outcome === 'handoff') await stateActs.writeRegenRequest(plan.sanitization.regenRequest as unknown as Record<string, unknown>);
    throw stop(plan.stop.exitCode, String(plan.stop.hardStop.reason ?? 'dependency_graph'), plan.stop.message);
  }
}

/** Tells every item workflow whose board status changed what the orchestrator saw. */
async function observeBoard(state: SprintCarried, summary: Record<string, unknown>, acts: SprintActivities): Promise<void> {
  const processed = Array.isArray(summary.processed_items) ? (summary.processed_items as Array<Record<string, unknown>>) : [];
  const changes: Array<{ workflowId: string; status: BoardStatus; projectItemId: string }> = [];
  for (const entry of processed) {
    const issue = entry.issue_number;
    if (typeof issue !== 'number' || typeof entry.status !== 'string' || typeof entry.project_item_id !== 'string') continue;
    const key = String(issue);
    const known = state.items[key];
    if (!known) continue;
    known.projectItemId = entry.project_item_id;
    if (known.boardStatus !== entry.status) {
      known.boardStatus = entry.status as BoardStatus;
      changes.push({ workflowId: known.workflowId, status: entry.status as BoardStatus, projectItemId: entry.project_item_id });
    }
  }
  if (changes.length) await acts.notifyItems(changes);
}

/** Running, queued, or routed but not yet received (the report is on its way). */
function itemBusy(item: SprintItemView): boolean {
  return item.busy || item.intentsRouted > item.intentsReceived;
}

function statusCounts(state: SprintCarried): Record<string, number> {
  const counts = (state.lastSummary?.status_counts ?? {}) as Record<string, number>;
  return { ...counts };
}

function result(input: SprintInput, state: SprintCarried, reason: SprintResult['reason']): SprintResult {
  return {
    sprint: input.sprint, exitCode: 0, reason, ticks: state.ticks, intentsRouted: state.intentsRouted,
    items: Object.values(state.items).map((item) => ({ issueNumber: item.issueNumber, boardStatus: item.boardStatus, workflowId: item.workflowId })),
  };
}

function stop(exitCode: number, reason: string, message: string, extra: Record<string, unknown> = {}): ApplicationFailure {
  emit('HARD_STOP', { reason, error: message, exit_code: exitCode, ...extra });
  return ApplicationFailure.create({ type: 'SprintStopped', nonRetryable: true, message, details: [{ exitCode, reason, ...extra }] });
}

/** Maps a failed tick to the seed's exit codes: orchestrator 2/3/4 pass through, intent errors are 2, exhausted transients 4. */
function failureFromTick(err: unknown): ApplicationFailure {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) {
    const details = (cause.details?.[0] ?? {}) as { exitCode?: number; code?: string };
    if (cause.type === 'IntentError') return stop(EXIT_CODES.HARD_STOP, `intent_error: ${details.code ?? 'invalid'}`, cause.message);
    if (cause.type === 'OrchestratorExit') {
      const code = details.exitCode ?? 2;
      return stop(code, code === 3 ? 'malformed_item_data' : code === 4 ? 'transient_retries_exhausted' : 'orchestrator_nonzero_exit', cause.message);
    }
    if (!cause.nonRetryable) return stop(EXIT_CODES.TRANSIENT_EXHAUSTED, 'transient_retries_exhausted', cause.message);
    return stop(EXIT_CODES.HARD_STOP, 'hard_stop', cause.message);
  }
  return stop(EXIT_CODES.TRANSIENT_EXHAUSTED, 'transient_retries_exhausted', (cause as Error)?.message ?? String(err));
}

