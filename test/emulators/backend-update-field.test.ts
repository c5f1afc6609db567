/** Backend emulator: POST /internal/project-item/update-field (../../docs/spec/backend-orchestrator-contract.md §A.5, §B.4, §B.5, §E.6). */
import { RUN_B, item, useBackend } from './helpers';

const ROUTE = '/internal/project-item/update-field';

const NHA_METADATA = {
  issue_number: 123,
  pr_url: 'https://github.com/acme/app/pull/456',
  checks_performed: ['Canonical PR linkage resolved via backend', 'Reviewer run completed with deterministic outcome'],
  checks_passed: ['No unresolved blocking findings remain', 'Item is ready for human merge decision'],
  human_steps: ['Reviewer PASS outcome reached; awaiting human approval.', 'Review linked PR, merge if acceptable, and move item to Done after validation.'],
  run_id: RUN_B,
};

const FAILURE_METADATA = {
  issue_number: 21,
  failure_classification: 'ITEM_STOP',
  failure_message: 'codex run failed: tests did not pass',
  suggested_next_steps: ['Inspect the run log.', 'Re-run the executor.', 'Keep Blocked if it fails again.'],
  run_id: RUN_B,
};

const RETRY_METADATA = {
  issue_number: 21,
  retry_reason: 'automatic_retry_after_cooldown',
  failure_classification: 'TRANSIENT',
  failure_error_code: 'backend_unreachable',
  blocked_minutes: 16,
  suggested_next_steps: ['Re-run executor for this item.', 'If failure repeats, inspect logs and keep item Blocked for human triage.'],
  run_id: RUN_B,
};

describe('update-field', () => {
  const api = useBackend(() => ({
    items: [
      item(10, 'Backlog'),
      item(11, 'Ready'),
      item(21, 'In Progress'),
      item(22, 'In Review'),
      item(123, 'In Review'),
      item(124, 'Needs Human Approval'),
      item(125, 'Blocked'),
      item(126, undefined),
    ],
  }));
  const comments = async (issue: number) => (await api.get('/__admin/board')).body.issues.find((entry: { number: number }) => entry.number === issue).comments;
  const status = (id: string) => api.emu.board.getItem(id)?.fields.Status;

  // ../../docs/spec/backend-orchestrator-contract.md §A.5 step 1
  describe('request validation, first failure wins', () => {
    it.each([
      [{}, 'body.role is required'],
      [{ role: '   ' }, 'body.role is required'],
      [{ role: 'exec utor', project_item_id: 'PVTI_10' }, 'role must be a valid filename token (letters, digits, underscore)'],
      [{ role: 'ORCHESTRATOR' }, 'body.project_item_id is required'],
      [{ role: 'ORCHESTRATOR', project_item_id: 'PVTI_10' }, 'body.field is required'],
      [{ role: 'ORCHESTRATOR', project_item_id: 'PVTI_10', field: 'Status' }, 'body.value is required'],
    ])('%j → 400 %s', async (body, error) => {
      expect(await api.post(ROUTE, body)).toMatchObject({ status: 400, body: { error } });
    });

    it('the role is trimmed and upper-cased', async () => {
      const res = await api.post(ROUTE, { role: ' orchestrator ', project_item_id: 'PVTI_10', field: 'Status', value: 'Ready' });
      expect(res.body).toEqual({ role: 'ORCHESTRATOR', project_item_id: 'PVTI_10', updated: { Status: 'Ready' } });
    });

    it('a role without overlay → the preflight 500 passes through', async () => {
      const res = await api.post(ROUTE, { role: 'PLANNER', project_item_id: 'PVTI_10', field: 'Status', value: 'Ready' });
      expect(res).toMatchObject({ status: 500, body: { error: 'required file is missing', path: 'agents/PLANNER.md' } });
    });
  });

  it('E.6-1 ORCHESTRATOR Backlog → Ready: 200 JSON, one transition in the log', async () => {
    const res = await api.post(ROUTE, { role: 'ORCHESTRATOR', project_item_id: 'PVTI_10', field: 'Status', value: 'Ready' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.body).toEqual({ role: 'ORCHESTRATOR', project_item_id: 'PVTI_10', updated: { Status: 'Ready' } });
    const log = (await api.get('/__admin/log')).body;
    expect(log).toEqual([
      expect.objectContaining({ seq: 1, kind: 'transition', project_item_id: 'PVTI_10', issue_number: 10, from: 'Backlog', to: 'Ready', role: 'ORCHESTRATOR', http_route: ROUTE }),
    ]);
  });

  it('E.6-2 a value outside allowed_options → 400', async () => {
    const res = await api.post(ROUTE, { role: 'ORCHESTRATOR', project_item_id: 'PVTI_10', field: 'Status', value: 'UnknownStatus' });
    expect(res).toMatchObject({ status: 400, body: { error: 'value is not allowed for field by project schema policy' } });
  });

  it('a field outside the schema → 400; status values are case-sensitive', async () => {
    expect((await api.post(ROUTE, { role: 'ORCHESTRATOR', project_item_id: 'PVTI_10', field: 'Milestone', value: 'M1' })).body).toEqual({
      error: 'field is not allowed by project schema policy',
    });
    expect((await api.post(ROUTE, { role: 'ORCHESTRATOR', project_item_id: 'PVTI_10', field: 'Status', value: 'ready' })).body).toEqual({
      error: 'value is not allowed for field by project schema policy',
    });
  });

  it('E.6-3 ORCHESTRATOR Ready → In Progress → 403 with from/to, nothing written', async () => {
    const res = await api.post(ROUTE, { role: 'ORCHESTRATOR', project_item_id: 'PVTI_11', field: 'Status', value: 'In Progress' });
    expect(res).toEqual(expect.objectContaining({ status: 403, body: { error: 'status transition is not allowed by policy', from: 'Ready', to: 'In Progress' } }));
    expect(status('PVTI_11')).toBe('Ready');
    expect((await api.get('/__admin/log')).body).toEqual([]);
  });

  it('a same-status "transition" has no rule → 403', async () => {
    const res = await api.post(ROUTE, { role: 'ORCHESTRATOR', project_item_id: 'PVTI_11', field: 'Status', value: 'Ready' });
    expect(res).toMatchObject({ status: 403, body: { error: 'status transition is not allowed by policy', from: 'Ready', to: 'Ready' } });
  });

  // ../../docs/spec/backend-orchestrator-contract.md §B.4
  it.each([
    ['EXECUTOR', 'PVTI_21', 'In Review', 200],
    ['REVIEWER', 'PVTI_22', 'Needs Human Approval', 403],
    ['EXECUTOR', 'PVTI_22', 'Blocked', 200],
    ['HUMAN', 'PVTI_124', 'Done', 200],
    ['EXECUTOR', 'PVTI_124', 'Done', 403],
    ['ORCHESTRATOR', 'PVTI_124', 'Blocked', 200],
    ['ORCHESTRATOR', 'PVTI_124', 'Backlog', 200],
    ['EXECUTOR', 'PVTI_21', 'Backlog', 403],
  ])('transition policy: %s moves %s to %s → %d', async (role, id, value, expected) => {
    const res = await api.post(ROUTE, { role, project_item_id: id, field: 'Status', value });
    expect(res.status).toBe(expected);
  });

  // ../../docs/spec/backend-orchestrator-contract.md §B.5
  it('role permissions: only ORCHESTRATOR may set non-Status fields', async () => {
    expect(await api.post(ROUTE, { role: 'EXECUTOR', project_item_id: 'PVTI_22', field: 'Priority', value: 'P0' })).toMatchObject({
      status: 403,
      body: { error: 'role is not allowed to update this project field' },
    });
    const ok = await api.post(ROUTE, { role: 'ORCHESTRATOR', project_item_id: 'PVTI_22', field: 'Priority', value: 'P2' });
    expect(ok.body).toEqual({ role: 'ORCHESTRATOR', project_item_id: 'PVTI_22', updated: { Priority: 'P2' } });
    expect((await api.get('/__admin/log')).body[0]).toMatchObject({ kind: 'field_updated', field: 'Priority', from: 'P0', to: 'P2' });
  });

  it('E.6-4 preflight FAIL → 409 with the preflight body, nothing written', async () => {
    await api.post('/__admin/preflight', { status: 'FAIL' });
    const res = await api.post(ROUTE, { role: 'ORCHESTRATOR', project_item_id: 'PVTI_10', field: 'Status', value: 'Ready' });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ role: 'ORCHESTRATOR', status: 'FAIL', errors: [{ code: 'template_missing' }] });
    expect(status('PVTI_10')).toBe('Backlog');
  });

  it('an item without Status → 400 unable to resolve current status', async () => {
    const res = await api.post(ROUTE, { role: 'ORCHESTRATOR', project_item_id: 'PVTI_126', field: 'Status', value: 'Ready' });
    expect(res).toMatchObject({ status: 400, body: { error: 'unable to resolve current status for transition validation' } });
  });

  it('an unknown project item → 502 (GitHub GraphQL error)', async () => {
    const res = await api.post(ROUTE, { role: 'ORCHESTRATOR', project_item_id: 'PVTI_nope', field: 'Status', value: 'Ready' });
    expect(res).toMatchObject({ status: 502, body: { error: "Could not resolve to a node with the global id of 'PVTI_nope'" } });
  });

  describe('E.6-5 In Review → Needs Human Approval (ORCHESTRATOR)', () => {
    const base = { role: 'ORCHESTRATOR', project_item_id: 'PVTI_123', field: 'Status', value: 'Needs Human Approval' };
    const suffix = 'for Needs Human Approval transition';

    it.each([
      [{}, `body.issue_number must be a positive integer ${suffix}`],
      [{ issue_number: '123' }, `body.issue_number must be a positive integer ${suffix}`],
      [{ issue_number: 123 }, `body.pr_url is required ${suffix}`],
      [{ issue_number: 123, pr_url: 'u' }, `body.checks_performed must be a non-empty array of strings ${suffix}`],
      [{ issue_number: 123, pr_url: 'u', checks_performed: [' ', 5] }, `body.checks_performed must be a non-empty array of strings ${suffix}`],
      [{ issue_number: 123, pr_url: 'u', checks_performed: ['a'] }, `body.checks_passed must be a non-empty array of strings ${suffix}`],
      [{ issue_number: 123, pr_url: 'u', checks_performed: ['a'], checks_passed: ['b'] }, `body.human_steps must be a non-empty array of strings ${suffix}`],
    ])('metadata %j → 400', async (metadata, error) => {
      expect(await api.post(ROUTE, { ...base, ...metadata })).toMatchObject({ status: 400, body: { error } });
      expect(status('PVTI_123')).toBe('In Review');
    });

    it('with metadata → 200 handoff_comment and the exact audit comment on the issue', async () => {
      const res = await api.post(ROUTE, { ...base, ...NHA_METADATA, review_cycle_count: 2 });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        role: 'ORCHESTRATOR',
        project_item_id: 'PVTI_123',
        updated: { Status: 'Needs Human Approval' },
        handoff_comment: { id: 1001, html_url: 'https://github.com/acme/app/issues/123#issuecomment-1001' },
      });
      const [comment] = await comments(123);
      expect(comment.body).toBe(
        [
          'Reviewer handoff: Needs Human Approval',
          '',
          'Linked issue: #123',
          'Linked PR: https://github.com/acme/app/pull/456',
          '',
          'What was checked:',
          '- Canonical PR linkage resolved via backend',
          '- Reviewer run completed with deterministic outcome',
          '',
          'What passed:',
          '- No unresolved blocking findings remain',
          '- Item is ready for human merge decision',
          '',
          'Human steps:',
          '- Reviewer PASS outcome reached; awaiting human approval.',
          '- Review linked PR, merge if acceptable, and move item to Done after validation.',
          '',
          '<!-- NEEDS_HUMAN_APPROVAL_HANDOFF_V1',
          'project_item_id: PVTI_123',
          `run_id: ${RUN_B}`,
          '-->',
        ].join('\n'),
      );
      const kinds = (await api.get('/__admin/log')).body.map((entry: { kind: string }) => entry.kind);
      expect(kinds).toEqual(['transition', 'comment']);
    });

    it('without run_id the marker has no run_id line', async () => {
      const { run_id: _omit, ...metadata } = NHA_METADATA;
      await api.post(ROUTE, { ...base, ...metadata });
      const [comment] = await comments(123);
      expect(comment.body.endsWith('<!-- NEEDS_HUMAN_APPROVAL_HANDOFF_V1\nproject_item_id: PVTI_123\n-->')).toBe(true);
    });

    it('issue_number is not cross-checked: the comment lands on the given issue (quirk)', async () => {
      await api.post(ROUTE, { ...base, ...NHA_METADATA, issue_number: 22 });
      expect(await comments(22)).toHaveLength(1);
      expect(await comments(123)).toHaveLength(0);
    });

    it('a comment on a missing issue → 502 after the field changed (not atomic)', async () => {
      const res = await api.post(ROUTE, { ...base, ...NHA_METADATA, issue_number: 999 });
      expect(res).toMatchObject({ status: 502, body: { error: 'Not Found' } });
      expect(status('PVTI_123')).toBe('Needs Human Approval');
    });
  });

  describe('E.6-6 Needs Human Approval → In Review (HUMAN rework)', () => {
    const base = { role: 'HUMAN', project_item_id: 'PVTI_124', field: 'Status', value: 'In Review' };

    it('only issue_number → 400 reason required', async () => {
      expect(await api.post(ROUTE, { ...base, issue_number: 124 })).toMatchObject({
        status: 400,
        body: { error: 'body.human_rework_reason (or body.human_step) is required for Needs Human Approval -> In Review transition' },
      });
      expect(await api.post(ROUTE, { ...base, human_rework_reason: 'x' })).toMatchObject({
        body: { error: 'body.issue_number must be a positive integer for Needs Human Approval -> In Review transition' },
      });
    });

    it('with a reason and actions → 200 rework_comment with the marker', async () => {
      const res = await api.post(ROUTE, { ...base, issue_number: 124, human_rework_reason: 'Missing tests', requested_actions: ['Add a test for /health'], run_id: RUN_B });
      expect(res.body).toMatchObject({ updated: { Status: 'In Review' }, rework_comment: { id: 1001 } });
      const [comment] = await comments(124);
      expect(comment.body).toBe(
        [
          'Human rework request: Needs Human Approval -> In Review',
          '',
          'Linked issue: #124',
          'Reason: Missing tests',
          '',
          'Requested actions:',
          '- Add a test for /health',
          '',
          '<!-- HUMAN_REWORK_REQUEST_V1',
          'project_item_id: PVTI_124',
          'from: Needs Human Approval',
          'to: In Review',
          'requested_by_role: HUMAN',
          `run_id: ${RUN_B}`,
          '-->',
        ].join('\n'),
      );
    });

    it('human_step works as the reason and requested_actions defaults to [reason]', async () => {
      await api.post(ROUTE, { ...base, issue_number: 124, human_step: 'Rename the endpoint' });
      const [comment] = await comments(124);
      expect(comment.body).toContain('Reason: Rename the endpoint\n\nRequested actions:\n- Rename the endpoint\n');
    });

    it('ORCHESTRATOR is denied by policy before metadata is checked', async () => {
      const res = await api.post(ROUTE, { ...base, role: 'ORCHESTRATOR' });
      expect(res).toMatchObject({ status: 403, body: { error: 'status transition is not allowed by policy', from: 'Needs Human Approval', to: 'In Review' } });
    });
  });

  describe.each([
    ['E.6-7', 'PVTI_21', 'In Progress', 1001],
    ['E.6-8', 'PVTI_22', 'In Review', 1001],
  ])('%s ORCHESTRATOR %s (%s) → Blocked', (_name, id, from) => {
    const base = { role: 'ORCHESTRATOR', project_item_id: id, field: 'Status', value: 'Blocked' };
    const suffix = `for ${from} -> Blocked transition`;

    it.each([
      [{}, `body.issue_number must be a positive integer ${suffix}`],
      [{ issue_number: 21 }, `body.failure_classification is required ${suffix}`],
      [{ issue_number: 21, failure_classification: 'ITEM_STOP' }, `body.failure_message is required ${suffix}`],
      [{ issue_number: 21, failure_classification: 'ITEM_STOP', failure_message: 'm' }, `body.suggested_next_steps must be a non-empty array of strings ${suffix}`],
    ])('metadata %j → 400', async (metadata, error) => {
      expect(await api.post(ROUTE, { ...base, ...metadata })).toMatchObject({ status: 400, body: { error } });
    });

    it('with failure metadata → 200 failure_comment', async () => {
      const res = await api.post(ROUTE, { ...base, ...FAILURE_METADATA });
      expect(res.body).toMatchObject({ updated: { Status: 'Blocked' }, failure_comment: { id: 1001 } });
      const [comment] = await comments(21);
      expect(comment.body).toBe(
        [
          'Executor failure handoff: Blocked',
          '',
          'Linked issue: #21',
          `Failure stage: ${from} -> Blocked`,
          'Failure classification: ITEM_STOP',
          '',
          'Failure message:',
          'codex run failed: tests did not pass',
          '',
          'Suggested next steps:',
          '- Inspect the run log.',
          '- Re-run the executor.',
          '- Keep Blocked if it fails again.',
          '',
          '<!-- EXECUTOR_FAILURE_BLOCKED_V1',
          `project_item_id: ${id}`,
          `run_id: ${RUN_B}`,
          '-->',
        ].join('\n'),
      );
    });
  });

  it('EXECUTOR In Review → Blocked needs no metadata and writes no comment', async () => {
    const res = await api.post(ROUTE, { role: 'EXECUTOR', project_item_id: 'PVTI_22', field: 'Status', value: 'Blocked' });
    expect(res.body).toEqual({ role: 'EXECUTOR', project_item_id: 'PVTI_22', updated: { Status: 'Blocked' } });
    expect(await comments(22)).toHaveLength(0);
  });

  describe('E.6-9 Blocked → Ready (ORCHESTRATOR retry)', () => {
    const base = { role: 'ORCHESTRATOR', project_item_id: 'PVTI_125', field: 'Status', value: 'Ready' };
    const suffix = 'for Blocked -> Ready transition';

    it.each([
      [{}, `body.issue_number must be a positive integer ${suffix}`],
      [{ issue_number: 21 }, `body.retry_reason is required ${suffix}`],
      [{ issue_number: 21, retry_reason: 'r' }, `body.failure_classification is required ${suffix}`],
      [{ issue_number: 21, retry_reason: 'r', failure_classification: 'c' }, `body.failure_error_code is required ${suffix}`],
      [{ issue_number: 21, retry_reason: 'r', failure_classification: 'c', failure_error_code: 'e' }, `body.blocked_minutes must be a non-negative integer ${suffix}`],
      [
        { issue_number: 21, retry_reason: 'r', failure_classification: 'c', failure_error_code: 'e', blocked_minutes: -1 },
        `body.blocked_minutes must be a non-negative integer ${suffix}`,
      ],
      [
        { issue_number: 21, retry_reason: 'r', failure_classification: 'c', failure_error_code: 'e', blocked_minutes: 0 },
        `body.suggested_next_steps must be a non-empty array of strings ${suffix}`,
      ],
    ])('metadata %j → 400', async (metadata, error) => {
      expect(await api.post(ROUTE, { ...base, ...metadata })).toMatchObject({ status: 400, body: { error } });
    });

    // ../../docs/spec/backend-orchestrator-contract.md §A.5
    it('without metadata → 400 (the contract update-field example)', async () => {
      expect((await api.post(ROUTE, { ...base, issue_number: 21 })).body).toEqual({ error: 'body.retry_reason is required for Blocked -> Ready transition' });
    });

    it('with retry metadata → 200 retry_comment', async () => {
      const res = await api.post(ROUTE, { ...base, ...RETRY_METADATA });
      expect(res.body).toMatchObject({ updated: { Status: 'Ready' }, retry_comment: { id: 1001 } });
      const [comment] = await comments(21);
      expect(comment.body).toBe(
        [
          'Orchestrator retry handoff: Blocked -> Ready',
          '',
          'Linked issue: #21',
          'Retry reason: automatic_retry_after_cooldown',
          'Previous failure classification: TRANSIENT',
          'Previous error code: backend_unreachable',
          'Blocked duration minutes: 16',
          '',
          'Suggested next steps:',
          '- Re-run executor for this item.',
          '- If failure repeats, inspect logs and keep item Blocked for human triage.',
          '',
          '<!-- BLOCKED_RETRY_READY_V1',
          'project_item_id: PVTI_125',
          `run_id: ${RUN_B}`,
          '-->',
        ].join('\n'),
      );
    });
  });
});
