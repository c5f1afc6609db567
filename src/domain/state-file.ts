/**
 * Pure reads and updates of the orchestrator state file (../../docs/spec/runner-behaviour.md §10.2): which project
 * item an issue or a run belongs to, and the runner-managed fields (reviewer outcome, review cycle
 * count, executor response time). Updates return a new state; the caller re-reads the file right
 * before applying them and writes the result (the orchestrator writes the same file).
 */
import { describeParseIssues } from '../contracts/parse';
import { OrchestratorStateSchema, type OrchestratorState, type StateItem } from '../contracts/state-file';
import { compareCodePoints, pythonJsonFileText } from './python-json';
import { parseIsoInstant } from './time';

export interface RunContext {
  issueNumber: number;
  projectItemId: string;
  /** The status the orchestrator last saw (a cache: it may be stale, ⚠ ../../docs/spec/runner-behaviour.md §14.8). */
  status: string;
}

export interface StateUpdate {
  state: OrchestratorState;
  changed: boolean;
  itemId: string | null;
  reviewCycleCount: number | null;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isPositiveInt = (value: unknown): value is number => Number.isInteger(value) && (value as number) > 0;

export function emptyState(): OrchestratorState {
  return { poll_count: 0, items: {} };
}

/** A state file's text as a state, and what had to be repaired to read it (null: nothing). */
export interface ParsedStateFile {
  state: OrchestratorState;
  problem: string | null;
}

/**
 * ../../docs/spec/runner-behaviour.md §10.2.1 through OrchestratorStateSchema: not JSON or not an object → empty state; non-object
 * `items` → {}; items that are not objects cannot be matched to anything and are left out. Every
 * other key is kept as found. `problem` names what was repaired (path, expected, got).
 */
export function parseStateFileReporting(text: string): ParsedStateFile {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (err) {
    return { state: emptyState(), problem: `not valid JSON (${(err as Error).message}); read as an empty state` };
  }
  const parsed = OrchestratorStateSchema.safeParse(root);
  if (parsed.success) {
    // The schema checked `root`; its values are kept as found (not zod's copies), in their order, so
    // unknown keys, even odd ones, survive the round trip.
    const state = root as OrchestratorState;
    return { state: { ...state, items: state.items ?? {} }, problem: null };
  }
  const problem = describeParseIssues(parsed.error, root);
  if (!isObject(root)) return { state: emptyState(), problem: `${problem}; read as an empty state` };
  const items = isObject(root.items) ? Object.fromEntries(Object.entries(root.items).filter(([, item]) => isObject(item))) : {};
  return { state: { ...root, items: items as Record<string, StateItem> }, problem: `${problem}; ${isObject(root.items) ? 'those items left out' : 'items read as {}'}` };
}

/** parseStateFileReporting's state. */
export function parseStateFile(text: string): OrchestratorState {
  return parseStateFileReporting(text).state;
}

/** The file as the old runner wrote it: indent 2, ASCII only, trailing newline. */
export function serializeStateFile(state: OrchestratorState): string {
  return pythonJsonFileText(state);
}

/**
 * ../../docs/spec/runner-behaviour.md §10.2.2: of the items seen with this issue number, the one seen last (then the one whose status
 * is newest, then the greatest id). Deviation: timestamps compare as instants, not strings (⚠
 * ../../docs/spec/runner-behaviour.md §14.17: `…00Z` sorted after `…00.000Z` lexically); unreadable timestamps count as oldest.
 */
export function projectItemIdForIssue(state: OrchestratorState, issueNumber: number): string | null {
  const instant = (value: unknown) => parseIsoInstant(value) ?? -Infinity;
  const candidates = Object.entries(state.items).filter(([, item]) => item.last_seen_issue_number === issueNumber);
  if (!candidates.length) return null;
  candidates.sort(
    ([idA, a], [idB, b]) =>
      compareNumbers(instant(a.last_seen_at), instant(b.last_seen_at)) || compareNumbers(instant(a.status_since_at), instant(b.status_since_at)) || compareCodePoints(idA, idB),
  );
  return candidates[candidates.length - 1]![0];
}

/** ../../docs/spec/runner-behaviour.md §10.2.3: the first item (file order) whose last EXECUTOR dispatch carried this run id. */
export function runContext(state: OrchestratorState, runId: string): RunContext | null {
  for (const [projectItemId, item] of Object.entries(state.items)) {
    const issue = item.last_seen_issue_number;
    if (item.last_run_id === runId && item.last_dispatched_role === 'EXECUTOR' && isPositiveInt(issue) && projectItemId.trim()) {
      return { issueNumber: issue, projectItemId, status: typeof item.last_seen_status === 'string' ? item.last_seen_status : '' };
    }
  }
  return null;
}

/** ../../docs/spec/runner-behaviour.md §10.2.4: FAIL and INCOMPLETE count a review cycle, PASS does not. No item for the issue → unchanged. */
export function applyReviewerOutcome(state: OrchestratorState, issueNumber: number, outcome: string, atIso: string): StateUpdate {
  const itemId = projectItemIdForIssue(state, issueNumber);
  if (itemId === null) return { state, changed: false, itemId: null, reviewCycleCount: null };
  const item = state.items[itemId]!;
  const previous = Number.isInteger(item.review_cycle_count) && (item.review_cycle_count as number) >= 0 ? (item.review_cycle_count as number) : 0;
  const reviewCycleCount = previous + (outcome === 'FAIL' || outcome === 'INCOMPLETE' ? 1 : 0);
  const updated = { ...item, last_reviewer_outcome: outcome, last_reviewer_feedback_at: atIso, review_cycle_count: reviewCycleCount };
  return { state: withItem(state, itemId, updated), changed: true, itemId, reviewCycleCount };
}

/** ../../docs/spec/runner-behaviour.md §10.2.5: an executor's success is an answer to review feedback only while its item is In Review. */
export function applyExecutorResponse(state: OrchestratorState, runId: string, atIso: string): StateUpdate {
  const context = runContext(state, runId);
  if (!context || context.status !== 'In Review') return { state, changed: false, itemId: context?.projectItemId ?? null, reviewCycleCount: null };
  const item = state.items[context.projectItemId]!;
  const count = item.review_cycle_count;
  return {
    state: withItem(state, context.projectItemId, { ...item, last_executor_response_at: atIso }),
    changed: true,
    itemId: context.projectItemId,
    reviewCycleCount: Number.isInteger(count) && (count as number) >= 0 ? (count as number) : null,
  };
}

function withItem(state: OrchestratorState, itemId: string, item: StateItem): OrchestratorState {
  return { ...state, items: { ...state.items, [itemId]: item } };
}

function compareNumbers(a: number, b: number): number {
  return a === b ? 0 : a < b ? -1 : 1;
}
