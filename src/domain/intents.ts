/**
 * RUN_INTENT validation (runner-behaviour.md §2.4): the seed's eleven checks in its order, with its
 * codes, messages and details. Fail closed: the first failure throws an IntentError.
 *
 * Two checks of ours, stricter than the seed:
 * - `intent_invalid_encoding`: a line that is not valid UTF-8 is refused (decodeIntentLine), where
 *   the seed's text decoding would have replaced the bad bytes and maybe accepted the line;
 * - `intent_line_too_long`: a line over 1 MiB is refused before JSON parsing (no unbounded parse);
 * - `intent_invalid_run_id` (right after check 6): run_id must be a UUIDv4. The backend's claim
 *   route and the PR markers require a UUID, and the id names workflows and spool files.
 */
import type { Role, RunIntent } from '../contracts/intent';
import { IntentError } from './errors';
import { compareCodePoints } from './python-json';

export const ENDPOINT_ALLOWLIST: Readonly<Record<Role, readonly string[]>> = {
  EXECUTOR: ['/internal/executor/claim-ready-item', '/internal/reviewer/resolve-linked-pr'],
  REVIEWER: ['/internal/reviewer/resolve-linked-pr'],
};

export const MAX_INTENT_LINE_BYTES = 1024 * 1024;

const ALLOWED_KEYS = new Set(['type', 'role', 'run_id', 'endpoint', 'body']);
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/** One stdout line as bytes → its text; not valid UTF-8 → IntentError `intent_invalid_encoding`. */
export function decodeIntentLine(bytes: Uint8Array): string {
  try {
    return STRICT_UTF8.decode(bytes);
  } catch {
    throw new IntentError('intent_invalid_encoding', 'intent line is not valid UTF-8', { bytes: bytes.length });
  }
}

export function parseIntentLine(line: string): RunIntent {
  const bytes = utf8Length(line, MAX_INTENT_LINE_BYTES);
  if (bytes > MAX_INTENT_LINE_BYTES) {
    throw new IntentError('intent_line_too_long', 'intent line exceeds 1 MiB', { max_bytes: MAX_INTENT_LINE_BYTES });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (err) {
    throw new IntentError('intent_invalid_json', 'orchestrator emitted invalid JSONL', { error: (err as Error).message });
  }
  if (!isObject(raw)) throw new IntentError('intent_invalid_type', 'intent line must be a JSON object');

  const extras = Object.keys(raw).filter((key) => !ALLOWED_KEYS.has(key)).sort(compareCodePoints);
  if (extras.length) throw new IntentError('intent_unknown_fields', 'intent has unknown fields', { fields: extras });

  if (raw.type !== 'RUN_INTENT') throw new IntentError('intent_type_mismatch', 'intent type mismatch', { type: raw.type ?? null });

  const role = typeof raw.role === 'string' ? raw.role.trim().toUpperCase() : '';
  if (role !== 'EXECUTOR' && role !== 'REVIEWER') throw new IntentError('intent_invalid_role', 'intent role must be EXECUTOR or REVIEWER');

  const runId = raw.run_id;
  if (typeof runId !== 'string' || !runId.trim()) throw new IntentError('intent_missing_run_id', 'intent run_id is required');
  if (!UUID_V4.test(runId)) {
    throw new IntentError('intent_invalid_run_id', 'intent run_id must be a UUIDv4', { run_id: runId.slice(0, 100) });
  }

  if (typeof raw.endpoint !== 'string' || !raw.endpoint.trim().startsWith('/internal/')) {
    throw new IntentError('intent_invalid_endpoint', 'intent endpoint is required');
  }
  const endpoint = raw.endpoint.trim();
  const allowed = ENDPOINT_ALLOWLIST[role];
  if (!allowed.includes(endpoint)) {
    throw new IntentError('intent_endpoint_not_allowed', 'intent endpoint is not allowed for role', {
      role, endpoint, allowed: [...allowed].sort(compareCodePoints),
    });
  }

  const body = raw.body;
  if (!isObject(body)) throw new IntentError('intent_invalid_body', 'intent body must be an object');
  if (body.role !== role) throw new IntentError('intent_role_mismatch', 'intent body.role must match intent role');
  if (body.run_id !== runId) throw new IntentError('intent_run_id_mismatch', 'intent body.run_id must match intent run_id');

  return { type: 'RUN_INTENT', role, run_id: runId, endpoint, body, raw };
}

/** UTF-8 length of `text`, counting no further than just past `limit` (no node:buffer here: workflows import this). */
function utf8Length(text: string, limit: number): number {
  let bytes = 0;
  for (let i = 0; i < text.length && bytes <= limit; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i += 1;
    } else bytes += 3;
  }
  return bytes;
}
