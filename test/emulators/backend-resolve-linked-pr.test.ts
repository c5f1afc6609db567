/** Backend emulator: POST /internal/reviewer/resolve-linked-pr (../../docs/spec/backend-orchestrator-contract.md §A.7, §A.8, §E.9). */
import { RUN_A, RUN_B, item, runMarkerBody, useBackend } from './helpers';

const ROUTE = '/internal/reviewer/resolve-linked-pr';

describe('resolve-linked-pr', () => {
  const api = useBackend(() => ({ items: [item(44, 'In Review'), item(45, 'In Review'), item(46, 'In Review', {}, 'PVTI_dup'), item(46, 'Done', {}, 'PVTI_dup2')] }));
  const openPr = async (body: string, issue_number: number | null = 44, head_ref?: string) =>
    (await api.post('/__admin/prs', { issue_number, body, ...(head_ref ? { head_ref } : {}) })).body;
  const resolve = (issue: unknown, role = 'REVIEWER') => api.post(ROUTE, { role, issue_number: issue, run_id: RUN_B });

  it.each([
    [{}, 'body.role is required'],
    [{ role: '-' }, 'role must be a valid filename token (letters, digits, underscore)'],
    [{ role: 'ORCHESTRATOR', issue_number: 44 }, 'body.role must be REVIEWER or EXECUTOR'],
    [{ role: 'REVIEWER' }, 'body.issue_number must be a positive integer'],
    [{ role: 'REVIEWER', issue_number: '44' }, 'body.issue_number must be a positive integer'],
    [{ role: 'REVIEWER', issue_number: 0 }, 'body.issue_number must be a positive integer'],
  ])('%j → 400 %s', async (body, error) => {
    expect(await api.post(ROUTE, body)).toMatchObject({ status: 400, body: { error } });
  });

  it('E.9-1 the one marked PR → 200 with head_ref/head_sha and the marker run_id', async () => {
    const pr = await openPr(runMarkerBody(44, 'PVTI_44', RUN_A), 44, 'executor/issue-44');
    const res = await resolve(44);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      pr_number: pr.number,
      pr_url: `https://github.com/acme/app/pull/${pr.number}`,
      issue_number: 44,
      project_item_id: 'PVTI_44',
      run_id: RUN_A,
      head_ref: 'executor/issue-44',
      head_sha: pr.head_sha,
    });
    expect(Object.keys(res.body)).toEqual(['pr_number', 'pr_url', 'issue_number', 'project_item_id', 'run_id', 'head_ref', 'head_sha']);
    // EXECUTOR (fix-up runs) may resolve too; after a push the new head_sha is reported
    const pushed = (await api.post(`/__admin/prs/${pr.number}/push`)).body;
    expect(pushed.head_sha).not.toBe(pr.head_sha);
    expect((await resolve(44, 'executor')).body.head_sha).toBe(pushed.head_sha);
  });

  it.each([
    ['E.9-2 indented closing', `Refs #44\n<!-- EXECUTOR_RUN_V1\nissue: 44\nproject_item_id: PVTI_44\nrun_id: ${RUN_A}\n  -->`],
    ['E.9-3 fenced, no space after <!--', `Refs #44\n\`\`\`text\n<!--EXECUTOR_RUN_V1\nissue: 44\nproject_item_id: PVTI_44\nrun_id: ${RUN_A}\n-->\n\`\`\``],
    ['E.9-4 --> on the run_id line', `Refs #44\n<!-- EXECUTOR_RUN_V1\nissue: 44\nproject_item_id: PVTI_44\nrun_id: ${RUN_A} -->`],
    ['CRLF lines', `Refs #44\r\n<!-- EXECUTOR_RUN_V1\r\nissue: 44\r\nproject_item_id: PVTI_44\r\nrun_id: ${RUN_A}\r\n-->`],
  ])('%s → 200', async (_name, body) => {
    await openPr(body);
    expect((await resolve(44)).body).toMatchObject({ issue_number: 44, run_id: RUN_A });
  });

  it('E.9-5 Refs #N without a marker → 409 unmarked_refs', async () => {
    const pr = await openPr('Refs #44\nNo marker');
    expect(await resolve(44)).toMatchObject({
      status: 409,
      body: { error: 'unmarked_refs', ambiguous: true, pr_number: pr.number, pr_url: pr.html_url },
    });
  });

  it('E.9-6 marker project_item_id mismatch → 409 with expected/actual', async () => {
    const pr = await openPr(runMarkerBody(44, 'PVTI_wrong_44'));
    expect((await resolve(44)).body).toEqual({
      error: 'project_item_id_mismatch',
      ambiguous: true,
      pr_number: pr.number,
      pr_url: pr.html_url,
      issue_number: 44,
      expected_project_item_id: 'PVTI_44',
      actual_project_item_id: 'PVTI_wrong_44',
    });
  });

  it('E.9-9 two marked PRs → 409 ambiguous_linked_pr with linked_count 2', async () => {
    await openPr(runMarkerBody(44, 'PVTI_44', RUN_A));
    await openPr(runMarkerBody(44, 'PVTI_44', RUN_B));
    const res = await resolve(44);
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: 'ambiguous_linked_pr', ambiguous: true, issue_number: 44, linked_count: 2 });
    expect(res.body.prs.map((pr: { run_id: string }) => pr.run_id)).toEqual([RUN_A, RUN_B]);
  });

  it('no PR → 409 ambiguous_linked_pr with linked_count 0', async () => {
    expect((await resolve(44)).body).toEqual({ error: 'ambiguous_linked_pr', ambiguous: true, issue_number: 44, linked_count: 0, prs: [] });
  });

  it.each([
    [47, 0],
    [46, 2],
  ])('issue #%d maps to %d project items → 409 with project_item_match_count', async (issue, count) => {
    expect((await resolve(issue)).body).toEqual({ error: 'ambiguous_linked_pr', ambiguous: true, issue_number: issue, project_item_match_count: count });
  });

  it('E.9-10 preflight FAIL → 409 with the preflight body', async () => {
    await api.post('/__admin/preflight', { status: 'FAIL' });
    const res = await resolve(44);
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ role: 'REVIEWER', status: 'FAIL' });
  });

  it.each([
    ['Closes #44', 'forbidden_autoclose'],
    ['fixed #44 and Refs #44', 'forbidden_autoclose'],
    [`<!-- EXECUTOR_RUN_V1\nissue: 44\nproject_item_id: PVTI_44\nrun_id: ${RUN_A}\n-->`, 'marker_without_refs'],
    [runMarkerBody(45, 'PVTI_45').replace('Refs #45', 'Refs #44'), 'marker_issue_mismatch'],
  ])('PR body %j → 409 %s', async (body, code) => {
    await openPr(body);
    expect(await resolve(44)).toMatchObject({ status: 409, body: { error: code, ambiguous: true } });
  });

  it('a malformed marker in ANY PR (even closed, for another issue) blocks every issue', async () => {
    await openPr(runMarkerBody(44, 'PVTI_44'));
    const bad = await openPr('Refs #45\n<!-- EXECUTOR_RUN_V1\nissue: 45\nproject_item_id: PVTI_45\n-->', 45);
    await api.post(`/__admin/prs/${bad.number}/merge`);
    expect((await resolve(44)).body).toEqual({ error: 'malformed_marker', ambiguous: true });
    expect((await resolve(45)).body).toEqual({ error: 'malformed_marker', ambiguous: true });
  });

  it('an unterminated marker block → malformed_marker', async () => {
    await openPr('Refs #44\n<!-- EXECUTOR_RUN_V1\nissue: 44');
    expect((await resolve(44)).body).toEqual({ error: 'malformed_marker', ambiguous: true });
  });

  it('resolve is read-only: no effect is logged', async () => {
    await openPr(runMarkerBody(44, 'PVTI_44'));
    const before = (await api.get('/__admin/log')).body.length;
    await resolve(44);
    expect((await api.get('/__admin/log')).body).toHaveLength(before);
  });
});
