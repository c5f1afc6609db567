/**
 * Messages of the sprint workflow (one per sprint, id `sprint-<SPRINT>`), declared once.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { BoardStatus } from '../item/messages';

export type SprintMode = 'loop' | 'once' | 'kickoff-only';

export interface SprintInput {
  sprint: string;
  goal?: string;
  readyLimit?: number;
  mode: SprintMode;
  dryRun?: boolean;
}

/** What an item workflow tells its sprint after every change. */
export interface ItemReport {
  issueNumber: number;
  /** Increases with every report: signals from one workflow may arrive out of order. */
  seq: number;
  /** RUN_INTENT signals the item has received so far (duplicates included). */
  intentsReceived: number;
  boardStatus: BoardStatus | null;
  /** A run is executing or queued. */
  busy: boolean;
  /** A durable timer (blocked retry) will act on its own later. */
  timerPending: boolean;
}

export interface SprintItemView extends ItemReport {
  workflowId: string;
  projectItemId: string | null;
  /** Intents the sprint routed to the item; more than it has received means work is in flight. */
  intentsRouted: number;
}

export interface SprintStatus {
  sprint: string;
  mode: SprintMode;
  dryRun: boolean;
  paused: boolean;
  stopping: boolean;
  ticks: number;
  intentsRouted: number;
  statusCounts: Record<string, number>;
  /** Items by issue number, at most SPRINT_STATUS_ITEM_LIMIT (page through `sprintItems` for more). */
  items: SprintItemView[];
  itemCount: number;
  lastSummary: Record<string, unknown> | null;
  orchestratorReportsComplete: boolean;
  kickoff: KickoffSummary | null;
  /** The sprint plan autopromotion works from: `kickoff`, `file` (RUNNER_SPRINT_PLAN_PATH) or `none`. */
  sprintPlanSource: 'kickoff' | 'file' | 'none';
}

/** What kickoff did (runner-behaviour.md §4.5), kept in the sprint's state and result. */
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
  reason: 'completed' | 'once' | 'stopped' | 'kickoff-only';
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

/** A query answer must stay far below the 2 MB payload limit: items come in pages. */
export const SPRINT_STATUS_ITEM_LIMIT = 1000;
export interface SprintItemsPage {
  total: number;
  offset: number;
  items: SprintItemView[];
}
export const sprintItemsQuery = defineQuery<SprintItemsPage, [{ offset?: number; limit?: number }]>('sprintItems');

export function sprintWorkflowId(sprint: string): string {
  return `sprint-${sprint}`;
}

/** Exit codes of the seed runner, carried by the sprint workflow's typed failures. */
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
  const { sprint, goal, readyLimit, mode, dryRun, ...extra } = input as Record<string, unknown>;
  if (Object.keys(extra).length) return `sprint input has unknown fields: ${Object.keys(extra).sort().join(', ')}`;
  if (typeof sprint !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(sprint)) return 'sprint input: sprint must be a short name like "M1" (letters, digits, . _ -)';
  if (!['loop', 'once', 'kickoff-only'].includes(mode as string)) return 'sprint input: mode must be "loop", "once" or "kickoff-only"';
  if (goal !== undefined && (typeof goal !== 'string' || !goal.trim())) return 'sprint input: goal must be a non-empty string when given';
  // The range (1..3) is kickoff's own rule, reported as kickoff_invalid_ready_limit before Codex runs.
  if (readyLimit !== undefined && !Number.isInteger(readyLimit)) return 'sprint input: readyLimit must be an integer';
  if (dryRun !== undefined && typeof dryRun !== 'boolean') return 'sprint input: dryRun must be a boolean';
  if (mode === 'kickoff-only' && goal === undefined) return 'sprint input: mode "kickoff-only" needs a goal';
  return null;
}
