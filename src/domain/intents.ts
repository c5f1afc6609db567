/**
 * RUN_INTENT validation (../../docs/spec/runner-behaviour.md §2.4): the old runner's eleven checks in its order, with its
 * codes, messages and details. Fail closed: the first failure throws an IntentError.
 *
 * Checks of ours, stricter than the old runner:
 * - `intent_invalid_encoding`: a line that is not valid UTF-8 is refused (decodeIntentLine), where
 *   the old runner's text decoding would have replaced the bad bytes and maybe accepted the line;
 * - `intent_line_too_long`: a line over 1 MiB is refused before JSON parsing (no unbounded parse);
 * - `intent_invalid_json` also for a leading UTF-8 byte order mark (as Python's json.loads; JS's
 *   trim() would have treated a BOM-only line as blank and skipped it);
 * - `intent_too_deep`: nesting deeper than MAX_INTENT_DEPTH, refused before parsing (hashing,
 *   payload encoding and prompts all recurse: 10,000 levels overflowed the stack);
 * - `intent_unsafe_integer`: a number JS cannot hold exactly (9007199254740993 would silently become
 *   …992; Python keeps it exact), so no intent is routed to an item it did not name;
 * - `intent_invalid_run_id` (right after check 6): run_id must be a UUIDv4. The backend's claim
 *   route and the PR markers require a UUID, and the id names workflows and spool files;
 * - `intent_invalid_issue_number` (after check 11): resolve-linked-pr needs `body.issue_number`, a
 *   positive integer (../../docs/spec/backend-orchestrator-contract.md §A.7); it is what binds the intent to its item.
 */
import type { ParsedRunIntent, RunIntent } from '../contracts/intent';
import type { Role } from '../contracts/vocabulary';
import { IntentError } from './errors';
import { compareCodePoints } from './python-json';

export const ENDPOINT_ALLOWLIST: Readonly<Record<Role, readonly string[]>> = {
  EXECUTOR: ['/internal/executor/claim-ready-item', '/internal/reviewer/resolve-linked-pr'],
  REVIEWER: ['/internal/reviewer/resolve-linked-pr'],
};

export const MAX_INTENT_LINE_BYTES = 1024 * 1024;
/** Real intents nest 2 levels (line → body); this leaves room without risking deep recursion. */
export const MAX_INTENT_DEPTH = 64;

export const CLAIM_ENDPOINT = '/internal/executor/claim-ready-item';
export const RESOLVE_LINKED_PR_ENDPOINT = '/internal/reviewer/resolve-linked-pr';

const ALLOWED_KEYS = new Set(['type', 'role', 'run_id', 'endpoint', 'body']);
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

// ignoreBOM keeps a leading BOM in the text (TextDecoder drops it by default), so it is refused, not hidden.
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** One stdout line as bytes → its text; not valid UTF-8 → IntentError `intent_invalid_encoding`. */
export function decodeIntentLine(bytes: Uint8Array): string {
  try {
    return STRICT_UTF8.decode(bytes);
  } catch {
    throw new IntentError('intent_invalid_encoding', 'intent line is not valid UTF-8', { bytes: bytes.length });
  }
}

export function parseIntentLine(line: string): ParsedRunIntent {
  const bytes = utf8Length(line, MAX_INTENT_LINE_BYTES);
  if (bytes > MAX_INTENT_LINE_BYTES) {
    throw new IntentError('intent_line_too_long', 'intent line exceeds 1 MiB', { max_bytes: MAX_INTENT_LINE_BYTES });
  }
  // Python's json.loads refuses a BOM ("Unexpected UTF-8 BOM"); JSON.parse would too, but say why.
  if (line.startsWith('\uFEFF')) {
    throw new IntentError('intent_invalid_json', 'orchestrator emitted invalid JSONL', { error: 'Unexpected UTF-8 BOM: line 1 column 1 (char 0)' });
  }
  if (jsonNestingDepth(line, MAX_INTENT_DEPTH) > MAX_INTENT_DEPTH) {
    throw new IntentError('intent_too_deep', `intent line nests deeper than ${MAX_INTENT_DEPTH} levels`, { max_depth: MAX_INTENT_DEPTH });
  }
  let raw: unknown;
  let inexact: number | null = null;
  try {
    raw = JSON.parse(line, (_key, value: unknown) => {
      if (inexact === null && typeof value === 'number' && !isExactNumber(value)) inexact = value;
      return value;
    });
  } catch (err) {
    throw new IntentError('intent_invalid_json', 'orchestrator emitted invalid JSONL', { error: (err as Error).message });
  }
  if (inexact !== null) {
    throw new IntentError('intent_unsafe_integer', `intent has a number JSON.parse cannot hold exactly (integers must be within ±${Number.MAX_SAFE_INTEGER})`, {
      parsed_as: String(inexact),
    });
  }
  if (!isObject(raw)) throw new IntentError('intent_invalid_type', 'intent line must be a JSON object');

  const extras = Object.keys(raw)
    .filter((key) => !ALLOWED_KEYS.has(key))
    .sort(compareCodePoints);
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
      role,
      endpoint,
      allowed: [...allowed].sort(compareCodePoints),
    });
  }

  const body = raw.body;
  if (!isObject(body)) throw new IntentError('intent_invalid_body', 'intent body must be an object');
  if (body.role !== role) throw new IntentError('intent_role_mismatch', 'intent body.role must match intent role');
  if (body.run_id !== runId) throw new IntentError('intent_run_id_mismatch', 'intent body.run_id must match intent run_id');

  if (endpoint === RESOLVE_LINKED_PR_ENDPOINT && !isPositiveSafeInteger(body.issue_number)) {
    throw new IntentError('intent_invalid_issue_number', `intent body.issue_number must be a positive integer for ${RESOLVE_LINKED_PR_ENDPOINT}`, {
      role,
      endpoint,
      issue_number: describeValue(body.issue_number),
    });
  }

  return { type: 'RUN_INTENT', role, run_id: runId, endpoint, body, raw };
}

/** A claim is bound to its item through the orchestrator state file (../../docs/spec/runner-behaviour.md §10.2.3), never by its body. */
export function isClaimIntent(intent: Pick<RunIntent, 'role' | 'endpoint'>): boolean {
  return intent.role === 'EXECUTOR' && intent.endpoint === CLAIM_ENDPOINT;
}

export function isPositiveSafeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

/** Finite, and an integer only within ±(2^53 − 1): anything else was rounded by JSON.parse. */
function isExactNumber(value: number): boolean {
  return Number.isFinite(value) && (!Number.isInteger(value) || Number.isSafeInteger(value));
}

/** A value for error details: short, and its JSON type visible (`"950"` vs `950`). */
function describeValue(value: unknown): string {
  if (value === undefined) return 'missing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 100 ? `${text.slice(0, 97)}...` : text;
}

/**
 * Deepest `[`/`{` nesting of a JSON text (strings skipped), counting no further than just past
 * `limit`. Iterative, so it is safe on any input, valid JSON or not.
 */
export function jsonNestingDepth(text: string, limit = Infinity): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c /* \ */) i += 1;
      else if (ch === 0x22 /* " */) inString = false;
    } else if (ch === 0x22) inString = true;
    else if (ch === 0x5b /* [ */ || ch === 0x7b /* { */) {
      depth += 1;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (ch === 0x5d /* ] */ || ch === 0x7d /* } */) depth -= 1;
  }
  return deepest;
}

// Python's str.isspace() characters: the old runner skips a line when `line.strip()` is empty. Unlike JS's
// trim() this includes U+001C–U+001F and U+0085 and excludes U+FEFF (a BOM-only line is not blank).
const PYTHON_BLANK = /^[\t\n\v\f\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$/;

/** True when the old runner would skip this stdout line as blank (Python `not line.strip()`). */
export function isBlankIntentLine(line: string): boolean {
  return PYTHON_BLANK.test(line);
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
