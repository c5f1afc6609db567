/** Backend emulator: POST /internal/executor/claim-ready-item (../../docs/spec/backend-orchestrator-contract.md §A.6, §A.8, §E.7, §E.8). */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_POLICY_DIR, formatClaimMarker } from '../../emulators/backend';
import { RUN_A, RUN_B, item, runMarkerBody, tempDir, useBackend } from './helpers';

const ROUTE = '/internal/executor/claim-ready-item';
const RUN_C = '9b2c1d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e';

function claimComment(issue: number, projectItemId: string, runId: string, claimedAt: string) {
  return { body: formatClaimMarker({ issue, project_item_id: projectItemId, run_id: runId, claimed_at: claimedAt }) };
}

describe('claim-ready-item validation', () => {
  const api = useBackend(() => ({ items: [item(21, 'Ready')] }));

  it.each([
    [{}, 'body.role is required'],
    [{ role: 'exec utor' }, 'role must be a valid filename token (letters, digits, underscore)'],
    [{ role: 'REVIEWER', run_id: RUN_A }, 'body.role must be EXECUTOR'],
    [{ role: 'EXECUTOR' }, 'body.run_id must be a valid UUID'],
    [{ role: 'EXECUTOR', run_id: 'run-1' }, 'body.run_id must be a valid UUID'],
    [{ role: 'EXECUTOR', run_id: '0f8fad5b-d9cb-069f-a165-70867728950e' }, 'body.run_id must be a valid UUID'],
    [{ role: 'EXECUTOR', run_id: RUN_A, sprint: '' }, 'body.sprint must be a non-empty string when provided'],
    [{ role: 'EXECUTOR', run_id: RUN_A, sprint: null }, 'body.sprint must be a non-empty string when provided'],
    [{ role: 'EXECUTOR', run_id: RUN_A, sprint: 'M9' }, 'body.sprint is not allowed by project schema policy'],
  ])('%j → 400 %s', async (body, error) => {
    expect(await api.post(ROUTE, body)).toMatchObject({ status: 400, body: { error } });
  });

  it('role and run_id are trimmed; the run_id check is case-insensitive', async () => {
    const res = await api.post(ROUTE, { role: ' executor ', run_id: ` ${RUN_A.toUpperCase()} ` });
    expect(res.body).toMatchObject({ role: 'EXECUTOR', run_id: RUN_A.toUpperCase(), claimed: { issue_number: 21 } });
  });

  it('E.7-9 preflight FAIL → 409 with the preflight body; nothing claimed', async () => {
    await api.post('/__admin/preflight', { status: 'FAIL' });
    const res = await api.post(ROUTE, { role: 'EXECUTOR', run_id: RUN_A, sprint: 'M1' });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ role: 'EXECUTOR', status: 'FAIL' });
    expect(api.emu.board.getItem('PVTI_21')?.fields.Status).toBe('Ready');
  });
});

describe('claim-ready-item scenarios', () => {
  const api = useBackend(() => ({
    items: [item(21, 'Ready'), item(22, 'Ready', { Sprint: 'M2' }), item(23, 'Backlog'), item(24, 'Ready')],
  }));
  const claim = (runId: string, sprint = 'M1') => api.post(ROUTE, { role: 'EXECUTOR', run_id: runId, ...(sprint ? { sprint } : {}) });

  it('E.7-1 claims the lowest-numbered Ready item of the sprint and moves it to In Progress', async () => {
    const res = await claim(RUN_A);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      role: 'EXECUTOR',
      run_id: RUN_A,
      claimed: {
        issue_number: 21,
        issue_url: 'https://github.com/acme/app/issues/21',
        project_item_id: 'PVTI_21',
        branch: 'executor/issue-21',
        fields_set: { Status: 'In Progress' },
      },
    });
    expect(api.emu.board.getItem('PVTI_21')?.fields.Status).toBe('In Progress');
    const [comment] = api.emu.board.listIssueComments(21);
    expect(comment.body).toMatch(
      new RegExp(`^<!-- EXECUTOR_CLAIM_V1\\nissue: 21\\nproject_item_id: PVTI_21\\nrun_id: ${RUN_A}\\nclaimed_at: \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z\\n-->$`),
    );
    const kinds = (await api.get('/__admin/log')).body.map((entry: { kind: string }) => entry.kind);
    expect(kinds).toEqual(['comment', 'transition', 'claim']);
  });

  it('without sprint, every sprint is eligible', async () => {
    await api.post('/__admin/items/PVTI_21/status', { status: 'Backlog' });
    expect((await claim(RUN_A, '')).body.claimed.issue_number).toBe(22);
  });

  it('E.7-2 idempotent retry while the listing still shows Ready (crash between marker and status write)', async () => {
    const first = await claim(RUN_A);
    await api.post('/__admin/items/PVTI_21/status', { status: 'Ready' });
    const retry = await claim(RUN_A);
    expect(retry.body).toEqual(first.body);
    expect(api.emu.board.listIssueComments(21)).toHaveLength(1); // own live marker: no second comment
  });

  it('quirk: once In Progress, a retry with the same run_id claims the next Ready item instead', async () => {
    await claim(RUN_A);
    expect((await claim(RUN_A)).body.claimed.issue_number).toBe(24);
    expect((await claim(RUN_A)).body).toEqual({ role: 'EXECUTOR', run_id: RUN_A, claimed: null, reason: 'no_claimable_ready_item_found' });
  });

  it('E.7-4 an expired claim by another run is ignored (TTL 15 minutes)', async () => {
    await api.post('/__admin/issues/21/comments', claimComment(21, 'PVTI_21', RUN_B, '2026-02-08T00:00:00Z'));
    const res = await claim(RUN_A);
    expect(res.body.claimed.issue_number).toBe(21);
  });

  it('a live claim by another run skips the item', async () => {
    await api.post('/__admin/issues/21/comments', claimComment(21, 'PVTI_21', RUN_B, new Date().toISOString()));
    expect((await claim(RUN_A)).body.claimed.issue_number).toBe(24);
  });

  it('E.7-5 a second run gets claimed:null once the only item is claimed', async () => {
    await api.post('/__admin/items/PVTI_24/status', { status: 'Backlog' });
    await claim(RUN_A);
    expect((await claim(RUN_B)).body).toEqual({ role: 'EXECUTOR', run_id: RUN_B, claimed: null, reason: 'no_claimable_ready_item_found' });
  });

  it('E.7-6 two concurrent claims with different run_ids: exactly one wins', async () => {
    await api.post('/__admin/items/PVTI_24/status', { status: 'Backlog' });
    const results = await Promise.all([claim(RUN_A), claim(RUN_B), claim(RUN_C)]);
    const winners = results.filter((res) => res.body.claimed !== null);
    expect(winners).toHaveLength(1);
    expect(results.filter((res) => res.body.reason === 'no_claimable_ready_item_found')).toHaveLength(2);
  });

  it('E.7-8 an item with a linked PR (Refs #N + marker) is skipped', async () => {
    await api.post('/__admin/prs', { issue_number: 21, body: runMarkerBody(21, 'PVTI_21', RUN_C) });
    await api.post('/__admin/prs', { issue_number: 24, body: 'Work in progress\n\nRefs #24' });
    expect((await claim(RUN_A)).body).toEqual({ role: 'EXECUTOR', run_id: RUN_A, claimed: null, reason: 'no_claimable_ready_item_found' });
  });

  it('closed and merged PRs count as linked too', async () => {
    const pr = await api.post('/__admin/prs', { issue_number: 21, body: runMarkerBody(21, 'PVTI_21') });
    await api.post(`/__admin/prs/${pr.body.number}/merge`);
    expect((await claim(RUN_A)).body.claimed.issue_number).toBe(24);
  });

  it.each([
    ['Closes #21', { error: 'forbidden auto-close keyword detected for issue linkage', pr_number: 25, pr_url: 'https://github.com/acme/app/pull/25' }],
    ['<!-- EXECUTOR_RUN_V1\nissue: 21\nproject_item_id: PVTI_21\n-->', { error: 'executor marker references issue without Refs #N', ambiguous: true, pr_number: 25 }],
    ['Refs #21\n<!-- EXECUTOR_RUN_V1\nissue: 21\nproject_item_id: PVTI_other\n-->', { error: 'executor marker project_item_id mismatch for issue', ambiguous: true }],
    ['Refs #21\n<!-- EXECUTOR_RUN_V1\nissue: 22\nproject_item_id: PVTI_22\n-->', { error: 'executor marker issue mismatch for Refs #N', ambiguous: true }],
    ['Refs #21\n<!-- EXECUTOR_RUN_V1\nissue: 21\nproject_item_id: PVTI_21\nrun_id: nope\n-->', { error: 'invalid executor marker run_id', ambiguous: true }],
    ['<!-- EXECUTOR_RUN_V1\nthis line has no colon\n-->', { error: 'malformed executor marker line', ambiguous: true }],
  ])('PR body %j → 409', async (body, expected) => {
    await api.post('/__admin/prs', { issue_number: 21, body });
    const res = await claim(RUN_A);
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject(expected);
    if (!('ambiguous' in expected)) expect(res.body).not.toHaveProperty('ambiguous');
  });

  it('two linked PRs → 409 multiple linked PRs', async () => {
    await api.post('/__admin/prs', { issue_number: 21, body: 'Refs #21' });
    await api.post('/__admin/prs', { issue_number: 21, body: runMarkerBody(21, 'PVTI_21') });
    const res = await claim(RUN_A);
    expect(res.status).toBe(409);
    expect(res.body).toEqual({
      error: 'multiple linked PRs found for issue',
      ambiguous: true,
      prs: [
        { reason: 'unmarked_refs', pr_number: 25, pr_url: 'https://github.com/acme/app/pull/25' },
        { reason: 'marked_linked_pr', pr_number: 26, pr_url: 'https://github.com/acme/app/pull/26' },
      ],
    });
  });

  it('E.8 lenient run markers are still recognised as a linked PR', async () => {
    await api.post('/__admin/prs', { issue_number: 21, body: `Refs #21\n<!--EXECUTOR_RUN_V1\nissue: 21\nproject_item_id: PVTI_21\nrun_id: ${RUN_C}\n  -->` });
    await api.post('/__admin/prs', { issue_number: 24, body: `Refs #24\n\`\`\`text\n<!-- EXECUTOR_RUN_V1\nissue: 24\nproject_item_id: PVTI_24 -->\n\`\`\`` });
    expect((await claim(RUN_A)).body.claimed).toBeNull();
  });

  it.each([
    ['<!-- EXECUTOR_CLAIM_V1 broken', 'malformed claim marker block'],
    ['<!-- EXECUTOR_CLAIM_V1\nno colon here\n-->', 'malformed claim marker line'],
    [`<!-- EXECUTOR_CLAIM_V1\nissue: 21\nproject_item_id: PVTI_21\nrun_id: ${RUN_B}\nclaimed_at: yesterday\n-->`, 'invalid claim marker claimed_at'],
    [`<!-- EXECUTOR_CLAIM_V1\nissue: 21\nproject_item_id: PVTI_21\nrun_id: x\nclaimed_at: 2026-01-01T00:00:00Z\n-->`, 'invalid claim marker run_id'],
  ])('claim comment %j → 409 %s', async (body, error) => {
    await api.post('/__admin/issues/21/comments', { body });
    expect(await claim(RUN_A)).toMatchObject({ status: 409, body: { error, ambiguous: true } });
  });

  it('a claim marker for another project item → 409 with details', async () => {
    await api.post('/__admin/issues/21/comments', claimComment(21, 'PVTI_other', RUN_B, new Date().toISOString()));
    expect((await claim(RUN_A)).body).toEqual({
      error: 'claim marker project_item_id mismatch for issue',
      ambiguous: true,
      issue_number: 21,
      project_item_id: 'PVTI_21',
      marker_project_item_id: 'PVTI_other',
    });
  });
});

describe('claim TTL from the backend env', () => {
  const api = useBackend(() => ({ items: [item(21, 'Ready')], env: { EXECUTOR_CLAIM_TTL_MINUTES: '0' } }));

  it('a non-positive TTL → 409 on claim evaluation', async () => {
    const res = await api.post(ROUTE, { role: 'EXECUTOR', run_id: RUN_A, sprint: 'M1' });
    expect(res).toMatchObject({ status: 409, body: { error: 'EXECUTOR_CLAIM_TTL_MINUTES must be a positive integer', ambiguous: true } });
  });
});

describe('claim with a short TTL and a controllable clock', () => {
  let now = Date.parse('2026-11-23T19:00:00.000Z');
  const api = useBackend(() => ({ items: [item(21, 'Ready')], env: { EXECUTOR_CLAIM_TTL_MINUTES: '5' }, clock: () => new Date(now) }));

  it('a lease older than the TTL no longer protects the item', async () => {
    await api.post('/__admin/issues/21/comments', claimComment(21, 'PVTI_21', RUN_B, new Date(now).toISOString()));
    now += 4 * 60000;
    expect((await api.post(ROUTE, { role: 'EXECUTOR', run_id: RUN_A })).body.claimed).toBeNull();
    now += 60000;
    expect((await api.post(ROUTE, { role: 'EXECUTOR', run_id: RUN_A })).body.claimed.issue_number).toBe(21);
  });
});

describe('E.7-10 policy without Executor status permission', () => {
  const dir = tempDir('policy-');
  cpSync(DEFAULT_POLICY_DIR, dir, { recursive: true });
  const permissionsPath = join(dir, 'policy', 'role-permissions.json');
  const permissions = JSON.parse(readFileSync(permissionsPath, 'utf8'));
  permissions.Executor.can_update_status_only = false;
  writeFileSync(permissionsPath, JSON.stringify(permissions, null, 2));
  const api = useBackend(() => ({ items: [item(21, 'Ready')], policyDir: dir }));

  it('→ 403 role is not allowed to update status', async () => {
    expect(await api.post(ROUTE, { role: 'EXECUTOR', run_id: RUN_A, sprint: 'M1' })).toMatchObject({
      status: 403,
      body: { error: 'role is not allowed to update status' },
    });
  });
});
