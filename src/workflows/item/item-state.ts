/**
 * The state of one board item, held by its workflow and carried across continue-as-new. Plain
 * data + decisions; message handlers and the main loop of workflow.ts delegate here.
 */
import type { BoardStatus, DeliveredIntent, ItemStatus, PendingTimer, Role } from './messages';
import type { WorkerResult } from '../../contracts/worker-result';

const CLAIM_ENDPOINT = '/internal/executor/claim-ready-item';

/** A queued intent and how many runs of its role had finished when it arrived. */
export type QueuedIntent = DeliveredIntent & { finishedRunsAtEnqueue: number };

/** The orchestrator skips an In Review item at this many cycles; we block it (old runner: hard-coded 5). */
export const REVIEW_CYCLE_CAP = 5;
/** Reviewer dispatches without an answer before a stalled review is escalated (old runner: hard-coded 2). */
export const STALL_ESCALATION_DISPATCHES = 2;
/** Succeeded run ids kept for idempotency (orchestrator run ids are fresh UUIDs per dispatch). */
const COMPLETED_RUNS_KEPT = 500;

export interface ItemSettings {
  dryRun: boolean;
  watchdogTimeoutS: number;
  toolsCallTimeoutS: number;
  /** BLOCKED_RETRY_MINUTES in ms; attempt n waits n times this. */
  blockedRetryCooldownMs: number;
  blockedRetryMaxAttempts: number;
  reviewStallMs: number;
  transientMaxAttempts: number;
  /** Continue-as-new once the history has this many events (or when the server suggests it). */
  historyEventsBeforeContinue?: number;
  taskQueues: { main: string; executor: string; reviewer: string; orchestrator: string };
}

export interface BlockedRetryPlan {
  attempt: number;
  dueAtMs: number;
  classification: string;
  errorCode: string;
  runId: string;
  blockedAtMs: number;
}

export interface CarriedItemState {
  boardStatus: BoardStatus | null;
  projectItemId: string | null;
  title: string | null;
  queue: QueuedIntent[];
  completedRunIds: string[];
  reviewCycles: number;
  capBlocked: boolean;
  reviewerDispatchesSinceProgress: number;
  stallDueAtMs: number | null;
  stallEscalated: boolean;
  lastOutcome: string | null;
  blockedRetry: BlockedRetryPlan | null;
  blockedRetryAttempts: number;
  prUrl: string | null;
  reworkRequests: number;
  intentsReceived: number;
  reportSeq: number;
  /** Workflow time of the last status change: board reads older than this are stale. */
  statusChangedAtMs: number;
  /** Runs that ended (any result), by role: an intent dispatched before a run ended may be stale. */
  finishedRuns: Record<Role, number>;
  intentsSuperseded: number;
  /** Claim runs lost after their claim landed and resumed with their own run_id (one resume each). */
  claimsResumed?: string[];
}

export function initialItemState(projectItemId: string | null, title: string | null): CarriedItemState {
  return {
    boardStatus: null,
    projectItemId,
    title,
    queue: [],
    completedRunIds: [],
    reviewCycles: 0,
    capBlocked: false,
    reviewerDispatchesSinceProgress: 0,
    stallDueAtMs: null,
    stallEscalated: false,
    lastOutcome: null,
    blockedRetry: null,
    blockedRetryAttempts: 0,
    prUrl: null,
    reworkRequests: 0,
    intentsReceived: 0,
    reportSeq: 0,
    statusChangedAtMs: 0,
    finishedRuns: { EXECUTOR: 0, REVIEWER: 0 },
    intentsSuperseded: 0,
  };
}

export class ItemState {
  currentRun: { role: Role; runId: string; startedAtMs: number } | null = null;
  sprintWorkflowId: string | null = null;
  /** Results of runs in flight recorded by their activity (never carried: a run ends before continue-as-new). */
  readonly recoveredResults = new Map<string, WorkerResult & { attempt?: number }>();
  /** The item each claim run in flight holds, as its claim call answered (not carried either). */
  readonly claimsHeld = new Map<string, { issueNumber: number; projectItemId: string }>();
  /** The last report sent to the sprint, to send only changes. */
  lastReport: string | null = null;
  /** Why the sprint closed, once it has: the workflow ends after its current run. */
  closing: string | null = null;
  /** The workflow is returning: its last report says so. */
  ended = false;

  constructor(
    readonly sprint: string,
    readonly issueNumber: number,
    readonly settings: ItemSettings,
    readonly data: CarriedItemState,
  ) {}

  /**
   * Queues an intent unless it already ran to success or is already queued (re-delivery). The board
   * status the orchestrator saw is adopted first, unless the item changed status after that read.
   */
  enqueue(delivered: DeliveredIntent, nowMs: number): 'queued' | 'already_succeeded' | 'already_queued' {
    const runId = delivered.intent.run_id;
    this.data.intentsReceived += 1;
    if (this.data.completedRunIds.includes(runId)) return 'already_succeeded';
    if (this.currentRun?.runId === runId || this.data.queue.some((q) => q.intent.run_id === runId)) return 'already_queued';
    if (delivered.observedStatus && delivered.observedAtMs !== undefined) this.observeBoard(delivered.observedStatus, delivered.observedAtMs, nowMs);
    this.data.queue.push({ ...delivered, finishedRunsAtEnqueue: this.data.finishedRuns[delivered.intent.role] });
    if (delivered.intent.role === 'REVIEWER') this.data.reviewerDispatchesSinceProgress += 1;
    return 'queued';
  }

  /**
   * Why a queued intent should not start a Codex run now, or null when its premise still holds.
   * The orchestrator dispatched it from what it saw; by the time the item's turn comes a run of the
   * same role may have ended (a slow review, re-dispatched while it ran) or the item moved on.
   */
  supersededReason(queued: QueuedIntent): string | null {
    const { role, endpoint } = queued.intent;
    const status = this.data.boardStatus;
    if (this.data.finishedRuns[role] > queued.finishedRunsAtEnqueue) return `a ${role} run for this item ended after this intent was dispatched`;
    if (status === null) return null; // nothing known yet: the backend's policy is the judge
    if (role === 'EXECUTOR' && endpoint === CLAIM_ENDPOINT) return status === 'Ready' ? null : `item is ${status}, no longer Ready to claim`;
    return status === 'In Review' ? null : `item is ${status}, not In Review`;
  }

  /** Drops a queued intent whose premise no longer holds (counted, reported to the sprint). */
  supersede(): void {
    this.data.intentsSuperseded += 1;
  }

  runFinished(role: Role): void {
    this.data.finishedRuns[role] += 1;
  }

  /**
   * A board status read at `observedAtMs` (by the orchestrator): adopted unless the item changed
   * status itself after that read, which makes the read stale.
   */
  observeBoard(status: BoardStatus, observedAtMs: number | undefined, nowMs: number, projectItemId?: string): boolean {
    if (projectItemId) this.data.projectItemId = projectItemId;
    if (observedAtMs !== undefined && observedAtMs < this.data.statusChangedAtMs) return false;
    return this.observeStatus(status, nowMs, undefined, observedAtMs ?? nowMs);
  }

  markSucceeded(runId: string): void {
    this.data.completedRunIds.push(runId);
    if (this.data.completedRunIds.length > COMPLETED_RUNS_KEPT) this.data.completedRunIds.shift();
  }

  /**
   * The board moved (seen by the orchestrator, or by our own transition). A new status is a new
   * epoch: review bookkeeping resets, a pending blocked retry is dropped if a human moved the item
   * first, and entering In Review starts the review-stall timer.
   */
  observeStatus(status: BoardStatus, nowMs: number, projectItemId?: string, asOfMs = nowMs): boolean {
    if (projectItemId) this.data.projectItemId = projectItemId;
    if (status === this.data.boardStatus) return false;
    this.data.boardStatus = status;
    this.data.statusChangedAtMs = asOfMs;
    this.data.reviewCycles = 0;
    this.data.capBlocked = false;
    this.data.reviewerDispatchesSinceProgress = 0;
    this.data.stallEscalated = false;
    this.data.stallDueAtMs = status === 'In Review' ? nowMs + this.settings.reviewStallMs : null;
    if (status !== 'Blocked') this.data.blockedRetry = null;
    return true;
  }

  /** A reviewer answered or the executor pushed a fix-up: the review is moving, restart the stall clock. */
  reviewProgressed(nowMs: number): void {
    this.data.reviewerDispatchesSinceProgress = 0;
    if (this.data.boardStatus === 'In Review') this.data.stallDueAtMs = nowMs + this.settings.reviewStallMs;
  }

  /** Plans the next automatic Blocked → Ready retry, or returns null when the cap is reached. */
  planBlockedRetry(nowMs: number, classification: string, errorCode: string, runId: string): BlockedRetryPlan | null {
    if (this.data.blockedRetryAttempts >= this.settings.blockedRetryMaxAttempts) return null;
    const attempt = this.data.blockedRetryAttempts + 1;
    // Growing cooldown: attempt n waits n × BLOCKED_RETRY_MINUTES.
    const dueAtMs = nowMs + attempt * this.settings.blockedRetryCooldownMs;
    this.data.blockedRetry = { attempt, dueAtMs, classification, errorCode, runId, blockedAtMs: nowMs };
    return this.data.blockedRetry;
  }

  nextDeadlineMs(): number | null {
    const deadlines = [this.data.blockedRetry?.dueAtMs, this.data.stallDueAtMs].filter((d): d is number => typeof d === 'number');
    return deadlines.length ? Math.min(...deadlines) : null;
  }

  pendingTimer(): PendingTimer | null {
    const retry = this.data.blockedRetry;
    const stall = this.data.stallDueAtMs;
    if (retry && (stall === null || retry.dueAtMs <= stall)) {
      return { kind: 'blocked-retry', dueAt: new Date(retry.dueAtMs).toISOString(), summary: this.blockedRetrySummary(retry) };
    }
    if (stall !== null) return { kind: 'review-stall', dueAt: new Date(stall).toISOString(), summary: this.stallSummary() };
    return null;
  }

  blockedRetrySummary(retry: BlockedRetryPlan): string {
    return `Blocked cooldown ${formatDuration(retry.dueAtMs - retry.blockedAtMs)}, attempt ${retry.attempt}/${this.settings.blockedRetryMaxAttempts}`;
  }

  stallSummary(): string {
    return `Review stall check ${formatDuration(this.settings.reviewStallMs)} (reviewer dispatches ${this.data.reviewerDispatchesSinceProgress})`;
  }

  /** Whether anything automatic is still to happen for this item (keeps a sprint alive). */
  hasPendingAction(): boolean {
    return this.currentRun !== null || this.data.queue.length > 0 || this.data.blockedRetry !== null;
  }

  status(): ItemStatus {
    return {
      sprint: this.sprint,
      issueNumber: this.issueNumber,
      projectItemId: this.data.projectItemId,
      title: this.data.title,
      boardStatus: this.data.boardStatus,
      currentRun: this.currentRun && {
        role: this.currentRun.role,
        runId: this.currentRun.runId,
        startedAt: new Date(this.currentRun.startedAtMs).toISOString(),
      },
      queuedIntents: this.data.queue.map((q) => ({ role: q.intent.role, runId: q.intent.run_id })),
      reviewCycles: this.data.reviewCycles,
      lastOutcome: this.data.lastOutcome,
      pendingTimer: this.pendingTimer(),
      blockedRetryAttempts: this.data.blockedRetryAttempts,
      completedRuns: this.data.completedRunIds.length,
      intentsSuperseded: this.data.intentsSuperseded,
      reworkRequests: this.data.reworkRequests,
      prUrl: this.data.prUrl,
      closing: this.closing !== null,
    };
  }
}

/** 900000 → "15m", 90000 → "1.5m", 2000 → "2s": short enough for a timer summary. */
export function formatDuration(ms: number): string {
  if (ms >= 60_000) return `${Number((ms / 60_000).toFixed(1))}m`;
  return `${Number((ms / 1000).toFixed(1))}s`;
}
