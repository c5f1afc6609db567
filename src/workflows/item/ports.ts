/**
 * What the item workflow asks of the outside world: one activity per board-level effect, so the
 * workflow reads like the state machine and the exact HTTP bodies (../../../docs/spec/runner-behaviour.md §12.2
 * B2–B5) live in the activities. Types only.
 */
import type { BoardStatus, Classification, RunIntent } from './messages';
import type { WorkerResult } from '../../contracts/worker-result';

/** The validated worker result JSON (../../../docs/spec/runner-behaviour.md §3.5). */
export type { WorkerResult } from '../../contracts/worker-result';

export interface CodexRunInput {
  intent: RunIntent;
  /** The orchestrator's line, inserted verbatim into the worker prompt. */
  rawIntent?: Record<string, unknown>;
  /** Deadline of the `tools/call codex` (CODEX_TOOLS_CALL_TIMEOUT_S). */
  toolsCallTimeoutS: number;
}

export interface BlockInput {
  issueNumber: number;
  projectItemId: string;
  /** Board status the item is in (In Progress or In Review) — picks the B3 next steps. */
  fromStatus: BoardStatus;
  classification: Classification;
  message: string;
  runId: string;
}

export interface SprintStateTarget {
  sprintWorkflowId: string;
}

export interface BoardPayload {
  backend_payload: Record<string, unknown>;
}

export interface ItemActivities {
  /** Runs one Codex worker over MCP and returns its validated result (throws classified failures). */
  /** `attempt`: the activity attempt that produced the result (a retried claim cannot resume its claim). */
  runCodexWorker(input: CodexRunInput): Promise<WorkerResult & { attempt?: number }>;
  /** Resolves the item a run belongs to from the orchestrator state file (../../../docs/spec/runner-behaviour.md §10.2.3). */
  lookupRunContext(runId: string): Promise<{ issueNumber: number; projectItemId: string; status: string } | null>;
  recordReviewerOutcome(input: { issueNumber: number; outcome: string; at: string }): Promise<{ reviewCycleCount: number | null }>;
  recordExecutorResponse(input: { runId: string; at: string }): Promise<{ recorded: boolean }>;
  /** The same three against the state the sprint workflow holds (issue #14): any host, no file. */
  lookupRunContextInSprint(input: { sprintWorkflowId: string; runId: string }): Promise<{ issueNumber: number; projectItemId: string; status: string } | null>;
  recordReviewerOutcomeInSprint(
    input: SprintStateTarget & { issueNumber: number; outcome: 'PASS' | 'FAIL' | 'INCOMPLETE'; at: string; runId: string },
  ): Promise<{ reviewCycleCount: number | null }>;
  recordExecutorResponseInSprint(input: SprintStateTarget & { runId: string; at: string }): Promise<{ recorded: boolean }>;
  /** resolve-linked-pr then In Review → Needs Human Approval (B2). */
  handoffToHumanApproval(input: {
    issueNumber: number;
    runId: string;
    reason: string;
    expectedProjectItemId?: string;
  }): Promise<BoardPayload & { pr_url: string; project_item_id: string }>;
  /** In Progress / In Review → Blocked (B3). */
  blockItem(input: BlockInput): Promise<BoardPayload>;
  /** The board status another item's workflow last saw (its itemStatus query); null when it has none or has ended. */
  itemWorkflowBoardStatus(input: { workflowId: string }): Promise<BoardStatus | null>;
  /** Blocked → Ready after the cooldown (B4). */
  retryBlockedItem(input: { issueNumber: number; projectItemId: string; classification: string; errorCode: string; blockedMinutes: number; runId: string }): Promise<BoardPayload>;
  /** In Review → Blocked at the review cycle cap (B5). */
  blockAtReviewCycleCap(input: { issueNumber: number; projectItemId: string; reviewCycleCount: number; runId: string }): Promise<BoardPayload>;
  /** Needs Human Approval → In Review as HUMAN with the rework metadata (../../../docs/spec/backend-orchestrator-contract.md §A.5). */
  requestHumanRework(input: { issueNumber: number; projectItemId: string; reason: string; steps?: string[] }): Promise<BoardPayload>;
}
