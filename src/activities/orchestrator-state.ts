/**
 * The runner-managed fields of the orchestrator's state file (runner-behaviour.md §10.2.4–§10.2.5):
 * the orchestrator's dispatch decisions depend on them, so we keep writing them. Writes are
 * serialised in this process and atomic (unique temp file + rename); each write re-reads the file
 * right before replacing it, so an orchestrator write is never rolled back by a stale copy.
 */
import { randomUUID } from 'node:crypto';
import { readFile, rename, writeFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { asciiJson } from '../logging';

type StateItem = Record<string, unknown>;
interface StateFile {
  poll_count?: number;
  items: Record<string, StateItem>;
  [key: string]: unknown;
}

export async function readStateFile(path: string): Promise<StateFile> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { poll_count: 0, items: {} };
    const state = parsed as StateFile;
    if (typeof state.items !== 'object' || state.items === null || Array.isArray(state.items)) state.items = {};
    return state;
  } catch {
    return { poll_count: 0, items: {} };
  }
}

async function writeState(path: string, state: StateFile): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.tmp-${process.pid}-${randomUUID()}`;
  await writeFile(temp, `${JSON.stringify(JSON.parse(asciiJson(state)), null, 2)}\n`);
  await rename(temp, path);
}

const instant = (value: unknown): number => {
  const ms = typeof value === 'string' && value.trim() ? Date.parse(value) : NaN;
  return Number.isNaN(ms) ? -Infinity : ms;
};

/** §10.2.2, comparing timestamps as instants (the seed compared strings, ⚠ §14.17). */
export function projectItemIdForIssue(state: StateFile, issueNumber: number): string | null {
  const candidates = Object.entries(state.items).filter(([, item]) => item.last_seen_issue_number === issueNumber);
  candidates.sort(([idA, a], [idB, b]) =>
    instant(a.last_seen_at) - instant(b.last_seen_at) || instant(a.status_since_at) - instant(b.status_since_at) || idA.localeCompare(idB),
  );
  return candidates.length ? candidates[candidates.length - 1]![0] : null;
}

/** §10.2.3: the item whose last EXECUTOR dispatch carried this run id. */
export function runContext(state: StateFile, runId: string): { issueNumber: number; projectItemId: string; status: string } | null {
  for (const [projectItemId, item] of Object.entries(state.items)) {
    const issue = item.last_seen_issue_number;
    if (item.last_run_id === runId && item.last_dispatched_role === 'EXECUTOR' && Number.isInteger(issue) && (issue as number) > 0 && projectItemId.trim()) {
      return { issueNumber: issue as number, projectItemId, status: typeof item.last_seen_status === 'string' ? item.last_seen_status : '' };
    }
  }
  return null;
}

export function createOrchestratorStateActivities(statePath: string) {
  // One writer at a time in this process; the orchestrator is the only other writer.
  let queue: Promise<unknown> = Promise.resolve();
  const serialised = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn, fn);
    queue = next.catch(() => undefined);
    return next;
  };
  return {
    async lookupRunContext(runId: string) {
      return runContext(await readStateFile(statePath), runId);
    },
    recordReviewerOutcome: (input: { issueNumber: number; outcome: string; at: string }) =>
      serialised(async () => {
        const state = await readStateFile(statePath);
        const id = projectItemIdForIssue(state, input.issueNumber);
        if (!id) return { reviewCycleCount: null };
        const item = state.items[id]!;
        const previous = Number.isInteger(item.review_cycle_count) && (item.review_cycle_count as number) >= 0 ? (item.review_cycle_count as number) : 0;
        const count = previous + (input.outcome === 'FAIL' || input.outcome === 'INCOMPLETE' ? 1 : 0);
        state.items[id] = { ...item, last_reviewer_outcome: input.outcome, last_reviewer_feedback_at: input.at, review_cycle_count: count };
        await writeState(statePath, state);
        return { reviewCycleCount: count };
      }),
    recordExecutorResponse: (input: { runId: string; at: string }) =>
      serialised(async () => {
        const state = await readStateFile(statePath);
        const context = runContext(state, input.runId);
        if (!context || context.status !== 'In Review') return { recorded: false };
        state.items[context.projectItemId] = { ...state.items[context.projectItemId], last_executor_response_at: input.at };
        await writeState(statePath, state);
        return { recorded: true };
      }),
  };
}
