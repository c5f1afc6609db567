/**
 * Reading Codex's answer (../../docs/spec/runner-behaviour.md §3.4, §3.5, §3.8): the old runner's
 * test_codex_worker_prompt cases 3–5 and every check of the worker result, in order.
 */
import { CodexWorkerError } from '../../src/domain/errors';
import { extractPrUrl, extractThreadId, extractToolText, parseKickoffOutput, parseWorkerResult } from '../../src/domain/worker-result';

const RUN = '11111111-1111-4111-8111-111111111111';
const executor = { run_id: RUN, role: 'EXECUTOR' } as const;
const reviewer = { run_id: RUN, role: 'REVIEWER' } as const;
const result = (fields: Record<string, unknown>) => JSON.stringify({ run_id: RUN, role: 'EXECUTOR', status: 'succeeded', summary: 'done', ...fields });
const failure = (fn: () => unknown): CodexWorkerError => {
  try {
    fn();
  } catch (err) {
    if (err instanceof CodexWorkerError) return err;
    throw err;
  }
  throw new Error('no error');
};

describe("test_codex_worker_prompt (the old runner's cases 3–5)", () => {
  it('3: a REVIEWER result without outcome is rejected', () => {
    expect(failure(() => parseWorkerResult(result({ role: 'REVIEWER' }), reviewer))).toMatchObject({
      code: 'worker_invalid_output',
      message: 'reviewer worker must emit outcome PASS|FAIL|INCOMPLETE',
    });
  });
  it('4: a REVIEWER PASS with marker_verified null parses (outcome normalised)', () => {
    const parsed = parseWorkerResult(result({ role: 'REVIEWER', outcome: ' pass ', marker_verified: null }), reviewer);
    expect(parsed.outcome).toBe('PASS');
    expect(parsed.marker_verified).toBeNull();
  });
  it('5: an EXECUTOR result with urls.pr_url and marker_verified true parses', () => {
    const parsed = parseWorkerResult(result({ urls: { pr_url: 'https://x/pull/1' }, marker_verified: true }), executor);
    expect(parsed).toEqual({
      run_id: RUN,
      role: 'EXECUTOR',
      status: 'succeeded',
      outcome: null,
      summary: 'done',
      urls: { pr_url: 'https://x/pull/1' },
      errors: [],
      marker_verified: true,
    });
  });
});

// ../../docs/spec/runner-behaviour.md §3.5
describe('worker result checks', () => {
  it('takes the JSON after the first RUNNER_RESULT_JSON: marker', () => {
    const text = `I did it.\nRUNNER_RESULT_JSON: ${result({ summary: 'has RUNNER_RESULT_JSON: inside' })}\n`;
    expect(parseWorkerResult(text, executor).summary).toBe('has RUNNER_RESULT_JSON: inside');
  });
  it('fenced or prose output is not JSON', () => {
    const error = failure(() => parseWorkerResult('```json\n{}\n```', executor));
    expect(error).toMatchObject({ code: 'worker_invalid_output', message: 'codex output was not valid JSON; worker must output JSON only' });
    expect(error.details).toMatchObject({ error: expect.any(String), content: '```json\n{}\n```' });
  });
  it.each([
    ['a non-object', '[1]', 'worker_invalid_output'],
    ['another run id', result({ run_id: '22222222-2222-4222-8222-222222222222' }), 'worker_identity_mismatch'],
    ['a lower-case role', result({ role: 'executor' }), 'worker_identity_mismatch'],
    ['an unknown status', result({ status: 'done' }), 'worker_invalid_output'],
    ['a non-string outcome', result({ outcome: 1 }), 'worker_invalid_output'],
    ['a missing summary', result({ summary: undefined }), 'worker_invalid_output'],
    ['a string marker_verified', result({ marker_verified: 'yes' }), 'worker_invalid_output'],
  ])('rejects %s', (_label, text, code) => {
    expect(failure(() => parseWorkerResult(text, executor)).code).toBe(code);
  });
  it('identity mismatch details show expected and actual', () => {
    expect(failure(() => parseWorkerResult(result({ role: 'REVIEWER', outcome: 'PASS' }), executor)).details).toEqual({
      expected: { run_id: RUN, role: 'EXECUTOR' },
      actual: { run_id: RUN, role: 'REVIEWER' },
    });
  });
  it('the identity check comes before the status check', () => {
    expect(failure(() => parseWorkerResult(result({ run_id: 'x', status: 'nope' }), executor)).code).toBe('worker_identity_mismatch');
  });
  it('urls are stringified like str(), except null which becomes "" (the old runner wrote "None"); a non-object is {}', () => {
    const parsed = parseWorkerResult(result({ urls: { pr: 42, ok: true, none: null, nested: { a: 'b' } } }), executor);
    expect(parsed.urls).toEqual({ pr: '42', ok: 'True', none: '', nested: "{'a': 'b'}" });
    expect(parseWorkerResult(result({ urls: ['x'] }), executor).urls).toEqual({});
  });
  it('errors: a non-list is [], a non-object entry becomes {error: str(entry)}', () => {
    expect(parseWorkerResult(result({ errors: 'bad' }), executor).errors).toEqual([]);
    expect(parseWorkerResult(result({ errors: [{ code: 'x' }, 'boom', null] }), executor).errors).toEqual([{ code: 'x' }, { error: 'boom' }, { error: 'None' }]);
  });
  it("an EXECUTOR's outcome is normalised when known and dropped otherwise", () => {
    expect(parseWorkerResult(result({ outcome: 'fail' }), executor).outcome).toBe('FAIL');
    expect(parseWorkerResult(result({ outcome: 'shipped' }), executor).outcome).toBeNull();
  });
});

// ../../docs/spec/runner-behaviour.md §3.4, §3.2 step 6
describe('tool result text and thread id', () => {
  it('prefers structuredContent.content, then a content string, then joined text parts', () => {
    expect(extractToolText({ structuredContent: { content: ' a ' }, content: 'b' })).toBe(' a ');
    expect(extractToolText({ structuredContent: { content: ' ' }, content: 'b' })).toBe('b');
    expect(
      extractToolText({
        content: [
          { type: 'text', text: ' a' },
          { type: 'image', data: 'x' },
          { type: 'text', text: 'b ' },
        ],
      }),
    ).toBe('a\nb');
  });
  it('no text is worker_invalid_output', () => {
    expect(failure(() => extractToolText({ content: [] }))).toMatchObject({ code: 'worker_invalid_output', message: 'codex tool returned no text content' });
  });
  it('a tool error is codex_tool_error, never parsed as an answer (our check; the old runner ignored isError)', () => {
    const error = failure(() => extractToolText({ isError: true, content: [{ type: 'text', text: 'stream disconnected' }] }));
    expect(error).toMatchObject({ code: 'codex_tool_error', message: 'codex tool error: stream disconnected' });
    expect(failure(() => extractToolText({ error: 'quota exceeded', content: 'x' })).message).toBe('codex tool error: quota exceeded');
  });
  it('thread id: trimmed, required', () => {
    expect(extractThreadId({ structuredContent: { threadId: ' t-1 ' } })).toBe('t-1');
    expect(failure(() => extractThreadId({ structuredContent: { threadId: '' } }))).toMatchObject({
      code: 'worker_invalid_output',
      message: 'codex tool result missing structuredContent.threadId',
    });
  });
});

describe('PR url and kickoff output', () => {
  it('the first non-blank of pr_url, pull_request, pr, resolved_pr', () => {
    expect(extractPrUrl({ pr: 'https://x/pull/3', pull_request: ' ', resolved_pr: 'https://x/pull/4' })).toBe('https://x/pull/3');
    expect(extractPrUrl({ issue: 'https://x/issues/1' })).toBeNull();
  });
  it('kickoff output is the whole stripped text as one JSON object', () => {
    expect(parseKickoffOutput('  {"sprint":"M1"}\n')).toEqual({ sprint: 'M1' });
    expect(failure(() => parseKickoffOutput('RUNNER_RESULT_JSON: {}'))).toMatchObject({ code: 'worker_invalid_output', message: 'codex output was not valid JSON' });
    expect(failure(() => parseKickoffOutput('[]'))).toMatchObject({ code: 'worker_invalid_output', message: 'codex kickoff output must be a JSON object' });
  });
});
