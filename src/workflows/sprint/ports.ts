/** What the sprint workflow asks of the outside world. Types only. */
import type { PlanApplyDraft, SprintPlanCache } from '../../contracts/kickoff';
import type { ExistingKickoff } from '../../domain/kickoff-once';
import type { BoardStatus } from '../item/messages';
import type { ItemSettings } from '../item/item-state';
import type { OrchestratorState } from '../../contracts/state-file';
import type { StateDelta } from '../../domain/state-delta';
import type { DispatchSummary } from '../../contracts/summary';
import type { RoutableIntent } from './messages';

/** The worker's configuration, snapshotted into the sprint's history at start. */
export interface SprintSettings {
  pollIntervalMs: number;
  autopromote: boolean;
  readyBuffer: number;
  sanitizationRegenAttempts: number;
  /** `<ORCHESTRATOR_STATE_PATH>.regen-request.json` (../../../docs/spec/runner-behaviour.md §10.5). */
  regenRequestPath: string;
  transientMaxAttempts: number;
  /** Continue-as-new once the history is this long (or when the server suggests it). */
  historyEventsBeforeContinue?: number;
  /** SPRINT_IDLE_POLL_MINUTES: the board check period while the sprint awaits humans. */
  idlePollMs?: number;
  itemSettings: ItemSettings;
}

export interface TickOutcome {
  routed: number;
  routedItems: Array<{ issueNumber: number; projectItemId: string | null; intents: number }>;
  summary: DispatchSummary | null;
  endOfSprint: boolean;
  exitCode: number;
  /** When the orchestrator started reading the board (ms since the epoch, the worker's clock). */
  observedAtMs?: number;
}

export interface OrchestratorRunInput {
  sprint: string;
  sprintWorkflowId: string;
  tick: number;
  /** The workflow holds no state yet: start from ORCHESTRATOR_STATE_PATH on the host (an old runner's file, or none). */
  seed: boolean;
  /** What routing will send with each intent: measured against the payload limit before anything is routed. */
  itemSettings: ItemSettings;
  titles?: Record<string, string>;
}

/** One orchestrator run against the workflow's state: what it changed, and its validated batch. */
export interface OrchestratorRun {
  /** With `seed`: the whole state after the run. */
  seededState?: OrchestratorState;
  /** Otherwise: what the run changed in the state it was given. */
  delta?: StateDelta;
  intents: RoutableIntent[];
  summary: DispatchSummary | null;
  endOfSprint: boolean;
  /** When the orchestrator started reading the board (ms since the epoch, the worker's clock). */
  observedAtMs: number;
  observedStatus: Record<string, BoardStatus>;
  /** The state's size as JSON after the run (bytes). */
  stateBytes: number;
}

/** Small results come back inline; larger ones were staged in slices through `stageTickResult`. */
export type OrchestratorRunResult = { inline: OrchestratorRun } | { staged: { attempt: number; slices: number; chars: number } };

/** One chunk of a tick's batch to hand to its item workflows. */
export interface RouteIntentsInput {
  sprint: string;
  sprintWorkflowId: string;
  tick: number;
  itemSettings: ItemSettings;
  titles?: Record<string, string>;
  observedAtMs: number;
  /** Each item's board status the orchestrator saw, for the items of this chunk. */
  observedStatus: Record<string, BoardStatus>;
  intents: RoutableIntent[];
}

export interface KickoffGenerationInput {
  sprint: string;
  readyLimit: number;
  /** The stripped goal text. */
  goal: string;
  toolsCallTimeoutS: number;
}

export interface LoadedSprintPlan {
  path: string;
  /** null: no file, or another sprint's plan. */
  plan: Record<string, unknown> | null;
}

export interface PlanApplyOptions {
  /** The kickoff's idempotency identity (domain/kickoff-once.ts kickoffIdFor), sent as `kickoff_id`. */
  kickoffId?: string;
}

export interface ExistingKickoffQuery {
  sprint: string;
  workflowId: string;
  /** The run asking (its own record is not an earlier kickoff). */
  runId: string;
}

export interface ExistingKickoffs {
  /** BACKEND_BASE_URL: the board this worker applies to, kept in the kickoff record. */
  backend: string;
  existing: ExistingKickoff[];
}

export interface KickoffActivities {
  /** The plan object Codex generated (unvalidated). */
  generateKickoffPlan(input: KickoffGenerationInput): Promise<Record<string, unknown>>;
  /** POST /internal/plan-apply; never retried (it creates issues). */
  applyKickoffDraft(draft: PlanApplyDraft, options?: PlanApplyOptions): Promise<Record<string, unknown>>;
  /** Earlier kickoffs of the sprint on this worker's board: workflow memo records, the sprint plan file, the goal issue on the board. */
  findExistingKickoff(input: ExistingKickoffQuery): Promise<ExistingKickoffs>;
  /** Writes RUNNER_SPRINT_PLAN_PATH; returns the path. */
  saveSprintPlan(cache: SprintPlanCache): Promise<string>;
  loadSprintPlan(input: { sprint: string }): Promise<LoadedSprintPlan>;
  /** `codex mcp list` shows github and github_projects enabled. */
  checkCodexMcp(): Promise<{ servers: string[] }>;
}

export interface SprintActivities extends KickoffActivities {
  loadSprintSettings(input: { sprint: string; dryRun: boolean }): Promise<SprintSettings>;
  preflight(): Promise<{ status?: string; [key: string]: unknown }>;
  /** Before issue #14 (open runs that started on an older build): orchestrator, state file and spool on the worker's disk. */
  runOrchestratorTick(input: { sprint: string; sprintWorkflowId: string; tick: number; itemSettings: ItemSettings; titles?: Record<string, string> }): Promise<TickOutcome>;
  /** Runs the orchestrator once against a private copy of the workflow's state (any orchestrator host). */
  runOrchestrator(input: OrchestratorRunInput): Promise<OrchestratorRunResult>;
  /** Hands a chunk of the tick's batch to the item workflows; a retry on any host resumes at its heartbeat. */
  routeIntents(input: RouteIntentsInput): Promise<{ routed: number }>;
  /** Backlog → Ready (body B1); returns the backend payload. */
  promoteToReady(body: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Writes the regeneration request for external re-planning. */
  writeRegenRequest(content: Record<string, unknown>): Promise<string>;
  /** Tells item workflows the board status the orchestrator saw; starts the workflow of an item not seen before. */
  notifyItems(input: NotifyItemsInput): Promise<{ notified: number }>;
  /** Tells item workflows their sprint closed (they end after their current run); returns how many were open. */
  endItemWorkflows(input: { workflowIds: string[]; reason: string }): Promise<{ ended: number }>;
}

export interface ItemObservation {
  issueNumber: number;
  workflowId: string;
  status: BoardStatus;
  projectItemId: string;
  /** Start the item's workflow if it has none (signal-with-start); false for Done items. */
  start: boolean;
}

export interface NotifyItemsInput {
  sprint: string;
  sprintWorkflowId: string;
  itemSettings: ItemSettings;
  /** When the orchestrator read the board: an item that changed itself since then ignores it. */
  observedAtMs?: number;
  titles?: Record<string, string>;
  changes: ItemObservation[];
}
