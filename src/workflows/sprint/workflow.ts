/**
 * sprintWorkflow — one per sprint (`sprint-<SPRINT>`). Preflight; kickoff when given a goal
 * (goal → Codex plan → plan-apply → ready set; see kickoff.ts); the Codex MCP check; then
 * orchestrator ticks on a durable timer: each tick's intents go to their items' workflows
 * (lossless, see activities/intake.ts), each item learns its board status, the Ready buffer is kept
 * full (promotion.ts), and the sprint ends when the orchestrator reports it complete AND no item has
 * an automatic action pending (a scheduled blocked retry keeps it alive; the seed abandoned it).
 * Failures carry the seed's exit codes (stops.ts).
 */
import * as wf from '@temporalio/workflow';
import type { DispatchSummary } from '../../contracts/summary';
import { sprintFinished } from '../../domain/completion';
import { SprintKey } from '../../temporal/search-attributes';
import { emit } from '../events';
import { itemWorkflowId, type BoardStatus } from '../item/messages';
import { DEFAULT_READY_LIMIT, runKickoff } from './kickoff';
import {
  EXIT_CODES, itemReportSignal, pauseSignal, resumeSignal, sprintInputProblem, sprintItemsQuery, sprintStatusQuery, stopSignal, tickSignal,
  SPRINT_STATUS_ITEM_LIMIT,
  type ItemReport, type KickoffSummary, type SprintInput, type SprintItemView, type SprintResult, type SprintStatus,
} from './messages';
import type { SprintActivities, SprintSettings } from './ports';
import { autopromote, type PromotionContext } from './promotion';
import { failureFromActivity, failureFromTick, stop } from './stops';

export interface SprintCarried {
  ticks: number;
  intentsRouted: number;
  items: Record<string, SprintItemView>;
  lastSummary: Record<string, unknown> | null;
  orchestratorReportsComplete: boolean;
  paused: boolean;
  settings: SprintSettings;
  kickoff: KickoffSummary | null;
  /** What autopromotion works from (runner-behaviour.md §10.3); read once at start, never reloaded. */
  sprintPlan: Record<string, unknown> | null;
  sprintPlanSource: SprintStatus['sprintPlanSource'];
  /** The last DEPENDENCY_GRAPH_SANITIZED report emitted, to emit only changes. */
  lastSanitizationReport?: string;
  /** A stop was requested before the sprint continued as new. */
  stopping?: boolean;
}

const HISTORY_EVENTS_BEFORE_CONTINUE = 8000;

export async function sprintWorkflow(raw: SprintInput, carried?: SprintCarried): Promise<SprintResult> {
  const problem = sprintInputProblem(raw);
  if (problem) throw stop(EXIT_CODES.HARD_STOP, 'invalid_input', problem);
  const input = raw;
  wf.upsertSearchAttributes([{ key: SprintKey, value: input.sprint }]);
  const settings = carried?.settings ?? (await loadSettings(input));
  const { taskQueues, transientMaxAttempts, toolsCallTimeoutS } = settings.itemSettings;
  const acts = wf.proxyActivities<SprintActivities>({
    startToCloseTimeout: '2m',
    heartbeatTimeout: '30s',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: transientMaxAttempts },
  });
  const tickActs = wf.proxyActivities<SprintActivities>({
    taskQueue: taskQueues.orchestrator,
    startToCloseTimeout: '10m',
    heartbeatTimeout: '60s',
    retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: settings.transientMaxAttempts },
  });
  const state: SprintCarried = carried ?? {
    ticks: 0, intentsRouted: 0, items: {}, lastSummary: null, orchestratorReportsComplete: false, paused: false, settings,
    kickoff: null, sprintPlan: null, sprintPlanSource: 'none',
  };
  const promotion: PromotionContext = {
    acts, fileActs: tickActs, dryRun: settings.itemSettings.dryRun, regenAttempts: settings.sanitizationRegenAttempts,
    regenRequestPath: settings.regenRequestPath, lastSanitizationReport: state.lastSanitizationReport,
  };
  let stopping = carried?.stopping ?? false;
  let tickRequested = false;
  // Which items are busy or have a timer pending, kept current on every change: the waits below are
  // re-evaluated after every signal, and scanning thousands of items each time is quadratic.
  const activity = new ItemActivity(Object.values(state.items));

  wf.setHandler(pauseSignal, () => {
    state.paused = true;
    describeSprint(input, state, stopping);
  });
  wf.setHandler(resumeSignal, () => {
    state.paused = false;
    tickRequested = true; // resumed: tick now rather than at the next timer
    describeSprint(input, state, stopping);
  });
  wf.setHandler(stopSignal, () => {
    stopping = true;
    describeSprint(input, state, stopping);
  });
  wf.setHandler(tickSignal, () => void (tickRequested = true));
  wf.setHandler(itemReportSignal, (report: ItemReport) => {
    const key = String(report.issueNumber);
    const known = state.items[key];
    if (known && known.seq >= report.seq) return;
    state.items[key] = { ...(known ?? { workflowId: itemWorkflowId(input.sprint, report.issueNumber), projectItemId: null, intentsRouted: 0 }), ...report };
    activity.update(state.items[key]!);
  });
  wf.setHandler(sprintItemsQuery, ({ offset = 0, limit = SPRINT_STATUS_ITEM_LIMIT }) => {
    const all = itemsByIssue(state);
    const from = Math.max(0, Math.floor(offset));
    return { total: all.length, offset: from, items: all.slice(from, from + Math.min(Math.max(1, Math.floor(limit)), SPRINT_STATUS_ITEM_LIMIT)) };
  });
  wf.setHandler(sprintStatusQuery, (): SprintStatus => ({
    sprint: input.sprint, mode: input.mode, dryRun: settings.itemSettings.dryRun, paused: state.paused, stopping,
    ticks: state.ticks, intentsRouted: state.intentsRouted, statusCounts: statusCounts(state),
    items: itemsByIssue(state).slice(0, SPRINT_STATUS_ITEM_LIMIT), itemCount: Object.keys(state.items).length,
    lastSummary: state.lastSummary, orchestratorReportsComplete: state.orchestratorReportsComplete,
    kickoff: state.kickoff, sprintPlanSource: state.sprintPlanSource,
  }));

  if (!carried) {
    let preflight;
    try {
      preflight = await acts.preflight();
    } catch (err) {
      throw failureFromActivity(err, 'backend_preflight_failed');
    }
    if (preflight.status !== 'PASS') throw stop(EXIT_CODES.HARD_STOP, 'preflight_fail', `backend preflight is ${preflight.status ?? 'missing'}`, { payload: preflight });
    if (input.goal !== undefined) {
      const kickoff = await runKickoff(
        { sprint: input.sprint, goal: input.goal, readyLimit: input.readyLimit ?? DEFAULT_READY_LIMIT, dryRun: settings.itemSettings.dryRun, toolsCallTimeoutS },
        {
          codex: wf.proxyActivities<SprintActivities>({
            taskQueue: taskQueues.reviewer,
            startToCloseTimeout: `${toolsCallTimeoutS + 300}s`,
            heartbeatTimeout: '60s',
            summary: `Codex kickoff plan for ${input.sprint}`,
            retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: transientMaxAttempts },
          }),
          planApply: wf.proxyActivities<SprintActivities>({ startToCloseTimeout: '10m', retry: { maximumAttempts: 1 }, summary: `plan-apply for ${input.sprint}` }),
          promotion,
        },
      );
      state.kickoff = kickoff.summary;
      if (kickoff.sprintPlan) {
        state.sprintPlan = kickoff.sprintPlan;
        state.sprintPlanSource = 'kickoff';
      }
      if (input.mode === 'kickoff-only') return result(input, state, 'kickoff-only');
    }
    if (!settings.itemSettings.dryRun) await checkCodexMcp(taskQueues.executor);
    if (settings.autopromote && state.sprintPlanSource === 'none') await loadSprintPlan(input.sprint, state, tickActs);
    emit('RUNNER_STARTED', {
      sprint: input.sprint, mode: input.mode, dry_run: settings.itemSettings.dryRun, ready_buffer: settings.readyBuffer,
      autopromote: settings.autopromote, poll_interval_ms: settings.pollIntervalMs, sprint_plan: state.sprintPlanSource,
    });
  }

  const busy = () => activity.busy.size > 0;
  const pending = () => activity.busy.size > 0 || activity.timers.size > 0;

  const continueAsNewDue = () => {
    const info = wf.workflowInfo();
    return info.continueAsNewSuggested || info.historyLength > (settings.historyEventsBeforeContinue ?? HISTORY_EVENTS_BEFORE_CONTINUE);
  };
  const continueAsNew = async () => {
    await wf.condition(wf.allHandlersFinished);
    await wf.continueAsNew<typeof sprintWorkflow>(input, { ...state, stopping, lastSanitizationReport: promotion.lastSanitizationReport });
  };
  // Waits until no run is in flight. (No continue-as-new here: the state of a sprint that routed
  // thousands of items in one tick can exceed the payload limit of a continue-as-new input.)
  const drain = () => wf.condition(() => !busy());

  for (;;) {
    if (stopping) {
      await drain();
      return result(input, state, 'stopped');
    }
    describeSprint(input, state, stopping);
    if (!state.paused) {
      if (input.mode !== 'once' || state.ticks === 0) {
        tickRequested = false; // a tick signal from now on asks for another one
        await tick(input, state, settings, tickActs, acts, promotion, activity);
        describeSprint(input, state, stopping);
      }
      if (input.mode === 'once') {
        // The seed killed in-flight runs when the orchestrator exited; we let them finish.
        await drain();
        return result(input, state, 'once');
      }
      if (state.orchestratorReportsComplete && !pending()) {
        emit('END_OF_SPRINT_SUMMARY', { sprint: input.sprint, status_counts: statusCounts(state), items: Object.keys(state.items).length });
        return result(input, state, 'completed');
      }
    }
    if (state.paused) tickRequested = false;
    await wf.condition(() => tickRequested || stopping, settings.pollIntervalMs, {
      summary: `Next orchestrator tick in ${Math.round(settings.pollIntervalMs / 1000)}s`,
    });
    if (continueAsNewDue() && !stopping) await continueAsNew();
  }
}

/** What the Web UI shows for the sprint: "M1 · loop · tick 12 · Ready 2 · In Progress 1 · … · paused". */
function describeSprint(input: SprintInput, state: SprintCarried, stopping: boolean): void {
  const counts = Object.entries(statusCounts(state)).filter(([, n]) => n > 0).map(([status, n]) => `${status} ${n}`);
  const flags = [state.paused && 'paused', stopping && 'stopping', state.orchestratorReportsComplete && 'orchestrator reports complete'].filter(Boolean);
  wf.setCurrentDetails([`${input.sprint} · ${input.mode}${state.settings.itemSettings.dryRun ? ' (dry run)' : ''} · tick ${state.ticks}`, ...counts, ...flags].join(' · '));
}

/** The worker's configuration, snapshotted into history once (a worker without it cannot run this sprint). */
async function loadSettings(input: SprintInput): Promise<SprintSettings> {
  const local = wf.proxyActivities<SprintActivities>({ startToCloseTimeout: '30s', retry: { maximumAttempts: 5 } });
  try {
    return await local.loadSprintSettings({ sprint: input.sprint, dryRun: input.dryRun ?? false });
  } catch (err) {
    throw failureFromActivity(err, 'worker_settings_unavailable');
  }
}

/** §3.7: workers are about to run Codex, whose GitHub MCP servers must be there (exit 2 otherwise). */
async function checkCodexMcp(executorQueue: string): Promise<void> {
  const check = wf.proxyActivities<SprintActivities>({ taskQueue: executorQueue, startToCloseTimeout: '1m', retry: { maximumAttempts: 3 } });
  try {
    await check.checkCodexMcp();
  } catch (err) {
    throw failureFromActivity(err, 'codex_mcp_missing');
  }
}

/** §2.1 step 9: the sprint plan file, read once; not a JSON object → exit 2 `sprint_plan_invalid`. */
async function loadSprintPlan(sprint: string, state: SprintCarried, fileActs: SprintActivities): Promise<void> {
  try {
    const loaded = await fileActs.loadSprintPlan({ sprint });
    if (loaded.plan) {
      state.sprintPlan = loaded.plan;
      state.sprintPlanSource = 'file';
    }
  } catch (err) {
    throw failureFromActivity(err, 'sprint_plan_invalid');
  }
}

async function tick(
  input: SprintInput, state: SprintCarried, settings: SprintSettings, tickActs: SprintActivities, acts: SprintActivities, promotion: PromotionContext,
  activity: ItemActivity,
): Promise<void> {
  state.ticks += 1;
  // Items whose board status (or blocked-retry timer) changed while the orchestrator ran changed
  // after it read the board (e.g. a blocked retry fired): for them this summary is stale.
  const boardAtStart = new Map(Object.values(state.items).map((item) => [item.issueNumber, boardFingerprint(item)]));
  let outcome;
  try {
    outcome = await tickActs.runOrchestratorTick({
      sprint: input.sprint, sprintWorkflowId: wf.workflowInfo().workflowId, tick: state.ticks, itemSettings: settings.itemSettings,
      titles: newTitles(state),
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
    activity.update(state.items[key]!);
  }
  const changedDuringTick = new Set(
    Object.values(state.items).filter((item) => boardFingerprint(item) !== (boardAtStart.get(item.issueNumber) ?? UNOBSERVED)).map((item) => item.issueNumber),
  );
  if (outcome.summary) {
    state.lastSummary = outcome.summary;
    const finished = outcome.endOfSprint || sprintFinished(outcome.summary as DispatchSummary, state.sprintPlan);
    state.orchestratorReportsComplete = finished && changedDuringTick.size === 0;
    await observeBoard(state, outcome.summary, acts, changedDuringTick);
    if (settings.autopromote) await autopromote(outcome.summary, state.sprintPlan, settings.readyBuffer, promotion);
  } else if (outcome.endOfSprint) {
    state.orchestratorReportsComplete = changedDuringTick.size === 0;
  }
}

const UNOBSERVED = '|false';
function boardFingerprint(item: Pick<SprintItemView, 'boardStatus' | 'timerPending'>): string {
  return `${item.boardStatus ?? ''}|${item.timerPending}`;
}

/** Titles from the sprint plan for items not routed yet (they name the item workflow in the Web UI). */
function newTitles(state: SprintCarried): Record<string, string> | undefined {
  const tasks = (state.sprintPlan?.tasks ?? []) as Array<{ issue_number?: unknown; title?: unknown }>;
  const titles = Object.fromEntries(
    tasks.filter((task) => typeof task.issue_number === 'number' && typeof task.title === 'string' && !state.items[String(task.issue_number)])
      .map((task) => [String(task.issue_number), task.title as string]),
  );
  return Object.keys(titles).length ? titles : undefined;
}

/** Tells every item workflow whose board status changed what the orchestrator saw (not those that changed since it looked). */
async function observeBoard(state: SprintCarried, summary: Record<string, unknown>, acts: SprintActivities, changedDuringTick: Set<number>): Promise<void> {
  const processed = Array.isArray(summary.processed_items) ? (summary.processed_items as Array<Record<string, unknown>>) : [];
  const changes: Array<{ workflowId: string; status: BoardStatus; projectItemId: string }> = [];
  for (const entry of processed) {
    const issue = entry.issue_number;
    if (typeof issue !== 'number' || typeof entry.status !== 'string' || typeof entry.project_item_id !== 'string') continue;
    const key = String(issue);
    const known = state.items[key];
    if (!known || changedDuringTick.has(issue)) continue;
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

/** The items that are busy, and those with a blocked-retry timer pending. */
class ItemActivity {
  readonly busy = new Set<number>();
  readonly timers = new Set<number>();

  constructor(items: SprintItemView[]) {
    items.forEach((item) => this.update(item));
  }

  update(item: SprintItemView): void {
    if (itemBusy(item)) this.busy.add(item.issueNumber);
    else this.busy.delete(item.issueNumber);
    if (item.timerPending) this.timers.add(item.issueNumber);
    else this.timers.delete(item.issueNumber);
  }
}

function itemsByIssue(state: SprintCarried): SprintItemView[] {
  return Object.values(state.items).sort((a, b) => a.issueNumber - b.issueNumber);
}

function statusCounts(state: SprintCarried): Record<string, number> {
  const counts = (state.lastSummary?.status_counts ?? {}) as Record<string, number>;
  return { ...counts };
}

function result(input: SprintInput, state: SprintCarried, reason: SprintResult['reason']): SprintResult {
  return {
    sprint: input.sprint, exitCode: 0, reason, ticks: state.ticks, intentsRouted: state.intentsRouted,
    ...(state.kickoff ? { kickoff: state.kickoff } : {}),
    items: Object.values(state.items).map((item) => ({ issueNumber: item.issueNumber, boardStatus: item.boardStatus, workflowId: item.workflowId })),
  };
}
