/**
 * Reading what Codex returned (../../docs/spec/runner-behaviour.md §3.4, §3.5, §3.8): the tool result's text and
 * thread id, the worker result JSON with every check of the old runner in its order, and the kickoff plan
 * JSON. Every failure is a CodexWorkerError with the old runner's code.
 */
import { REVIEWER_OUTCOMES, RUN_STATUSES, type Role, type RunStatus } from '../contracts/vocabulary';
import type { WorkerResult } from '../contracts/worker-result';
import { CodexWorkerError } from './errors';
import { pythonStr, truncateCodePoints } from './python-json';

const RESULT_MARKER = 'RUNNER_RESULT_JSON:';
const PR_URL_KEYS = ['pr_url', 'pull_request', 'pr', 'resolved_pr'] as const;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const nonBlank = (value: unknown): value is string => typeof value === 'string' && value.trim() !== '';
const isRunStatus = (value: unknown): value is RunStatus => (RUN_STATUSES as readonly unknown[]).includes(value);
const invalidOutput = (message: string, details: Record<string, unknown> = {}) => new CodexWorkerError('worker_invalid_output', message, details);

/**
 * ../../docs/spec/runner-behaviour.md §3.4. Addition: the old runner never looked at `isError`; a tool error (or an old-style `error` string)
 * is a failed run (`codex_tool_error`, ITEM_STOP), never text to parse as the worker's answer.
 */
export function extractToolText(result: unknown): string {
  const r = isObject(result) ? result : {};
  if (r.isError === true || typeof r.error === 'string') {
    const text = typeof r.error === 'string' ? r.error : (textOf(r) ?? 'codex tool returned an error');
    throw new CodexWorkerError('codex_tool_error', `codex tool error: ${truncateCodePoints(text, 500)}`, { result: clipped(result) });
  }
  const text = textOf(r);
  if (text === null) throw invalidOutput('codex tool returned no text content', { result: clipped(result) });
  return text;
}

function textOf(r: Record<string, unknown>): string | null {
  const structured = r.structuredContent;
  if (isObject(structured) && nonBlank(structured.content)) return structured.content;
  if (nonBlank(r.content)) return r.content;
  if (Array.isArray(r.content)) {
    const joined = r.content
      .filter((entry): entry is { type: 'text'; text: string } => isObject(entry) && entry.type === 'text' && typeof entry.text === 'string')
      .map((entry) => entry.text)
      .join('\n')
      .trim();
    if (joined) return joined;
  }
  return null;
}

/** ../../docs/spec/runner-behaviour.md §3.2 step 6, checked before the text. */
export function extractThreadId(result: unknown): string {
  const structured = isObject(result) ? result.structuredContent : undefined;
  const threadId = isObject(structured) ? structured.threadId : undefined;
  if (!nonBlank(threadId)) throw invalidOutput('codex tool result missing structuredContent.threadId');
  return threadId.trim();
}

/**
 * ../../docs/spec/runner-behaviour.md §3.5. Deviations: a null url value becomes "" (Python's str() made it "None"); an EXECUTOR's
 * outcome outside PASS|FAIL|INCOMPLETE reads as null (nothing uses an executor's outcome).
 */
export function parseWorkerResult(text: string, expected: { run_id: string; role: Role }): WorkerResult {
  let raw = text.trim();
  const marker = raw.indexOf(RESULT_MARKER);
  if (marker >= 0) raw = raw.slice(marker + RESULT_MARKER.length).trim();
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw invalidOutput('codex output was not valid JSON; worker must output JSON only', {
      error: (err as Error).message,
      content: truncateCodePoints(raw, 2000),
    });
  }
  if (!isObject(parsed)) throw invalidOutput('worker result must be a JSON object');
  const { run_id: runId, role } = parsed;
  if (runId !== expected.run_id || role !== expected.role) {
    throw new CodexWorkerError('worker_identity_mismatch', 'worker result run_id/role do not match the intent', {
      expected: { run_id: expected.run_id, role: expected.role },
      actual: { run_id: runId ?? null, role: role ?? null },
    });
  }
  const status = parsed.status;
  if (!isRunStatus(status)) throw invalidOutput('worker result status must be succeeded or failed', { status: status ?? null });
  if (parsed.outcome !== undefined && parsed.outcome !== null && typeof parsed.outcome !== 'string') {
    throw invalidOutput('worker result outcome must be a string or null');
  }
  const outcomeText = typeof parsed.outcome === 'string' ? parsed.outcome.trim().toUpperCase() : null;
  const outcome = REVIEWER_OUTCOMES.find((known) => known === outcomeText) ?? null;
  if (expected.role === 'REVIEWER' && outcome === null) throw invalidOutput('reviewer worker must emit outcome PASS|FAIL|INCOMPLETE');
  if (typeof parsed.summary !== 'string') throw invalidOutput('worker result summary must be a string');
  const urls = isObject(parsed.urls) ? Object.fromEntries(Object.entries(parsed.urls).map(([key, value]) => [key, value === null ? '' : pythonStr(value)])) : {};
  const errors = Array.isArray(parsed.errors) ? parsed.errors.map((entry) => (isObject(entry) ? entry : { error: pythonStr(entry) })) : [];
  const markerVerified = parsed.marker_verified ?? null;
  if (markerVerified !== null && typeof markerVerified !== 'boolean') throw invalidOutput('worker result marker_verified must be true, false or null');
  return {
    run_id: expected.run_id,
    role: expected.role,
    status,
    outcome,
    summary: parsed.summary,
    urls,
    errors,
    marker_verified: markerVerified,
  };
}

/** The first non-blank PR url among the keys the executor prompt names (../../docs/spec/runner-behaviour.md §3.1 step 10). */
export function extractPrUrl(urls: Record<string, string>): string | null {
  for (const key of PR_URL_KEYS) {
    const value = urls[key]?.trim();
    if (value) return value;
  }
  return null;
}

/**
 * ../../docs/spec/runner-behaviour.md §3.8: the kickoff plan is the whole (stripped) text as one JSON object; no RUNNER_RESULT_JSON:
 * marker. Callers re-ask once on any error from here (the old runner re-asked only on a parse error).
 */
export function parseKickoffOutput(text: string): Record<string, unknown> {
  const raw = text.trim();
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw invalidOutput('codex output was not valid JSON', { error: (err as Error).message, content: truncateCodePoints(raw, 2000) });
  }
  if (!isObject(parsed)) throw invalidOutput('codex kickoff output must be a JSON object');
  return parsed;
}

/** Error details keep at most 2000 characters of a tool result. */
function clipped(value: unknown): unknown {
  const text = JSON.stringify(value) ?? '';
  return text.length > 2000 ? `${truncateCodePoints(text, 2000)}…` : value;
}
