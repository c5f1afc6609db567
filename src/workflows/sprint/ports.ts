/** What the sprint workflow asks of the outside world. Types only. */
import type { BoardStatus } from '../item/messages';
import type { ItemSettings } from '../item/item-state';

/** The worker's configuration, snapshotted into the sprint's history at start. */
export interface SprintSettings {
  pollIntervalMs: number;
  autopromote: boolean;
  readyBuffer: number;
  transientMaxAttempts: number;
  itemSettings: ItemSettings;
}

export interface TickOutcome {
  routed: number;
  routedItems: Array<{ issueNumber: number; projectItemId: string | null; intents: number }>;
  summary: Record<string, unknown> | null;
  endOfSprint: boolean;
  exitCode: number;
}

export interface SprintActivities {
  loadSprintSettings(input: { sprint: string; dryRun: boolean }): Promise<SprintSettings>;
  preflight(): Promise<{ status?: string; [key: string]: unknown }>;
  runOrchestratorTick(input: { sprint: string; sprintWorkflowId: string; tick: number; itemSettings: ItemSettings }): Promise<TickOutcome>;
  notifyItems(changes: Array<{ workflowId: string; status: BoardStatus; projectItemId: string }>): Promise<{ notified: number }>;
}
