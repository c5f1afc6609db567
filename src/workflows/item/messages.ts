/**
 * Messages of the item workflow (one per board item, id `sprint-<SPRINT>-item-<ISSUE>`).
 * Declared once here; the workflow, the sprint workflow and clients import them. Payload shapes
 * and their checks live in src/contracts/messages.ts.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { z } from 'zod';
import {
  BoardObservationSchema,
  ReworkRequestSchema,
  RunIntentMessageSchema,
  SprintClosedSchema,
  describeIssues,
  type BoardStatus,
  type RecoveredRunResultRequestSchema,
  type ReworkRequest,
  type RunClaimRecordSchema,
  type RunResultRecordSchema,
} from '../../contracts/messages';

import type { Role } from '../../contracts/vocabulary';

export type { ReworkRequest } from '../../contracts/messages';
export type { BoardStatus, Classification, Role } from '../../contracts/vocabulary';
/** A RUN_INTENT the orchestrator emitted, already validated (../../../docs/spec/runner-behaviour.md §2.4). */
export type { RunIntent } from '../../contracts/intent';

/** The `runIntent` signal: an intent as routed by the sprint's intake. */
export type DeliveredIntent = z.infer<typeof RunIntentMessageSchema>;
/** The `boardObserved` signal: the board status the orchestrator saw. */
export type BoardObservation = z.infer<typeof BoardObservationSchema>;
/** The `sprintClosed` signal: the sprint closed; the item workflow ends after its current run. */
export type SprintClosed = z.infer<typeof SprintClosedSchema>;

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
  /** Intents dropped before any Codex process started because their premise no longer held. */
  intentsSuperseded: number;
  reworkRequests: number;
  prUrl: string | null;
  /** Set once the sprint closed: the workflow ends when its current run has finished. */
  closing: boolean;
}

/** How an item workflow ended. */
export interface ItemResult {
  issueNumber: number;
  boardStatus: BoardStatus | null;
  reason: 'done' | 'sprint-closed';
  completedRuns: number;
}

/** What a landed rework returns: the item's new status. */
export interface ReworkOutcome {
  issueNumber: number;
  status: BoardStatus;
  projectItemId: string;
}

export const runIntentSignal = defineSignal<[DeliveredIntent]>('runIntent');
export const boardObservedSignal = defineSignal<[BoardObservation]>('boardObserved');
export const sprintClosedSignal = defineSignal<[SprintClosed]>('sprintClosed');
/**
 * Human rework, the only way in: accepted from Needs Human Approval only (validator), completes
 * when the backend transition landed, fails with the reason when it did not.
 */
export const requestReworkUpdate = defineUpdate<ReworkOutcome, [ReworkRequest]>('requestRework');
export const itemStatusQuery = defineQuery<ItemStatus>('itemStatus');
/** A finished Codex run's result, recorded before its activity completes (see RunResultRecordSchema). */
export const runResultRecordedSignal = defineSignal<[z.infer<typeof RunResultRecordSchema>]>('runResultRecorded');
/** The item a claim run in flight holds (see RunClaimRecordSchema); a lost claim is resumed on it. */
export const runClaimedSignal = defineSignal<[z.infer<typeof RunClaimRecordSchema>]>('runClaimed');
/** The recorded result of a run still in flight, or null: a retried activity returns it instead of re-running Codex. */
export const recoveredRunResultQuery = defineQuery<z.infer<typeof RunResultRecordSchema>['result'] | null, [z.infer<typeof RecoveredRunResultRequestSchema>]>('recoveredRunResult');
/** The item a claim run in flight recorded as held (runClaimed), or null: its retry must not claim again. */
export const heldClaimQuery = defineQuery<{ issueNumber: number; projectItemId: string } | null, [z.infer<typeof RecoveredRunResultRequestSchema>]>('heldClaim');

export function itemWorkflowId(sprint: string, issueNumber: number): string {
  return `sprint-${sprint}-item-${issueNumber}`;
}

/** Validates a rework payload (update, CLI); returns the problem, or null when valid. */
export function reworkPayloadProblem(request: unknown): string | null {
  const parsed = ReworkRequestSchema.safeParse(request);
  return parsed.success ? null : describeIssues(parsed.error);
}
