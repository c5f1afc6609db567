/**
 * Failure classification (../../docs/spec/runner-behaviour.md §12.3, §3.9, §7): the old runner's
 * test_failure_classification cases, the same decisions for errors that lost their class crossing
 * Temporal, the blocked-retry rule and the preflight exit codes.
 */
import { classifyFailure, exitCodeForClassification, isRetryableFailure } from '../../src/domain/classify';
import { CodexWorkerError, ConfigError, HttpError, IntentError } from '../../src/domain/errors';

describe("test_failure_classification (the old runner's cases 1–5)", () => {
  it('1: IntentError → HARD_STOP', () => expect(classifyFailure(new IntentError('intent_invalid_json', 'x'))).toBe('HARD_STOP'));
  it('2: HTTP 409 → ITEM_STOP', () => expect(classifyFailure(new HttpError('backend_http_error', 'x', 409, {}))).toBe('ITEM_STOP'));
  it('3: HTTP 502 → TRANSIENT', () => expect(classifyFailure(new HttpError('backend_http_error', 'x', 502, {}))).toBe('TRANSIENT'));
  it('4: backend_unreachable → TRANSIENT', () => expect(classifyFailure(new HttpError('backend_unreachable', 'x', 0, {}))).toBe('TRANSIENT'));
  it('5: mcp_timeout → ITEM_STOP', () => expect(classifyFailure(new CodexWorkerError('mcp_timeout', 'x'))).toBe('ITEM_STOP'));
});

describe('the rest of the table', () => {
  it.each([
    { error: new HttpError('backend_http_error', 'x', 403, {}), label: 'HTTP 403', expected: 'HARD_STOP' },
    { error: new HttpError('backend_invalid_payload', 'x', 0, {}), label: 'backend_invalid_payload', expected: 'HARD_STOP' },
    { error: new CodexWorkerError('worker_invalid_output', 'x'), label: 'worker_invalid_output', expected: 'ITEM_STOP' },
    { error: new CodexWorkerError('worker_identity_mismatch', 'x'), label: 'worker_identity_mismatch', expected: 'ITEM_STOP' },
    { error: new CodexWorkerError('codex_tool_error', 'x'), label: 'codex_tool_error (our isError check)', expected: 'ITEM_STOP' },
    { error: new CodexWorkerError('bundle_invalid', 'x'), label: 'bundle_invalid', expected: 'HARD_STOP' },
    { error: new CodexWorkerError('worker_invalid_intent', 'x'), label: 'worker_invalid_intent', expected: 'HARD_STOP' },
    // Deviation (README): a Codex process that died is worth a fresh attempt.
    { error: new CodexWorkerError('mcp_stdio_unavailable', 'x'), label: 'mcp_stdio_unavailable', expected: 'TRANSIENT' },
    { error: new ConfigError('x'), label: 'ConfigError', expected: 'HARD_STOP' },
    { error: new Error('boom'), label: 'a plain Error', expected: 'HARD_STOP' },
    { error: 'a string', label: 'a thrown string', expected: 'HARD_STOP' },
  ])('$label → $expected', ({ error, expected }) => expect(classifyFailure(error)).toBe(expected));
});

describe('errors that crossed Temporal as plain objects', () => {
  it.each([
    [{ type: 'HttpError', code: 'backend_http_error', status_code: 409 }, 'ITEM_STOP'],
    [{ name: 'ApplicationFailure', type: 'HttpError', code: 'backend_http_error', statusCode: 503 }, 'TRANSIENT'],
    [{ name: 'HttpError', code: 'backend_unreachable', statusCode: 0 }, 'TRANSIENT'],
    [{ type: 'CodexWorkerError', code: 'mcp_invalid_json' }, 'ITEM_STOP'],
    [{ type: 'CodexWorkerError', code: 'mcp_protocol_mismatch' }, 'HARD_STOP'],
    [{ type: 'IntentError', code: 'intent_invalid_json' }, 'HARD_STOP'],
    [{ type: 'SomethingElse', code: 'mcp_timeout' }, 'HARD_STOP'],
  ])('%j → %s', (error, classification) => expect(classifyFailure(error)).toBe(classification));
});

// ../../docs/spec/runner-behaviour.md §7 rule 3
describe('blocked retry rule', () => {
  it('TRANSIENT (any case, padded) is retryable', () => expect(isRetryableFailure(' transient ', 'whatever')).toBe(true));
  it.each(['mcp_timeout', 'backend_unreachable', 'mcp_stdio_unavailable', ' mcp_error_response '])('%s is retryable whatever the class', (code) => {
    expect(isRetryableFailure('HARD_STOP', code)).toBe(true);
  });
  it.each([
    ['HARD_STOP', 'worker_invalid_output'],
    ['HARD_STOP', 'watchdog_timeout'],
    ['ITEM_STOP', 'worker_failed'],
  ])('%s/%s is not', (cls, code) => {
    expect(isRetryableFailure(cls, code)).toBe(false);
  });
});

describe('preflight exit codes', () => {
  // ../../docs/spec/runner-behaviour.md §14.5
  it('TRANSIENT → 4, HARD_STOP → 2, and ITEM_STOP → 2 (the old runner exited 0)', () => {
    expect(['TRANSIENT', 'HARD_STOP', 'ITEM_STOP', 'other'].map(exitCodeForClassification)).toEqual([4, 2, 2, 2]);
  });
});
