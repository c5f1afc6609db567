/**
 * Messages of the item workflow (one per board item, id `sprint-<SPRINT>-item-<ISSUE>`).
 * Declared once here; the workflow, the sprint workflow and clients import them.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

export type Role = 'EXECUTOR' | 'REVIEWER';
export type BoardStatus = 'Backlog' | 'Ready' | 'In Progress' | 'In Review' | 'Needs Human Approval' | 'Blocked' | 'Done';
export type Classification = 'ITEM_STOP' | 'HARD_STOP' | 'TRANSIENT';

/** A RUN_INTENT the orchestrator emitted, already validated (runner-behaviour.md §2.4). */
export interface RunIntent {
  type: 'RUN_INTENT';
  role: Role;
  run_id: string;
  endpoint: string;
  body: Record<string, unknown>;
}

export interface DeliveredIntent {
  intent: RunIntent;
  /** The line as the orchestrator printed it (Codex gets it verbatim); defaults to `intent`. */
  raw?: Record<string, unknown>;
  /** sha256 of the raw line's canonical JSON (the seed's intent_hash). */
  intentHash: string;
  /** Workflow time (ms) when the sprint routed it: the start of the "intent → agent" latency. */
  routedAtMs: number;
}

export interface BoardObservation {
  status: BoardStatus;
  projectItemId: string;
}

export interface ReworkRequest {
  reason: string;
  steps?: string[];
}

export interface PendingTimer {
  kind: 'blocked-retry' | 'review-stall';
  dueAt: string;
  summary: string;
}

export interface ItemStatus {
  sprint: string;
  issueNumber: number;
  projectItemId: string | null;
  title: string | null;
  boardStatus: BoardStatus | null;
  currentRun: { role: Role; runId: string; startedAt: string } | null;
  queuedIntents: Array<{ role: Role; runId: string }>;
  reviewCycles: number;
  lastOutcome: string | null;
  pendingTimer: PendingTimer | null;
  blockedRetryAttempts: number;
  completedRuns: number;
  prUrl: string | null;
}

export const runIntentSignal = defineSignal<[DeliveredIntent]>('runIntent');
export const boardObservedSignal = defineSignal<[BoardObservation]>('boardObserved');
export const requestReworkSignal = defineSignal<[ReworkRequest]>('requestRework');
export const requestReworkUpdate = defineUpdate<{ status: BoardStatus }, [ReworkRequest]>('requestRework');
export const itemStatusQuery = defineQuery<ItemStatus>('itemStatus');

export function itemWorkflowId(sprint: string, issueNumber: number): string {
  return `sprint-${sprint}-item-${issueNumber}`;
}

/** Validates a rework payload (signal or update); returns the problem, or null when valid. */
export function reworkPayloadProblem(request: unknown): string | null {
  if (typeof request !== 'object' || request === null || Array.isArray(request)) return 'rework payload must be an object {reason, steps?}';
  const { reason, steps, ...extra } = request as Record<string, unknown>;
  if (Object.keys(extra).length) return `rework payload has unknown fields: ${Object.keys(extra).sort().join(', ')}`;
  if (typeof reason !== 'string' || !reason.trim()) return 'rework reason must be a non-empty string';
  if (reason.length > 2000) return 'rework reason must be at most 2000 characters';
  if (steps !== undefined) {
    if (!Array.isArray(steps) || steps.length === 0) return 'rework steps must be a non-empty array of strings when given';
    if (steps.some((step) => typeof step !== 'string' || !step.trim())) return 'rework steps must be non-empty strings';
  }
  return null;
}
