/**
 * RUN_INTENT validation (runner-behaviour.md §2.4): the eleven checks in the seed's order with its
 * codes and messages, plus two of ours (UUIDv4 run ids, a line-length cap). Fail closed.
 */
import { IntentError } from './errors';

export type IntentRole = 'EXECUTOR' | 'REVIEWER';

export interface ParsedIntent {
  type: 'RUN_INTENT';
  role: IntentRole;
  run_id: string;
  endpoint: string;
  body: Record<string, unknown>;
  raw: Record<string, unknown>;
}

export const ENDPOINT_ALLOWLIST: Record<IntentRole, readonly string[]> = {
  EXECUTOR: ['/internal/executor/claim-ready-item', '/internal/reviewer/resolve-linked-pr'],
  REVIEWER: ['/internal/reviewer/resolve-linked-pr'],
};

const ALLOWED_KEYS = new Set(['type', 'role', 'run_id', 'endpoint', 'body']);
/** The backend's claim route requires a UUID and markers carry it: anything else is refused. */
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
export const MAX_INTENT_LINE_BYTES = 1024 * 1024;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function parseIntentLine(line: string): ParsedIntent {
  if (line.length > MAX_INTENT_LINE_BYTES) {
    throw new IntentError('intent_line_too_long', 'intent line exceeds 1 MiB', { length: line.length });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (err) {
    throw new IntentError('intent_invalid_json', 'orchestrator emitted invalid JSONL', { error: (err as Error).message });
  }
  return validateIntent(raw);
}

export function validateIntent(raw: unknown): ParsedIntent {
  if (!isObject(raw)) throw new IntentError('intent_invalid_type', 'intent line must be a JSON object');
  const extras = Object.keys(raw).filter((key) => !ALLOWED_KEYS.has(key)).sort();
  if (extras.length) throw new IntentError('intent_unknown_fields', 'intent has unknown fields', { fields: extras });
  if (raw.type !== 'RUN_INTENT') throw new IntentError('intent_type_mismatch', 'intent type mismatch', { type: raw.type });
  const role = typeof raw.role === 'string' ? raw.role.trim().toUpperCase() : '';
  if (role !== 'EXECUTOR' && role !== 'REVIEWER') throw new IntentError('intent_invalid_role', 'intent role must be EXECUTOR or REVIEWER');
  const runId = raw.run_id;
  if (typeof runId !== 'string' || !runId.trim()) throw new IntentError('intent_missing_run_id', 'intent run_id is required');
  if (!UUID_V4.test(runId)) throw new IntentError('intent_invalid_run_id', 'intent run_id must be a UUIDv4', { run_id: runId.slice(0, 100) });
  if (typeof raw.endpoint !== 'string' || !raw.endpoint.trim().startsWith('/internal/')) {
    throw new IntentError('intent_invalid_endpoint', 'intent endpoint is required');
  }
  const endpoint = raw.endpoint.trim();
  const allowed = ENDPOINT_ALLOWLIST[role];
  if (!allowed.includes(endpoint)) {
    throw new IntentError('intent_endpoint_not_allowed', 'intent endpoint is not allowed for role', { role, endpoint, allowed: [...allowed].sort() });
  }
  if (!isObject(raw.body)) throw new IntentError('intent_invalid_body', 'intent body must be an object');
  if (raw.body.role !== role) throw new IntentError('intent_role_mismatch', 'intent body.role must match intent role');
  if (raw.body.run_id !== runId) throw new IntentError('intent_run_id_mismatch', 'intent body.run_id must match intent run_id');
  return { type: 'RUN_INTENT', role, run_id: runId, endpoint, body: raw.body, raw };
}
