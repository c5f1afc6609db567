/**
 * Messages of the sprint workflow (one per sprint, id `sprint-<SPRINT>`), declared once.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { z } from 'zod';
import type {
  ExecutorResponseRecordSchema,
  ItemReportSchema,
  StageTickResultSchema,
  ReviewerOutcomeRecordSchema,
  RunContextRequestSchema,
  SprintCloseSchema,
} from '../../contracts/messages';
import type { OrchestratorState } from '../../contracts/state-file';
import type { RunContext } from '../../domain/state-file';

export type SprintMode = 'loop' | 'once' | 'kickoff-only';

export interface SprintInput {
  sprint: string;
  goal?: string;
  readyLimit?: number;
  mode: SprintMode;
  dryRun?: boolean;
  /** Kick off again although the sprint was kicked off before (`run --replan`); needs a goal. */
  replan?: boolean;
}

/**
 * What an item workflow tells its sprint after every change: `seq` increases with every report of
 * one item workflow chain (signals may arrive out of order), `intentsReceived` counts the RUN_INTENT
 * signals that chain received (duplicates included), `busy` = a run is executing or queued,
 * `timerPending` = a blocked retry will act on its own later.
 */
export type ItemReport = z.infer<typeof ItemReportSchema>;

export interface SprintItemView extends Omit<ItemReport, 'version' | 'chain'> {
  workflowId: string;
  projectItemId: string | null;
  /** Intents the sprint routed to the item; more than it has received means work is in flight. */
  intentsRouted: number;
  /** The item workflow chain that reported last (a Done item's workflow ends; a later one is a new chain). */
  chain?: string;
  /** Intents earlier chains of this item received: counts restart with each chain. */
  receivedBefore?: number;
}

/**
 * `running`: orchestrator ticks. `awaiting-humans`: no automatic work left (every item awaits a
 * human, is Done, or is Blocked with its retries used up); only a slow board check runs, and any
 * item change wakes the sprint. `closed`: every item Done, or closed on request; item workflows ended.
 */
export type SprintPhase = 'running' | 'awaiting-humans' | 'closed';

export interface SprintStatus {
  sprint: string;
  mode: SprintMode;
  dryRun: boolean;
  phase: SprintPhase;
  paused: boolean;
  stopping: boolean;
  /** Why the sprint is closing or closed (close update, stop signal), or null. */
  closeReason: string | null;
  ticks: number;
  intentsRouted: number;
  statusCounts: Record<string, number>;
  /** Items by issue number, at most SPRINT_STATUS_ITEM_LIMIT (page through `sprintItems` for more). */
  items: SprintItemView[];
  itemCount: number;
  /** Intents items dropped before any Codex run because their premise no longer held. */
  intentsSuperseded: number;
  lastSummary: Record<string, unknown> | null;
  orchestratorReportsComplete: boolean;
  kickoff: KickoffSummary | null;
  /** The sprint plan autopromotion works from: `kickoff`, `file` (RUNNER_SPRINT_PLAN_PATH) or `none`. */
  sprintPlanSource: 'kickoff' | 'file' | 'none';
}

/** What kickoff did (../../../docs/spec/runner-behaviour.md §4.5), kept in the sprint's state and result. */
export interface KickoffSummary {
  status: 'APPLIED' | 'DRY_RUN';
  ready_set_titles: string[];
  /** The goal issue first, then the tasks (empty in dry run). */
  created: Array<{ title: string; issue_number: number; project_item_id: string }>;
  /** Ready-set promotions (not the fallback's). */
  promoted: Array<{ issue_number: number; project_item_id: string }>;
}

export interface SprintResult {
  sprint: string;
  exitCode: 0;
  /** completed: every item Done; closed: the close update; stopped: the stop signal. */
  reason: 'completed' | 'closed' | 'once' | 'stopped' | 'kickoff-only';
  closeReason?: string;
  kickoff?: KickoffSummary;
  items: Array<{ issueNumber: number; boardStatus: string | null; workflowId: string }>;
  ticks: number;
  intentsRouted: number;
}

export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
export const stopSignal = defineSignal('stop');
export const tickSignal = defineSignal('tick');
export const itemReportSignal = defineSignal<[ItemReport]>('itemReport');
export const sprintStatusQuery = defineQuery<SprintStatus>('sprintStatus');

export type SprintCloseRequest = z.infer<typeof SprintCloseSchema>;
export interface SprintCloseOutcome {
  sprint: string;
  phase: 'closed';
  reason: string;
  /** Item workflows told to end. */
  itemsEnded: number;
}
/**
 * Closes the sprint: no new runs; runs in flight finish; then every item workflow ends. Completes
 * when that is done. Refused when the sprint is already closing.
 */
export const closeUpdate = defineUpdate<SprintCloseOutcome, [SprintCloseRequest]>('close');

/** A query answer must stay far below the 2 MB payload limit: items come in pages. */
export const SPRINT_STATUS_ITEM_LIMIT = 1000;
export interface SprintItemsPage {
  total: number;
  offset: number;
  items: SprintItemView[];
}
export const sprintItemsQuery = defineQuery<SprintItemsPage, [{ offset?: number; limit?: number }]>('sprintItems');

/**
 * The orchestrator's state, held by the sprint workflow (one authority for every host): a tick
 * reads it from here, runs the orchestrator against a private copy, and returns what changed.
 * `revision` counts the changes the workflow applied (orchestrator runs and runner-managed fields).
 */
export interface OrchestratorStateView {
  revision: number;
  state: OrchestratorState | null;
}
export const orchestratorStateQuery = defineQuery<OrchestratorStateView>('orchestratorState');

/** One validated RUN_INTENT of a tick's batch, as the tick returned it and the router hands it on. */
export interface RoutableIntent {
  /** The orchestrator's line as validated (the router derives the intent and its hash from it). */
  raw: Record<string, unknown>;
  issueNumber: number;
  projectItemId: string | null;
}
/** ../../../docs/spec/runner-behaviour.md §10.2.3 from the workflow's state: the item a run belongs to. */
export const runContextQuery = defineQuery<RunContext | null, [z.infer<typeof RunContextRequestSchema>]>('runContext');

/** ../../../docs/spec/runner-behaviour.md §10.2.4: a reviewer outcome into the state (returns the review cycle count). */
export const recordReviewerOutcomeUpdate = defineUpdate<{ reviewCycleCount: number | null }, [z.infer<typeof ReviewerOutcomeRecordSchema>]>('recordReviewerOutcome');
/** ../../../docs/spec/runner-behaviour.md §10.2.5: an executor's answer to review feedback into the state. */
export const recordExecutorResponseUpdate = defineUpdate<{ recorded: boolean }, [z.infer<typeof ExecutorResponseRecordSchema>]>('recordExecutorResponse');
/**
 * The same two records as signals, sent by an item workflow's local activity (issue #18): a signal
 * lands without a workflow task of the sprint, so the item's workflow task never waits for one (an
 * update would hold a workflow task slot until the sprint's own task ran).
 */
export const reviewerOutcomeRecordedSignal = defineSignal<[z.infer<typeof ReviewerOutcomeRecordSchema>]>('reviewerOutcomeRecorded');
export const executorResponseRecordedSignal = defineSignal<[z.infer<typeof ExecutorResponseRecordSchema>]>('executorResponseRecorded');

/** A slice of a tick result too large for one activity result (the tick returns how many it staged). */
export const stageTickResultUpdate = defineUpdate<void, [z.infer<typeof StageTickResultSchema>]>('stageTickResult');

export function sprintWorkflowId(sprint: string): string {
  return `sprint-${sprint}`;
}

/** Exit codes of the old runner, carried by the sprint workflow's typed failures. */
export const EXIT_CODES = {
  HARD_STOP: 2,
  MALFORMED_ITEM_DATA: 3,
  TRANSIENT_EXHAUSTED: 4,
  REGEN_EXHAUSTED: 5,
  REGEN_HANDOFF: 6,
} as const;

/** Validates the workflow input; returns the problem or null. */
export function sprintInputProblem(input: unknown): string | null {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return 'sprint input must be an object {sprint, mode, goal?, readyLimit?, dryRun?}';
  const { sprint, goal, readyLimit, mode, dryRun, replan, ...extra } = input as Record<string, unknown>;
  if (Object.keys(extra).length) return `sprint input has unknown fields: ${Object.keys(extra).sort().join(', ')}`;
  if (typeof sprint !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(sprint)) return 'sprint input: sprint must be a short name like "M1" (letters, digits, . _ -)';
  if (!['loop', 'once', 'kickoff-only'].includes(mode as string)) return 'sprint input: mode must be "loop", "once" or "kickoff-only"';
  if (goal !== undefined && (typeof goal !== 'string' || !goal.trim())) return 'sprint input: goal must be a non-empty string when given';
  // The range (1..3) is kickoff's own rule, reported as kickoff_invalid_ready_limit before Codex runs.
  if (readyLimit !== undefined && !Number.isInteger(readyLimit)) return 'sprint input: readyLimit must be an integer';
  if (dryRun !== undefined && typeof dryRun !== 'boolean') return 'sprint input: dryRun must be a boolean';
  if (mode === 'kickoff-only' && goal === undefined) return 'sprint input: mode "kickoff-only" needs a goal';
  if (replan !== undefined && typeof replan !== 'boolean') return 'sprint input: replan must be a boolean';
  if (replan === true && goal === undefined) return 'sprint input: replan needs a goal (it re-runs kickoff)';
  return null;
}
