/**
 * All-or-nothing intake (src/domain/intake-batch.ts): a batch is refused as a whole, with the code
 * and line of the first line that cannot be delivered; claims are bound through the state file and
 * nothing else is; a DISPATCH_SUMMARY the runner cannot read is summary_invalid.
 */
import type { OrchestratorState } from '../../src/contracts/state-file';
import { bindToItem, checkPayloadSize, IntakeRefusal, parseDispatchSummary, PAYLOAD_ENVELOPE_ALLOWANCE_BYTES, validateIntentLines } from '../../src/domain/intake-batch';

const CLAIM = '/internal/executor/claim-ready-item';
const RESOLVE = '/internal/reviewer/resolve-linked-pr';
const RUN_A = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const RUN_B = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';
const RUN_CLAIM = 'cccccccc-cccc-4ccc-8ccc-cccccccccccc';

const claim = (runId: string) => ({ type: 'RUN_INTENT', role: 'EXECUTOR', run_id: runId, endpoint: CLAIM, body: { role: 'EXECUTOR', run_id: runId, sprint: 'M1' } });
const review = (runId: string, issue: unknown) => ({
  type: 'RUN_INTENT',
  role: 'REVIEWER',
  run_id: runId,
  endpoint: RESOLVE,
  body: { role: 'REVIEWER', issue_number: issue, run_id: runId },
});
const lines = (...values: unknown[]) => values.map((value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value), 'utf8'));

/** Item #21 was last dispatched the claim RUN_CLAIM; #30 is another item of the board. */
const STATE: OrchestratorState = {
  poll_count: 3,
  items: {
    PVTI_21: { last_seen_issue_number: 21, last_run_id: RUN_CLAIM, last_dispatched_role: 'EXECUTOR', last_seen_status: 'In Progress' },
    PVTI_30: { last_seen_issue_number: 30, last_run_id: RUN_B, last_dispatched_role: 'REVIEWER', last_seen_status: 'In Review' },
  },
};

function refusal(fn: () => unknown): IntakeRefusal {
  try {
    fn();
  } catch (err) {
    if (err instanceof IntakeRefusal) return err;
    throw err;
  }
  throw new Error('the batch was accepted');
}

describe('validateIntentLines', () => {
  it('binds a claim through the state file and a resolve-linked-pr intent by its issue; blank lines are skipped', () => {
    const batch = validateIntentLines(lines(claim(RUN_CLAIM), '   ', review(RUN_B, 30)), STATE, 'state.json');
    expect(batch.map(({ line, issueNumber, projectItemId }) => ({ line, issueNumber, projectItemId }))).toEqual([
      { line: 1, issueNumber: 21, projectItemId: 'PVTI_21' },
      { line: 3, issueNumber: 30, projectItemId: 'PVTI_30' },
    ]);
    expect(batch[0]!.raw).toEqual(claim(RUN_CLAIM));
  });

  it('a bad line anywhere refuses the batch with its code and line number', () => {
    const error = refusal(() => validateIntentLines(lines(review(RUN_A, 30), review(RUN_B, 30), '{"type":'), STATE, 'state.json'));
    expect(error).toMatchObject({ code: 'intent_invalid_json', line: 3 });
  });

  it('one run_id twice in a batch (even for two issues) is intent_duplicate_run_id', () => {
    const error = refusal(() => validateIntentLines(lines(review(RUN_A, 30), claim(RUN_CLAIM), review(RUN_A, 31)), STATE, 'state.json'));
    expect(error).toMatchObject({
      code: 'intent_duplicate_run_id',
      line: 3,
      message: `run_id ${RUN_A} is used by lines 1 and 3 of one batch (a run_id names one run)`,
      details: { run_id: RUN_A, first_line: 1 },
    });
  });

  it('a claim no item is bound to is intent_unbound, naming the state file', () => {
    const error = refusal(() => validateIntentLines(lines(claim(RUN_A)), STATE, '/srv/state.json'));
    expect(error).toMatchObject({
      code: 'intent_unbound',
      line: 1,
      message: `claim intent ${RUN_A} is not bound to any item in /srv/state.json (no item has it as last_run_id with last_dispatched_role EXECUTOR)`,
    });
  });

  it.each([
    ['"950"', '"950"'],
    ['-1', '-1'],
    ['missing', undefined],
    ['9007199254740993', 9007199254740993n],
  ])("a REVIEWER intent reusing a claim run_id with issue_number %s is refused, never bound to the claim's item", (_name, issue) => {
    const text =
      issue === undefined
        ? JSON.stringify({ ...review(RUN_CLAIM, 1), body: { role: 'REVIEWER', run_id: RUN_CLAIM } })
        : JSON.stringify(review(RUN_CLAIM, 1)).replace('"issue_number":1', `"issue_number":${typeof issue === 'bigint' ? issue.toString() : issue}`);
    const error = refusal(() => validateIntentLines(lines(text), STATE, 'state.json'));
    expect(error.code).toBe(typeof issue === 'bigint' ? 'intent_unsafe_integer' : 'intent_invalid_issue_number');
  });

  it('bindToItem: only claims use the state file', () => {
    expect(bindToItem({ role: 'REVIEWER', endpoint: RESOLVE, run_id: RUN_CLAIM, body: { role: 'REVIEWER', run_id: RUN_CLAIM } }, STATE)).toBeNull();
    expect(bindToItem({ role: 'EXECUTOR', endpoint: RESOLVE, run_id: RUN_CLAIM, body: { issue_number: 30 } }, STATE)).toEqual({ issueNumber: 30, projectItemId: 'PVTI_30' });
    expect(bindToItem({ role: 'EXECUTOR', endpoint: CLAIM, run_id: RUN_CLAIM, body: { issue_number: 30 } }, STATE)).toEqual({ issueNumber: 21, projectItemId: 'PVTI_21' });
    expect(bindToItem({ role: 'REVIEWER', endpoint: RESOLVE, run_id: RUN_A, body: { issue_number: 99 } }, STATE)).toEqual({ issueNumber: 99, projectItemId: null });
  });
});

describe('checkPayloadSize', () => {
  const entry = { line: 4, intent: { run_id: RUN_A } as never };
  it('admits what fits the limit less the envelope allowance, and refuses one byte more', () => {
    const limit = 2 * 1024 * 1024;
    expect(() => checkPayloadSize(entry, limit - PAYLOAD_ENVELOPE_ALLOWANCE_BYTES, limit)).not.toThrow();
    const error = refusal(() => checkPayloadSize(entry, limit - PAYLOAD_ENVELOPE_ALLOWANCE_BYTES + 1, limit));
    expect(error).toMatchObject({
      code: 'intent_too_large',
      line: 4,
      message: `intent ${RUN_A} would be sent as 2093057 bytes; at most 2093056 fit (RUNNER_MAX_PAYLOAD_BYTES 2097152 less 4096 for the envelope)`,
      details: { run_id: RUN_A, encoded_bytes: 2093057, max_payload_bytes: limit },
    });
  });
});

describe('parseDispatchSummary', () => {
  const problemOf = (text: string, summary: Record<string, unknown>): string | null => {
    try {
      parseDispatchSummary(text, summary);
      return null;
    } catch (err) {
      expect(err).toMatchObject({ name: 'SummaryError', code: 'summary_invalid' });
      return (err as Error).message;
    }
  };
  const check = (summary: Record<string, unknown>) => problemOf(JSON.stringify(summary), summary);
  it("accepts the orchestrator's summary and one without the fields the runner reads", () => {
    expect(check({ type: 'DISPATCH_SUMMARY', sprint: 'M1', status_counts: { Ready: 1 }, processed_items: [{ issue_number: 1, status: 'Ready' }], extra: { a: [1] } })).toBeNull();
    expect(check({ type: 'DISPATCH_SUMMARY' })).toBeNull();
    expect(check({ type: 'DISPATCH_SUMMARY', processed_items: null, status_counts: null })).toBeNull();
  });
  it.each([
    [{ processed_items: [null, { issue_number: 1 }] }, 'DISPATCH_SUMMARY processed_items[0] must be an object, got null'],
    [{ processed_items: [{ issue_number: 1 }, 'x'] }, 'DISPATCH_SUMMARY processed_items[1] must be an object, got "x"'],
    [{ processed_items: [[]] }, 'DISPATCH_SUMMARY processed_items[0] must be an object, got []'],
    [{ processed_items: 'all' }, 'DISPATCH_SUMMARY processed_items must be an array, got "all"'],
    [{ status_counts: [1] }, 'DISPATCH_SUMMARY status_counts must be an object, got [1]'],
    [{ status_counts: 3, processed_items: {} }, 'DISPATCH_SUMMARY status_counts must be an object, got 3; processed_items must be an array, got {}'],
  ])('%j → %s', (fields, problem) => {
    expect(check({ type: 'DISPATCH_SUMMARY', ...fields })).toBe(problem);
  });
  it('a summary nested 10,000 levels deep is refused without recursion', () => {
    const text = `{"type":"DISPATCH_SUMMARY","x":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    expect(problemOf(text, JSON.parse(text) as Record<string, unknown>)).toBe('DISPATCH_SUMMARY nests deeper than 64 levels');
  });
});
