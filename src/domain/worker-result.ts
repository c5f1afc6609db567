/**
 * Reading what Codex returned (runner-behaviour.md §3.4–§3.5): the tool result's text, its thread
 * id, and the worker result JSON with every check of the seed, in order.
 */
import { CodexWorkerError } from './errors';

export interface ParsedWorkerResult {
  run_id: string;
  role: 'EXECUTOR' | 'REVIEWER';
  status: 'succeeded' | 'failed';
  outcome: 'PASS' | 'FAIL' | 'INCOMPLETE' | null;
  summary: string;
  urls: Record<string, string>;
  errors: Array<Record<string, unknown>>;
  marker_verified: boolean | null;
}

const RESULT_MARKER = 'RUNNER_RESULT_JSON:';
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const nonBlank = (value: unknown): value is string => typeof value === 'string' && value.trim() !== '';

/**
 * §3.4, plus a check the seed lacked: a tool error (`isError`, or an old-style `error` string) is a
 * failure, never parsed as a worker answer.
 */
export function extractToolText(result: unknown): string {
  const r = isObject(result) ? result : {};
  if (r.isError === true || typeof r.error === 'string') {
    const text = typeof r.error === 'string' ? r.error : textOf(r) ?? 'codex tool returned an error';
    throw new CodexWorkerError('codex_tool_error', `codex tool error: ${text.slice(0, 500)}`, { result: truncate(result) });
  }
  const text = textOf(r);
  if (text === null) throw new CodexWorkerError('worker_invalid_output', 'codex tool returned no text content', { result: truncate(result) });
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

export function extractThreadId(result: unknown): string {
  const structured = isObject(result) ? result.structuredContent : undefined;
  const threadId = isObject(structured) ? structured.threadId : undefined;
  if (!nonBlank(threadId)) throw new CodexWorkerError('worker_invalid_output', 'codex tool result missing structuredContent.threadId');
  return threadId.trim();
}

export function parseWorkerResult(text: string, expected: { run_id: string; role: string }): ParsedWorkerResult {
  let raw = text.trim();
  const marker = raw.indexOf(RESULT_MARKER);
  if (marker >= 0) raw = raw.slice(marker + RESULT_MARKER.length).trim();
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new CodexWorkerError('worker_invalid_output', 'codex output was not valid JSON; worker must output JSON only', {
      error: (err as Error).message, content: text.slice(0, 2000),
    });
  }
  if (!isObject(parsed)) throw new CodexWorkerError('worker_invalid_output', 'worker result must be a JSON object');
  if (parsed.run_id !== expected.run_id || parsed.role !== expected.role) {
    throw new CodexWorkerError('worker_identity_mismatch', 'worker result identity does not match the intent', {
      expected, actual: { run_id: parsed.run_id, role: parsed.role },
    });
  }
  if (parsed.status !== 'succeeded' && parsed.status !== 'failed') throw new CodexWorkerError('worker_invalid_output', 'worker result status must be succeeded or failed');
  let outcome: string | null = null;
  if (parsed.outcome !== undefined && parsed.outcome !== null) {
    if (typeof parsed.outcome !== 'string') throw new CodexWorkerError('worker_invalid_output', 'worker result outcome must be a string or null');
    outcome = parsed.outcome.trim().toUpperCase();
  }
  if (expected.role === 'REVIEWER' && !['PASS', 'FAIL', 'INCOMPLETE'].includes(outcome ?? '')) {
    throw new CodexWorkerError('worker_invalid_output', 'reviewer worker must emit outcome PASS|FAIL|INCOMPLETE');
  }
  if (typeof parsed.summary !== 'string') throw new CodexWorkerError('worker_invalid_output', 'worker result summary must be a string');
  // The seed stringified with Python str() (null became "None"); we keep null as "".
  const urls = isObject(parsed.urls)
    ? Object.fromEntries(Object.entries(parsed.urls).map(([key, value]) => [key, value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value)]))
    : {};
  const errors = Array.isArray(parsed.errors) ? parsed.errors.map((entry) => (isObject(entry) ? entry : { error: String(entry) })) : [];
  const marker_verified = parsed.marker_verified ?? null;
  if (marker_verified !== null && typeof marker_verified !== 'boolean') throw new CodexWorkerError('worker_invalid_output', 'worker result marker_verified must be true, false or null');
  return {
    run_id: parsed.run_id as string, role: parsed.role as ParsedWorkerResult['role'], status: parsed.status, summary: parsed.summary,
    outcome: (expected.role === 'REVIEWER' || ['PASS', 'FAIL', 'INCOMPLETE'].includes(outcome ?? '') ? outcome : null) as ParsedWorkerResult['outcome'],
    urls, errors, marker_verified,
  };
}

function truncate(value: unknown): unknown {
  const text = JSON.stringify(value) ?? '';
  return text.length > 2000 ? `${text.slice(0, 2000)}…` : value;
}
