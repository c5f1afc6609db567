/**
 * Failure classification (runner-behaviour.md §12.3, §3.9): which errors stop one item (ITEM_STOP),
 * which are worth retrying (TRANSIENT) and which need a human (HARD_STOP).
 */
import type { Classification } from './errors';
import { CodexWorkerError, HttpError, IntentError } from './errors';

export const ITEM_STOP_CODES = new Set([
  'mcp_timeout', 'mcp_error_response', 'mcp_invalid_result', 'mcp_invalid_json', 'worker_invalid_output',
  'worker_identity_mismatch', 'codex_tool_error',
]);

/** Codex stdio loss (the child died or closed its pipes) is transient: a fresh process may succeed. */
export const TRANSIENT_CODEX_CODES = new Set(['mcp_stdio_unavailable']);

export function classifyError(err: unknown): Classification {
  if (err instanceof IntentError) return 'HARD_STOP';
  if (err instanceof HttpError) {
    if (err.code === 'backend_unreachable') return 'TRANSIENT';
    if (err.statusCode === 409) return 'ITEM_STOP';
    if (err.statusCode >= 500) return 'TRANSIENT';
    return 'HARD_STOP';
  }
  if (err instanceof CodexWorkerError) {
    if (TRANSIENT_CODEX_CODES.has(err.code)) return 'TRANSIENT';
    return ITEM_STOP_CODES.has(err.code) ? 'ITEM_STOP' : 'HARD_STOP';
  }
  return 'HARD_STOP';
}
