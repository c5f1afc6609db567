/**
 * The runner-managed fields of the orchestrator's state file (../../docs/spec/runner-behaviour.md §10.2.4–§10.2.5)
 * for item workflows from before issue #14 (new ones update the sprint workflow's state:
 * sprint-state.ts), and the read of a state file (a tick's private copy, or the exported file a new
 * sprint seeds from). Writes are atomic (unique temp file + rename) and never overlap an
 * orchestrator run in this process (state-file-lock.ts); each write re-reads the file first.
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomically } from './files';
import { withStateFileLock } from './state-file-lock';
import type { OrchestratorState } from '../contracts/state-file';
import { applyExecutorResponse, applyReviewerOutcome, emptyState, parseStateFileReporting, runContext, serializeStateFile, type StateUpdate } from '../domain/state-file';
import { emitEvent } from '../logging';

/**
 * ../../docs/spec/runner-behaviour.md §10.2.1: a file that cannot be read (missing, too) is an empty state; content that does not
 * parse is repaired (parseStateFileReporting) and reported as STATE_FILE_INVALID, naming the problem.
 */
export async function readStateFile(path: string): Promise<OrchestratorState> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return emptyState();
  }
  const { state, problem } = parseStateFileReporting(text);
  if (problem) emitEvent({ type: 'STATE_FILE_INVALID', path, error: problem.slice(0, 1000) });
  return state;
}

async function writeState(path: string, state: OrchestratorState): Promise<void> {
  await writeFileAtomically(path, serializeStateFile(state));
}

export function createOrchestratorStateActivities(statePath: string) {
  const update = (apply: (state: OrchestratorState) => StateUpdate): Promise<StateUpdate> =>
    withStateFileLock(statePath, async () => {
      const result = apply(await readStateFile(statePath));
      if (result.changed) await writeState(statePath, result.state);
      return result;
    });
  return {
    async lookupRunContext(runId: string) {
      return runContext(await readStateFile(statePath), runId);
    },
    async recordReviewerOutcome(input: { issueNumber: number; outcome: string; at: string }) {
      const { reviewCycleCount } = await update((state) => applyReviewerOutcome(state, input.issueNumber, input.outcome, input.at));
      return { reviewCycleCount };
    },
    async recordExecutorResponse(input: { runId: string; at: string }) {
      const { changed } = await update((state) => applyExecutorResponse(state, input.runId, input.at));
      return { recorded: changed };
    },
  };
}
