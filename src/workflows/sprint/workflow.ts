/**
 * sprintWorkflow — one per sprint (`sprint-<SPRINT>`). Preflight; kickoff when given a goal
 * (goal → Codex plan → plan-apply → ready set; see kickoff.ts); the Codex MCP check; then
 * orchestrator ticks on a durable timer: each tick's intents go to their items' workflows
 * (lossless, see activities/intake.ts), each item learns its board status (every board item gets its
 * workflow once seen, so any of them can be reworked), and the Ready buffer is kept full
 * (promotion.ts). When the orchestrator reports the sprint complete AND no item has an automatic
 * action pending (a scheduled blocked retry keeps it running; the old runner abandoned it) the sprint
 * moves to `awaiting-humans`: it stays open and cheap (a slow board check) while people review, and
 * any item change (a rework, a card moved by hand) wakes it. It closes when every item is Done, or
 * on the `close` update / `stop` signal, and then ends its item workflows. Failures carry the
 * old runner's exit codes (stops.ts).
 */
import * as wf from '@temporalio/workflow';
import { ApplicationFailure } from '@temporalio/common';
import { ItemReportSchema, SprintCloseSchema, SprintItemsPageRequestSchema } from '../../contracts/messages';
import { BOARD_STATUSES } from '../../contracts/vocabulary';
import { sprintFinished } from '../../domain/completion';
import { planTitles } from '../../domain/plan-titles';
import { SprintKey } from '../../temporal/search-attributes';
import { emit } from '../events';
import { acceptMessage, acceptNoPayload, rejectPayload, parseOrThrow } from '../message-door';
import { itemWorkflowId, type BoardStatus } from '../item/messages';
import type { ItemObservation } from './ports';
import { DEFAULT_READY_LIMIT, planApplyActivityOptions, runKickoff } from './kickoff';
import {
  EXIT_CODES,
  closeUpdate,
  itemReportSignal,
  pauseSignal,
  resumeSignal,
  sprintInputProblem,
  sprintItemsQuery,
  sprintStatusQuery,
  stopSignal,
  tickSignal,
  SPRINT_STATUS_ITEM_LIMIT,
  type ItemReport,
  type KickoffSummary,
  type SprintCloseOutcome,
  type SprintInput,
  type SprintItemView,
  type SprintPhase,
  type SprintResult,
  type SprintStatus,
} from './messages';
import type { SprintSettings } from './ports';
import { autopromote, type PromotionContext } from './promotion';
import { failureFromActivity, failureFromTick, stop } from './stops';
import { activitiesOn, type MainActivities, type OrchestratorActivities } from '../activity-queues';
import type { TaskQueues } from '../../temporal/task-queues';
import { OrchestratorStateAuthority, STATE_IN_WORKFLOW_PATCH, type CarriedOrchestratorState } from './orchestrator-state';
import { FIXED_RATE_TICKS_PATCH } from '../patches';

export interface SprintCarried extends CarriedOrchestratorState {
  ticks: number;
  intentsRouted: number;
  items: Record<string, SprintItemView>;
  lastSummary: Record<string, unknown> | null;
  orchestratorReportsComplete: boolean;
  paused: boolean;
  settings: SprintSettings;
  kickoff: KickoffSummary | null;
  /** What autopromotion works from (../../../docs/spec/runner-behaviour.md §10.3); read once at start, never reloaded. */
  sprintPlan: Record<string, unknown> | null;
  sprintPlanSource: SprintStatus['sprintPlanSource'];
  /** The last DEPENDENCY_GRAPH_SANITIZED report emitted, to emit only changes. */
  lastSanitizationReport?: string;
  /** A stop was requested before the sprint continued as new. */
  stopping?: boolean;
  phase?: SprintPhase;
  /** Why the sprint is closing (close update or stop signal). */
  closeReason?: string | null;
}

const HISTORY_EVENTS_BEFORE_CONTINUE = 8000;

export async function sprintWorkflow(raw: SprintInput, carried?: SprintCarried): Promise<SprintResult> {
  const problem = sprintInputProblem(raw);
  if (problem) throw stop(EXIT_CODES.HARD_STOP, 'invalid_input', problem);
  const input = raw;
  wf.upsertSearchAttributes([{ key: SprintKey, value: input.sprint }]);
  const settings = carried?.settings ?? (await loadSettings(input));
  const { taskQueues, transientMaxAttempts, toolsCallTimeoutS } = settings.itemSettings;
  const acts = activitiesOn('main', taskQueues, {
    startToCloseTimeout: '2m',
    heartbeatTimeout: '30s',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: transientMaxAttempts },
  });
  const tickActs = activitiesOn('orchestrator', taskQueues, {
    startToCloseTimeout: '10m',
    heartbeatTimeout: '60s',
    retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: settings.transientMaxAttempts },
  });
  const state: SprintCarried = carried ?? {
    ticks: 0,
    intentsRouted: 0,
    items: {},
    lastSummary: null,
    orchestratorReportsComplete: false,
    paused: false,
    settings,
    kickoff: null,
    sprintPlan: null,
    sprintPlanSource: 'none',
  };
  // Routing reads the batch from this workflow: any main-queue worker can do it, and resume it.
  const routeActs = activitiesOn('main', taskQueues, {
    startToCloseTimeout: '10m',
    // The router heartbeats after every few dozen intents: a lost host is replaced within this.
    heartbeatTimeout: '20s',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: transientMaxAttempts },
  });
  // A small batch is routed by this worker within the workflow task (orchestrator-state.ts).
  const localRouteActs = wf.proxyLocalActivities<Pick<MainActivities, 'routeIntents'>>({
    startToCloseTimeout: '1m',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: transientMaxAttempts },
  });
  const authority = new OrchestratorStateAuthority(state);
  authority.register();
  const promotion: PromotionContext = {
    acts,
    fileActs: tickActs,
    dryRun: settings.itemSettings.dryRun,
    regenAttempts: settings.sanitizationRegenAttempts,
    regenRequestPath: settings.regenRequestPath,
    lastSanitizationReport: state.lastSanitizationReport,
  };
  let stopping = carried?.stopping ?? false;
  let closeReason: string | null = carried?.closeReason ?? null;
  let phase: SprintPhase = carried?.phase ?? 'running';
  let tickRequested = false;
  const workflowId = wf.workflowInfo().workflowId;
  // Which items are busy or have a timer pending, kept current on every change: the waits below are
  // re-evaluated after every signal, and scanning thousands of items each time is quadratic.
  const activity = new ItemActivity(Object.values(state.items));

  let itemsEnded = 0; // item workflows told to end when the sprint closed
  const describe = () => describeSprint(input, state, phase, stopping);
  wf.setHandler(pauseSignal, (...args: unknown[]) => {
    if (!acceptNoPayload(workflowId, 'pause', args)) return;
    state.paused = true;
    describe();
  });
  wf.setHandler(resumeSignal, (...args: unknown[]) => {
    if (!acceptNoPayload(workflowId, 'resume', args)) return;
    state.paused = false;
    tickRequested = true; // resumed: tick now rather than at the next timer
    describe();
  });
  wf.setHandler(stopSignal, (...args: unknown[]) => {
    if (!acceptNoPayload(workflowId, 'stop', args)) return;
    stopping = true;
    closeReason ??= 'stop signal';
    describe();
  });
  wf.setHandler(tickSignal, (...args: unknown[]) => {
    if (acceptNoPayload(workflowId, 'tick', args)) tickRequested = true;
  });
  wf.setHandler(itemReportSignal, (...args: unknown[]) => {
    const report = acceptMessage(workflowId, 'itemReport', ItemReportSchema, args);
    if (!report) return;
    const wasBusy = activity.busy.has(report.issueNumber);
    if (!applyItemReport(input.sprint, state, report)) return;
    activity.update(state.items[String(report.issueNumber)]!);
    // A human or a rework changed an item while the sprint waited: look at the board now. And when
    // the last run in flight ended, waiting for the timer is only latency: the orchestrator should
    // see its outcome now (with runs still in flight the regular ticks batch the outcomes).
    if (phase === 'awaiting-humans' || (wasBusy && activity.busy.size === 0)) tickRequested = true;
  });
  wf.setHandler(
    closeUpdate,
    async (request): Promise<SprintCloseOutcome> => {
      stopping = true;
      closeReason ??= request.reason.trim();
      describe();
      await wf.condition(() => phase === 'closed');
      return { sprint: input.sprint, phase: 'closed', reason: closeReason, itemsEnded: itemsEnded };
    },
    {
      validator: (...args: unknown[]) => {
        parseOrThrow(SprintCloseSchema, args);
        if (stopping || phase === 'closed') {
          throw ApplicationFailure.create({ type: 'SprintClosing', nonRetryable: true, message: `sprint ${input.sprint} is already closing (${closeReason ?? 'stop'})` });
        }
      },
    },
  );
  wf.setHandler(sprintItemsQuery, (...args: unknown[]) => {
    const { offset = 0, limit = SPRINT_STATUS_ITEM_LIMIT } = parseOrThrow(SprintItemsPageRequestSchema, args);
    const all = itemsByIssue(state);
    return { total: all.length, offset, items: all.slice(offset, offset + limit) };
  });
  wf.setHandler(sprintStatusQuery, (...args: unknown[]): SprintStatus => {
    rejectPayload(args);
    return {
      sprint: input.sprint,
      mode: input.mode,
      dryRun: settings.itemSettings.dryRun,
      phase,
      paused: state.paused,
      stopping,
      closeReason,
      ticks: state.ticks,
      intentsRouted: state.intentsRouted,
      statusCounts: statusCounts(state),
      items: itemsByIssue(state).slice(0, SPRINT_STATUS_ITEM_LIMIT),
      itemCount: Object.keys(state.items).length,
      intentsSuperseded: Object.values(state.items).reduce((sum, item) => sum + item.intentsSuperseded, 0),
      lastSummary: state.lastSummary,
      orchestratorReportsComplete: state.orchestratorReportsComplete,
      kickoff: state.kickoff,
      sprintPlanSource: state.sprintPlanSource,
    };
  });

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
        {
          sprint: input.sprint,
          goal: input.goal,
          readyLimit: input.readyLimit ?? DEFAULT_READY_LIMIT,
          dryRun: settings.itemSettings.dryRun,
          toolsCallTimeoutS,
          replan: input.replan === true,
        },
        {
          codex: activitiesOn('reviewer', taskQueues, {
            startToCloseTimeout: `${toolsCallTimeoutS + 300}s`,
            heartbeatTimeout: '60s',
            summary: `Codex kickoff plan for ${input.sprint}`,
            retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: transientMaxAttempts },
          }),
          planApply: activitiesOn('main', taskQueues, planApplyActivityOptions(input.sprint)),
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
    if (!settings.itemSettings.dryRun) await checkCodexMcp(taskQueues);
    if (settings.autopromote && state.sprintPlanSource === 'none') await loadSprintPlan(input.sprint, state, tickActs);
    emit('RUNNER_STARTED', {
      sprint: input.sprint,
      mode: input.mode,
      dry_run: settings.itemSettings.dryRun,
      ready_buffer: settings.readyBuffer,
      autopromote: settings.autopromote,
      poll_interval_ms: settings.pollIntervalMs,
      sprint_plan: state.sprintPlanSource,
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
    await wf.continueAsNew<typeof sprintWorkflow>(input, { ...state, stopping, closeReason, phase, lastSanitizationReport: promotion.lastSanitizationReport });
  };
  // Waits until no run is in flight. (No continue-as-new here: the state of a sprint that routed
  // thousands of items in one tick can exceed the payload limit of a continue-as-new input.)
  const drain = () => wf.condition(() => !busy());
  /** Ends the sprint: every item workflow is told to end, then the result. */
  const close = async (reason: SprintResult['reason']): Promise<SprintResult> => {
    const ids = Object.values(state.items)
      .filter((item) => !item.ended)
      .map((item) => item.workflowId);
    if (ids.length) itemsEnded = (await acts.endItemWorkflows({ workflowIds: ids, reason: closeReason ?? reason })).ended;
    phase = 'closed';
    describe();
    emit('SPRINT_CLOSED', { sprint: input.sprint, reason, close_reason: closeReason, items_ended: itemsEnded });
    await wf.condition(wf.allHandlersFinished);
    return result(input, state, reason, closeReason);
  };

  for (;;) {
    /** Workflow time at which this iteration's tick started (null: no tick, e.g. paused). */
    let tickStartedAt: number | null = null;
    if (stopping) {
      await drain();
      return close(closeReason === 'stop signal' ? 'stopped' : 'closed');
    }
    describe();
    if (!state.paused) {
      if (input.mode !== 'once' || state.ticks === 0) {
        tickRequested = false; // a tick signal from now on asks for another one
        tickStartedAt = Date.now();
        await tick(input, state, settings, { tickActs, acts, routeActs, localRouteActs, authority }, promotion, activity);
        describe();
      }
      if (input.mode === 'once') {
        // The old runner killed in-flight runs when the orchestrator exited; we let them finish.
        await drain();
        return result(input, state, 'once');
      }
      if (state.orchestratorReportsComplete && !pending()) {
        if (everyItemDone(state)) {
          emit('END_OF_SPRINT_SUMMARY', { sprint: input.sprint, status_counts: statusCounts(state), items: Object.keys(state.items).length });
          return close('completed');
        }
        if (phase !== 'awaiting-humans') {
          phase = 'awaiting-humans';
          emit('SPRINT_AWAITING_HUMANS', {
            sprint: input.sprint,
            ...awaitingHumans(state),
            rework: `sprint-runner rework --sprint ${input.sprint} --issue N --reason "…"`,
            close: `sprint-runner close --sprint ${input.sprint} --reason "…"`,
          });
        }
      } else if (phase !== 'running') {
        phase = 'running';
        emit('SPRINT_RUNNING_AGAIN', { sprint: input.sprint });
      }
      describe();
    }
    if (state.paused) tickRequested = false;
    // While humans review, only a slow board check runs; an item report wakes the sprint at once.
    const intervalMs = phase === 'awaiting-humans' ? (settings.idlePollMs ?? DEFAULT_IDLE_POLL_MS) : settings.pollIntervalMs;
    // Fixed rate (issue #18): the next tick is due the interval after this one started, not after it
    // ended; after a tick that overran, the next starts at once (one catch-up, never a burst).
    const waitMs = tickStartedAt !== null && wf.patched(FIXED_RATE_TICKS_PATCH) ? intervalMs - (Date.now() - tickStartedAt) : intervalMs;
    if (waitMs > 0) {
      await wf.condition(() => tickRequested || stopping, waitMs, {
        summary: phase === 'awaiting-humans' ? `Awaiting humans; board check in ${formatWait(waitMs)}` : `Next orchestrator tick in ${formatWait(waitMs)}`,
      });
    }
    if (continueAsNewDue() && !stopping) await continueAsNew();
  }
}

const DEFAULT_IDLE_POLL_MS = 5 * 60_000;

function formatWait(ms: number): string {
  return ms >= 60_000 ? `${Number((ms / 60_000).toFixed(1))}m` : `${Math.round(ms / 1000)}s`;
}

/**
 * Applies an item's report to the sprint's view; false when it is older than what the sprint has.
 * Each item workflow chain counts from zero: a new chain (the item's earlier workflow ended) adds
 * the old chain's counts to `receivedBefore`, so routed-versus-received stays exact.
 */
function applyItemReport(sprint: string, state: SprintCarried, report: ItemReport): boolean {
  const key = String(report.issueNumber);
  const known = state.items[key];
  const newChain = known?.chain !== undefined && known.chain !== report.chain;
  if (known && !newChain && known.seq >= report.seq) return false;
  const receivedBefore = newChain ? (known.receivedBefore ?? 0) + known.intentsReceived : (known?.receivedBefore ?? 0);
  const { version: _version, ...fields } = report;
  state.items[key] = {
    ...(known ?? { workflowId: itemWorkflowId(sprint, report.issueNumber), projectItemId: null, intentsRouted: 0 }),
    ...fields,
    receivedBefore,
  };
  return true;
}

/** Every item is Done (the sprint-goal tracking issue excepted): the sprint closes by itself. */
function everyItemDone(state: SprintCarried): boolean {
  const goal = (state.sprintPlan?.goal as { issue_number?: unknown } | undefined)?.issue_number;
  const items = Object.values(state.items).filter((item) => item.issueNumber !== goal);
  return items.length > 0 && items.every((item) => item.boardStatus === 'Done');
}

/** What the humans have to do: items awaiting approval, and Blocked items whose retries are used up. */
function awaitingHumans(state: SprintCarried): { needs_human_approval: number[]; blocked: number[] } {
  const items = Object.values(state.items);
  return {
    needs_human_approval: items
      .filter((item) => item.boardStatus === 'Needs Human Approval')
      .map((item) => item.issueNumber)
      .sort((a, b) => a - b),
    blocked: items
      .filter((item) => item.boardStatus === 'Blocked')
      .map((item) => item.issueNumber)
      .sort((a, b) => a - b),
  };
}

/** What the Web UI shows for the sprint: "M1 · loop · awaiting-humans · tick 12 · Ready 2 · In Progress 1 · … · paused". */
function describeSprint(input: SprintInput, state: SprintCarried, phase: SprintPhase, stopping: boolean): void {
  const counts = Object.entries(statusCounts(state))
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${status} ${n}`);
  const flags = [state.paused && 'paused', stopping && 'closing', state.orchestratorReportsComplete && 'orchestrator reports complete'].filter(Boolean);
  const mode = `${input.mode}${state.settings.itemSettings.dryRun ? ' (dry run)' : ''}`;
  wf.setCurrentDetails([`${input.sprint} · ${mode} · ${phase} · tick ${state.ticks}`, ...counts, ...flags].join(' · '));
}

/** The worker's configuration, snapshotted into history once (a worker without it cannot run this sprint). */
async function loadSettings(input: SprintInput): Promise<SprintSettings> {
  // The workflow's own queue (main): the task queues are part of what this loads.
  const local = wf.proxyActivities<MainActivities>({ startToCloseTimeout: '30s', retry: { maximumAttempts: 5 } });
  try {
    return await local.loadSprintSettings({ sprint: input.sprint, dryRun: input.dryRun ?? false });
  } catch (err) {
    throw failureFromActivity(err, 'worker_settings_unavailable');
  }
}

/** ../../../docs/spec/runner-behaviour.md §3.7: workers are about to run Codex, whose GitHub MCP servers must be there (exit 2 otherwise). */
async function checkCodexMcp(taskQueues: TaskQueues): Promise<void> {
  const check = activitiesOn('executor', taskQueues, { startToCloseTimeout: '1m', retry: { maximumAttempts: 3 } });
  try {
    await check.checkCodexMcp();
  } catch (err) {
    throw failureFromActivity(err, 'codex_mcp_missing');
  }
}

/** ../../../docs/spec/runner-behaviour.md §2.1 step 9: the sprint plan file, read once; not a JSON object → exit 2 `sprint_plan_invalid`. */
async function loadSprintPlan(sprint: string, state: SprintCarried, fileActs: OrchestratorActivities): Promise<void> {
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

interface TickPorts {
  tickActs: OrchestratorActivities;
  acts: MainActivities;
  routeActs: MainActivities;
  localRouteActs: Pick<MainActivities, 'routeIntents'>;
  authority: OrchestratorStateAuthority;
}

async function tick(input: SprintInput, state: SprintCarried, settings: SprintSettings, ports: TickPorts, promotion: PromotionContext, activity: ItemActivity): Promise<void> {
  const { tickActs, acts } = ports;
  state.ticks += 1;
  // Items whose board status (or blocked-retry timer) changed while the orchestrator ran changed
  // after it read the board (e.g. a blocked retry fired): for them this summary is stale.
  const boardAtStart = new Map(Object.values(state.items).map((item) => [item.issueNumber, boardFingerprint(item)]));
  let outcome;
  try {
    // Runs that started before issue #14 replay their file-based ticks; every new tick uses the workflow's state.
    outcome = wf.patched(STATE_IN_WORKFLOW_PATCH)
      ? await ports.authority.tick({ sprint: input.sprint, tick: state.ticks, titles: newTitles(state) }, settings, tickActs, ports.routeActs, ports.localRouteActs)
      : await tickActs.runOrchestratorTick({
          sprint: input.sprint,
          sprintWorkflowId: wf.workflowInfo().workflowId,
          tick: state.ticks,
          itemSettings: settings.itemSettings,
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
      ...(known ?? newItemView(input.sprint, routed.issueNumber, null)),
      projectItemId: routed.projectItemId ?? known?.projectItemId ?? null,
      intentsRouted: (known?.intentsRouted ?? 0) + routed.intents,
    };
    activity.update(state.items[key]!);
  }
  const changedDuringTick = new Set(
    Object.values(state.items)
      .filter((item) => boardFingerprint(item) !== (boardAtStart.get(item.issueNumber) ?? UNOBSERVED))
      .map((item) => item.issueNumber),
  );
  if (outcome.summary) {
    state.lastSummary = outcome.summary;
    const finished = outcome.endOfSprint || sprintFinished(outcome.summary, state.sprintPlan);
    state.orchestratorReportsComplete = finished && changedDuringTick.size === 0;
    await observeBoard(input, state, outcome.summary, acts, changedDuringTick, outcome.observedAtMs, activity);
    if (settings.autopromote) await autopromote(outcome.summary, state.sprintPlan, settings.readyBuffer, promotion);
  } else if (outcome.endOfSprint) {
    state.orchestratorReportsComplete = changedDuringTick.size === 0;
  }
}

const UNOBSERVED = '|false';
function boardFingerprint(item: Pick<SprintItemView, 'boardStatus' | 'timerPending'>): string {
  return `${item.boardStatus ?? ''}|${item.timerPending}`;
}

/** Titles from the sprint plan for items not routed yet (they name the item workflow in `status` and the Web UI). */
function newTitles(state: SprintCarried): Record<string, string> | undefined {
  return planTitles(state.sprintPlan, (issue) => !state.items[String(issue)]);
}

function newItemView(sprint: string, issueNumber: number, projectItemId: string | null): SprintItemView {
  return {
    workflowId: itemWorkflowId(sprint, issueNumber),
    issueNumber,
    projectItemId,
    boardStatus: null,
    busy: false,
    timerPending: false,
    ended: false,
    seq: 0,
    intentsReceived: 0,
    intentsSuperseded: 0,
    intentsRouted: 0,
  };
}

/**
 * Tells every item workflow whose board status changed what the orchestrator saw (not those that
 * changed since it looked), and gives every board item not seen before its workflow, so that any
 * item of the sprint (one awaiting a human before the sprint started, too) can be reworked.
 */
async function observeBoard(
  input: SprintInput,
  state: SprintCarried,
  summary: Record<string, unknown>,
  acts: MainActivities,
  changedDuringTick: Set<number>,
  observedAtMs: number | undefined,
  activity: ItemActivity,
): Promise<void> {
  const processed = Array.isArray(summary.processed_items) ? (summary.processed_items as Array<Record<string, unknown>>) : [];
  const changes: ItemObservation[] = [];
  for (const entry of processed) {
    const issue = entry.issue_number;
    const status = entry.status;
    const projectItemId = entry.project_item_id;
    if (typeof issue !== 'number' || !Number.isSafeInteger(issue) || issue <= 0) continue;
    if (!isBoardStatus(status) || typeof projectItemId !== 'string' || !projectItemId) continue;
    const key = String(issue);
    let known = state.items[key];
    if (!known) {
      known = state.items[key] = newItemView(input.sprint, issue, projectItemId);
      activity.update(known);
    }
    if (changedDuringTick.has(issue)) continue;
    known.projectItemId = projectItemId;
    if (known.boardStatus !== status) {
      known.boardStatus = status;
      // A Done item's workflow ends by itself; one never started needs none.
      changes.push({ issueNumber: issue, workflowId: known.workflowId, status, projectItemId, start: status !== 'Done' });
    }
  }
  if (!changes.length) return;
  await acts.notifyItems({
    sprint: input.sprint,
    sprintWorkflowId: wf.workflowInfo().workflowId,
    itemSettings: state.settings.itemSettings,
    observedAtMs,
    titles: titlesFor(
      state,
      changes.filter((change) => change.start).map((change) => change.issueNumber),
    ),
    changes,
  });
}

function isBoardStatus(value: unknown): value is BoardStatus {
  return typeof value === 'string' && (BOARD_STATUSES as readonly string[]).includes(value);
}

/** Titles from the sprint plan for these issues (they name the item workflows in `status` and the Web UI). */
function titlesFor(state: SprintCarried, issues: number[]): Record<string, string> | undefined {
  const wanted = new Set(issues);
  return planTitles(state.sprintPlan, (issue) => wanted.has(issue));
}

/** Running, queued, or routed but not yet received (the report is on its way). */
function itemBusy(item: SprintItemView): boolean {
  return item.busy || item.intentsRouted > (item.receivedBefore ?? 0) + item.intentsReceived;
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

function result(input: SprintInput, state: SprintCarried, reason: SprintResult['reason'], closeReason: string | null = null): SprintResult {
  return {
    sprint: input.sprint,
    exitCode: 0,
    reason,
    ...(closeReason && reason === 'closed' ? { closeReason } : {}),
    ticks: state.ticks,
    intentsRouted: state.intentsRouted,
    ...(state.kickoff ? { kickoff: state.kickoff } : {}),
    items: Object.values(state.items).map((item) => ({ issueNumber: item.issueNumber, boardStatus: item.boardStatus, workflowId: item.workflowId })),
  };
}
