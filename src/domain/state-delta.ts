/**
 * The orchestrator's state travels as deltas: the sprint workflow holds the state (one authority for
 * every host), a tick materialises it for the orchestrator process and sends back only what the run
 * changed, as an RFC 6902 JSON Patch against the state it was given. The workflow applies the patch
 * to its *current* state, so runner-managed fields recorded while the orchestrator ran (a reviewer
 * outcome, an executor response) survive, exactly as the orchestrator's own merge of those fields
 * from disk did when the state was a shared file. JSON Patch (not merge patch) because the state
 * holds nulls, which a merge patch cannot set. Pure and deterministic: used inside workflows.
 */
import { applyPatch, createPatch, type Operation } from 'rfc6902';
import type { OrchestratorState } from '../contracts/state-file';

export type StateDelta = Operation[];

/** What turns `before` into `after`. */
export function stateDelta(before: OrchestratorState, after: OrchestratorState): StateDelta {
  return createPatch(before, after);
}

/**
 * `state` with `delta` applied (a fresh object; `state` is not changed). An operation whose target
 * vanished in between (e.g. a `remove` of a key already gone) is skipped: the orchestrator's next
 * run sees the state as it is and decides again.
 */
export function applyStateDelta(state: OrchestratorState, delta: StateDelta): { state: OrchestratorState; skipped: number } {
  const next = structuredCloneJson(state);
  const errors = applyPatch(next, delta);
  return { state: next, skipped: errors.filter((error) => error !== null).length };
}

/** Bytes of the state as JSON (what a payload carrying it costs). */
export function stateBytes(state: OrchestratorState): number {
  return utf8Length(JSON.stringify(state));
}

function structuredCloneJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** UTF-8 length without Buffer/TextEncoder (workflow-safe everywhere). */
function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      bytes += 4;
      i += 1;
    } else bytes += 3;
  }
  return bytes;
}
