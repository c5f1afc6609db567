/**
 * Failure classification (../../docs/spec/runner-behaviour.md §12.3, §3.9, §7): ITEM_STOP stops one item,
 * TRANSIENT is worth retrying, HARD_STOP needs a human. Works on our error classes and on the plain
 * shapes errors take once they have crossed Temporal (`{type: 'HttpError', code, status_code}`).
 */
import type { Classification } from '../contracts/vocabulary';

/** CodexWorkerError codes that stop only the item (../../docs/spec/runner-behaviour.md §3.9), plus `codex_tool_error` (our isError check). */
const ITEM_STOP_CODEX_CODES: ReadonlySet<string> = new Set([
  'mcp_timeout',
  'mcp_error_response',
  'mcp_invalid_result',
  'mcp_invalid_json',
  'worker_invalid_output',
  'worker_identity_mismatch',
  'codex_tool_error',
]);

/**
 * Deviation (README): the old runner made `mcp_stdio_unavailable` ITEM_STOP. Our MCP client reports it the
 * moment Codex dies or closes its pipes, and a fresh process may well succeed: TRANSIENT.
 */
const TRANSIENT_CODEX_CODES: ReadonlySet<string> = new Set(['mcp_stdio_unavailable']);

/** Error codes that make a Blocked item worth an automatic retry whatever their class (../../docs/spec/runner-behaviour.md §7 rule 3). */
const RETRYABLE_ERROR_CODES: ReadonlySet<string> = new Set(['mcp_timeout', 'backend_unreachable', 'mcp_stdio_unavailable', 'mcp_error_response']);

const ERROR_KINDS = ['IntentError', 'HttpError', 'CodexWorkerError'] as const;
type ErrorKind = (typeof ERROR_KINDS)[number];

/** An error, or what is left of one after serialisation. */
interface FailureLike {
  name?: unknown;
  type?: unknown;
  code?: unknown;
  statusCode?: unknown;
  status_code?: unknown;
}

export function classifyFailure(err: unknown): Classification {
  if (typeof err !== 'object' || err === null) return 'HARD_STOP';
  const failure = err as FailureLike;
  // A class instance names itself; an ApplicationFailure is named 'ApplicationFailure' and carries the class in `type`.
  const kind = [failure.name, failure.type].find((k): k is ErrorKind => ERROR_KINDS.includes(k as ErrorKind));
  const code = typeof failure.code === 'string' ? failure.code : '';
  switch (kind) {
    case 'IntentError':
      return 'HARD_STOP';
    case 'HttpError': {
      const status = Number(failure.statusCode ?? failure.status_code ?? 0);
      if (code === 'backend_unreachable') return 'TRANSIENT';
      if (status === 409) return 'ITEM_STOP';
      if (status >= 500) return 'TRANSIENT';
      return 'HARD_STOP';
    }
    case 'CodexWorkerError':
      if (TRANSIENT_CODEX_CODES.has(code)) return 'TRANSIENT';
      return ITEM_STOP_CODEX_CODES.has(code) ? 'ITEM_STOP' : 'HARD_STOP';
    default:
      return 'HARD_STOP';
  }
}

/** ../../docs/spec/runner-behaviour.md §7 rule 3: a Blocked item goes back to Ready after the cooldown only for these failures. */
export function isRetryableFailure(classification: string, errorCode: string): boolean {
  return classification.trim().toUpperCase() === 'TRANSIENT' || RETRYABLE_ERROR_CODES.has(errorCode.trim());
}

/**
 * Exit code for a failed backend preflight (../../docs/spec/runner-behaviour.md §2.1 step 3, §12.3). Deviation: the old runner exited 0 for
 * ITEM_STOP (a 409, ⚠ ../../docs/spec/runner-behaviour.md §14.5); a preflight that did not pass is never a normal exit, so it is 2.
 */
export function exitCodeForClassification(classification: string): number {
  return classification === 'TRANSIENT' ? 4 : 2;
}
