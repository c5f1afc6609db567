/**
 * The seed's acceptance cases about runs and review (runner-behaviour.md §13) in their TypeScript
 * form: prompt, classification, result parsing, state resolution, executor-failure bodies.
 * (In-flight gate, review, stall, watchdog and blocked-retry cases run on the real server in
 * test/integration/item-workflow.test.ts and test/e2e/item-e2e.test.ts.)
 */
import { blockedBody } from '../../src/activities/board';
import { projectItemIdForIssue, runContext } from '../../src/activities/orchestrator-state';
import { classifyError } from '../../src/domain/classify-error';
import { CodexWorkerError, HttpError, IntentError } from '../../src/domain/errors';
import { intentHash } from '../../src/domain/intent-hash';
import { parseIntentLine } from '../../src/domain/intents';
import { buildBaseInstructions, buildCodexToolArguments, buildWorkerPrompt, sandboxForRole, WORKER_REASK_PROMPT } from '../../src/domain/prompts';
import { extractThreadId, extractToolText, parseWorkerResult } from '../../src/domain/worker-result';

const RUN = '11111111-1111-4111-8111-111111111111';
const claimIntent = { type: 'RUN_INTENT', role: 'EXECUTOR', run_id: RUN, endpoint: '/internal/executor/claim-ready-item', body: { role: 'EXECUTOR', run_id: RUN, sprint: 'M1' } };

describe('test_codex_worker_prompt', () => {
  it('1: the EXECUTOR prompt carries the marker, fix-up, history and workspace rules and the result shape', () => {
    const prompt = buildWorkerPrompt('http://localhost:4000', claimIntent);
    for (const needle of ['MUST set marker_verified=true', 'In Review fixup run', 'descend from head_sha', 'Never use /tmp', '"marker_verified": true|false|null']) {
      expect(prompt).toContain(needle);
    }
    expect(prompt).toContain(`RUN_INTENT (verbatim):\n${JSON.stringify(claimIntent, null, 2)}\n`);
    expect(prompt.endsWith('}\n')).toBe(true);
    expect(prompt).toContain('Do not force-push.\n- Only modify files within the task');
    expect(prompt).toMatch(/stop the run\.\n\nRUN_INTENT/);
  });
  it('2: sandbox per role', () => {
    expect(sandboxForRole('EXECUTOR')).toBe('workspace-write');
    expect(sandboxForRole('REVIEWER')).toBe('read-only');
    expect(() => sandboxForRole('ORCHESTRATOR')).toThrow(CodexWorkerError);
  });
  it('3: a REVIEWER result without outcome is rejected', () => {
    expect(() => parseWorkerResult(JSON.stringify({ run_id: RUN, role: 'REVIEWER', status: 'succeeded', summary: 's' }), { run_id: RUN, role: 'REVIEWER' })).toThrow(
      'reviewer worker must emit outcome PASS|FAIL|INCOMPLETE',
    );
  });
  it('4: a REVIEWER PASS with marker_verified null parses', () => {
    const result = parseWorkerResult(JSON.stringify({ run_id: RUN, role: 'REVIEWER', status: 'succeeded', outcome: ' pass ', summary: 's', marker_verified: null }), { run_id: RUN, role: 'REVIEWER' });
    expect(result.outcome).toBe('PASS');
  });
  it('5: an EXECUTOR result with pr_url and marker_verified true parses', () => {
    const text = `noise RUNNER_RESULT_JSON: ${JSON.stringify({ run_id: RUN, role: 'EXECUTOR', status: 'succeeded', summary: 's', urls: { pr_url: 'https://x/pull/1' }, marker_verified: true })}`;
    expect(parseWorkerResult(text, { run_id: RUN, role: 'EXECUTOR' }).marker_verified).toBe(true);
  });
  it('identity mismatch, invalid JSON and tool errors are typed', () => {
    expect(() => parseWorkerResult(JSON.stringify({ run_id: 'other', role: 'EXECUTOR', status: 'succeeded', summary: '' }), { run_id: RUN, role: 'EXECUTOR' })).toThrow(
      expect.objectContaining({ code: 'worker_identity_mismatch' }),
    );
    expect(() => parseWorkerResult('```json\n{}\n```', { run_id: RUN, role: 'EXECUTOR' })).toThrow(expect.objectContaining({ code: 'worker_invalid_output' }));
    expect(() => extractToolText({ isError: true, content: [{ type: 'text', text: 'stream disconnected' }] })).toThrow(expect.objectContaining({ code: 'codex_tool_error' }));
    expect(extractToolText({ content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] })).toBe('a\nb');
    expect(extractThreadId({ structuredContent: { threadId: ' t-1 ', content: 'x' } })).toBe('t-1');
  });
  it('the re-ask asks for every required key (the seed omitted outcome)', () => {
    for (const key of ['run_id', 'role', 'status', 'outcome', 'summary', 'urls', 'errors', 'marker_verified']) expect(WORKER_REASK_PROMPT).toContain(key);
  });
  it('bundle → base-instructions, and the exact codex tool arguments', () => {
    const text = buildBaseInstructions({ role: ' REVIEWER ', files: [{ path: 'AGENTS.md', content: 'rules\n' }] });
    expect(text).toBe('ROLE: REVIEWER\nBUNDLE_FILES_BEGIN\nFILE_BEGIN AGENTS.md\nrules\n\nFILE_END AGENTS.md\nBUNDLE_FILES_END');
    expect(() => buildBaseInstructions({ role: 'R', files: [{ path: 'x' }] })).toThrow(expect.objectContaining({ code: 'bundle_invalid' }));
    expect(Object.keys(buildCodexToolArguments('REVIEWER', 'p', 'b'))).toEqual(['prompt', 'base-instructions', 'developer-instructions', 'cwd', 'sandbox', 'approval-policy']);
  });
});

describe('test_failure_classification', () => {
  it.each([
    [new IntentError('intent_invalid_json', 'x'), 'HARD_STOP'],
    [new HttpError('backend_http_error', 'x', 409, {}), 'ITEM_STOP'],
    [new HttpError('backend_http_error', 'x', 502, {}), 'TRANSIENT'],
    [new HttpError('backend_unreachable', 'x', 0, {}), 'TRANSIENT'],
    [new CodexWorkerError('mcp_timeout', 'x'), 'ITEM_STOP'],
    [new HttpError('backend_http_error', 'x', 403, {}), 'HARD_STOP'],
    [new CodexWorkerError('bundle_invalid', 'x'), 'HARD_STOP'],
    // Deviation: a Codex process that died is worth a fresh attempt (the issue lists stdio loss as transient).
    [new CodexWorkerError('mcp_stdio_unavailable', 'x'), 'TRANSIENT'],
  ])('%s → %s', (error, classification) => {
    expect(classifyError(error)).toBe(classification);
  });
});

describe('test_intents (validation the item workflow relies on)', () => {
  it('hash vector of §2.4', () => {
    expect(intentHash(claimIntent)).toBe('6012cd57eb9b4be26ab1c4aaa790ef82cf74539abc856008c5a4e9d6ba880929');
  });
  it.each([
    [{ ...claimIntent, extra: 1 }, 'intent_unknown_fields'],
    [{ ...claimIntent, body: { ...claimIntent.body, role: 'REVIEWER' } }, 'intent_role_mismatch'],
    [{ ...claimIntent, body: { ...claimIntent.body, run_id: 'x' } }, 'intent_run_id_mismatch'],
    [{ ...claimIntent, endpoint: '/internal/project-item/update-field' }, 'intent_endpoint_not_allowed'],
    [{ ...claimIntent, run_id: '../../etc/passwd', body: { ...claimIntent.body, run_id: '../../etc/passwd' } }, 'intent_invalid_run_id'],
  ])('rejects %# with its code', (raw, code) => {
    expect(() => parseIntentLine(JSON.stringify(raw))).toThrow(expect.objectContaining({ code }));
  });
  it('accepts an EXECUTOR fix-up on resolve-linked-pr and keeps the endpoint', () => {
    const raw = { type: 'RUN_INTENT', role: 'executor', run_id: RUN, endpoint: ' /internal/reviewer/resolve-linked-pr ', body: { role: 'EXECUTOR', issue_number: 3, run_id: RUN } };
    expect(parseIntentLine(JSON.stringify(raw))).toMatchObject({ role: 'EXECUTOR', endpoint: '/internal/reviewer/resolve-linked-pr' });
  });
});

describe('test_runner_state_resolution and recovery 12–13', () => {
  it('the newest project item of an issue wins (by instant, not by string)', () => {
    const state = {
      items: {
        PVTI_old: { last_seen_issue_number: 2, last_seen_status: 'Backlog', last_seen_at: '2026-02-09T20:00:00.000Z' },
        PVTI_new: { last_seen_issue_number: 2, last_seen_status: 'In Review', last_seen_at: '2026-02-09T21:00:00Z' },
      },
    };
    expect(projectItemIdForIssue(state, 2)).toBe('PVTI_new');
  });
  it('run context comes from the last EXECUTOR dispatch', () => {
    const state = { items: { PVTI_44: { last_seen_issue_number: 44, last_seen_status: 'In Progress', last_dispatched_role: 'EXECUTOR', last_run_id: 'run-44' } } };
    expect(runContext(state, 'run-44')).toEqual({ issueNumber: 44, projectItemId: 'PVTI_44', status: 'In Progress' });
    expect(runContext(state, 'run-x')).toBeNull();
  });
  it('12: In Progress failure → B3 Blocked body', () => {
    expect(blockedBody({ issueNumber: 44, projectItemId: 'PVTI_44', fromStatus: 'In Progress', classification: 'ITEM_STOP', message: 'mcp call timed out', runId: 'run-44' })).toEqual({
      role: 'ORCHESTRATOR', project_item_id: 'PVTI_44', field: 'Status', value: 'Blocked', issue_number: 44, failure_classification: 'ITEM_STOP',
      failure_message: 'mcp call timed out',
      suggested_next_steps: ['Inspect runner logs and ledger entry for this run_id.', 'Validate PR linkage and backend policy constraints.', 'Move item to Ready only after remediation is complete.'],
      run_id: 'run-44',
    });
  });
  it('13: In Review failure → B3 with the existing-linked-PR steps', () => {
    const body = blockedBody({ issueNumber: 55, projectItemId: 'PVTI_55', fromStatus: 'In Review', classification: 'ITEM_STOP', message: 'x'.repeat(1500), runId: 'run-55' });
    expect(body.suggested_next_steps.join(' ')).toContain('existing linked PR branch');
    expect(body.failure_message).toHaveLength(1000);
  });
});
