/** Backend emulator: POST /internal/plan-apply (../../docs/spec/backend-orchestrator-contract.md §A.4, §B.3, §D.2, §E.5). */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { item, tempDir, useBackend } from './helpers';

const ROUTE = '/internal/plan-apply';

function task(overrides: Record<string, unknown> = {}) {
  return {
    title: 'Build runner lifecycle persistence',
    goal: 'Persist runner lifecycle state.',
    non_goals: ['No UI changes'],
    acceptance_criteria: ['State survives a restart', 'Corrupt files are reported'],
    files_likely_touched: ['apps/runner/src/state.ts'],
    definition_of_done: ['Tests pass'],
    size: 'M',
    area: 'api',
    priority: 'P1',
    ...overrides,
  };
}

describe('plan-apply validation (first failure wins)', () => {
  const api = useBackend();
  const apply = (body: unknown) => api.post(ROUTE, body);

  it.each([
    [{ role: 'PLANNER', draft: {} }, 'body.role must be ORCHESTRATOR'],
    [{ draft: {} }, 'body.role must be ORCHESTRATOR'],
    [{ role: ' orchestrator ' }, 'body.draft is required'],
    [{ role: 'ORCHESTRATOR', draft: { sprint: 'M5', issues: [task()] } }, 'body.draft.sprint must be one of M1, M2, M3, M4'],
    [{ role: 'ORCHESTRATOR', draft: { sprint: 'M1', issues: [] } }, 'body.draft.issues must be a non-empty array'],
    [{ role: 'ORCHESTRATOR', draft: { sprint: 'M1', issues: [task({ title: ' ' })] } }, 'draft.issues[0].title is required'],
    [{ role: 'ORCHESTRATOR', draft: { sprint: 'M1', issues: [task(), task({ goal: '' })] } }, 'draft.issues[1].goal is required'],
    [{ role: 'ORCHESTRATOR', draft: { sprint: 'M1', issues: [task({ non_goals: [] })] } }, 'draft.issues[0].non_goals must be a non-empty string array'],
    [
      { role: 'ORCHESTRATOR', draft: { sprint: 'M1', issues: [task({ acceptance_criteria: ['ok', ''] })] } },
      'draft.issues[0].acceptance_criteria must be a non-empty string array',
    ],
    [{ role: 'ORCHESTRATOR', draft: { sprint: 'M1', issues: [task({ files_likely_touched: 'apps' })] } }, 'draft.issues[0].files_likely_touched must be a non-empty string array'],
    [{ role: 'ORCHESTRATOR', draft: { sprint: 'M1', issues: [task({ definition_of_done: [1] })] } }, 'draft.issues[0].definition_of_done must be a non-empty string array'],
    [{ role: 'ORCHESTRATOR', draft: { sprint: 'M1', issues: [task({ size: 'XL' })] } }, 'draft.issues[0].size must be one of S, M, L'],
    [{ role: 'ORCHESTRATOR', draft: { sprint: 'M1', issues: [task({ area: 'orchestrator' })] } }, 'draft.issues[0].area must be one of db, api, web, providers, infra, docs'],
    [{ role: 'ORCHESTRATOR', draft: { sprint: 'M1', issues: [task({ priority: 'P3' })] } }, 'draft.issues[0].priority must be one of P0, P1, P2'],
    [{ role: 'ORCHESTRATOR', draft: { sprint: 'M1', issues: [task({ labels: [] })] } }, 'draft.issues[0].labels must be a non-empty string array'],
  ])('%j → 400 %s', async (body, error) => {
    expect(await apply(body)).toMatchObject({ status: 400, body: { error } });
  });

  it('E.5-4 role PLANNER → 400 body.role must be ORCHESTRATOR', async () => {
    expect((await apply({ role: 'PLANNER', draft: { sprint: 'M1', issues: [task()] } })).body).toEqual({ error: 'body.role must be ORCHESTRATOR' });
  });

  it('E.5-3 preflight FAIL → 409 with the preflight body, nothing created', async () => {
    await api.post('/__admin/preflight', { status: 'FAIL' });
    const res = await apply({ role: 'ORCHESTRATOR', draft: { sprint: 'M1', issues: [task()] } });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ role: 'ORCHESTRATOR', status: 'FAIL' });
    expect((await api.get('/__admin/board')).body.issues).toEqual([]);
  });
});

describe('plan-apply success', () => {
  const api = useBackend(() => ({ items: [item(100, 'Done')] }));

  it('E.5-1 one issue without initial_status → Backlog, [TASK] title, the D.2 body', async () => {
    const res = await api.post(ROUTE, { role: 'ORCHESTRATOR', draft: { sprint: 'M1', issues: [task()] }, extra: 'ignored' });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(['role', 'sprint', 'created', 'sprint_plan', 'ownership_index', 'status']);
    expect(res.body.created).toEqual([
      {
        index: 0,
        issue_number: 101,
        issue_url: 'https://github.com/acme/app/issues/101',
        project_item_id: 'PVTI_101',
        fields_set: { Status: 'Backlog', Size: 'M', Area: 'api', Priority: 'P1', Sprint: 'M1' },
      },
    ]);
    expect(res.body.sprint_plan).toEqual({
      '101': { touch_paths: ['apps/runner'], owns_paths: ['apps/runner'], conflicts_with: [], depends_on: [], group_id: 'component:apps/runner', isolation_mode: 'ISOLATED' },
    });
    expect(res.body.ownership_index).toEqual({ 'apps/runner': 101 });
    const issue = (await api.get('/__admin/board')).body.issues.find((entry: { number: number }) => entry.number === 101);
    expect(issue.title).toBe('[TASK] Build runner lifecycle persistence');
    expect(issue.body).toBe(
      [
        '## Goal',
        'Persist runner lifecycle state.',
        '',
        '## Non-goals',
        '- No UI changes',
        '',
        '## Acceptance Criteria',
        '- [ ] State survives a restart',
        '- [ ] Corrupt files are reported',
        '',
        '## Files Likely Touched',
        '- apps/runner/src/state.ts',
        '',
        '## Definition of Done',
        '- [ ] Tests pass',
        '',
        '## Size',
        'M',
        '',
        '## Scope',
        'Allowed touch paths:',
        '- `apps/runner`',
        'Owned paths (exclusive writer):',
        '- `apps/runner`',
        'Isolation mode: ISOLATED',
        'Group: component:apps/runner',
        'conflicts_with: (none)',
        'depends_on: (none)',
        'If you need to modify files outside Allowed touch paths, comment on this issue requesting scope expansion and list the paths.',
        '',
      ].join('\n'),
    );
    const item101 = (await api.get('/__admin/items')).body.find((row: { issue_number: number }) => row.issue_number === 101);
    expect(item101).toEqual({
      project_item_id: 'PVTI_101',
      issue_number: 101,
      issue_url: 'https://github.com/acme/app/issues/101',
      fields: { Status: 'Backlog', Size: 'M', Area: 'api', Priority: 'P1', Sprint: 'M1' },
    });
    const kinds = (await api.get('/__admin/log')).body.map((entry: { kind: string }) => entry.kind);
    expect(kinds).toEqual(['issue_created', 'transition', 'field_updated', 'field_updated', 'field_updated', 'field_updated', 'plan_apply']);
  });

  // ../../docs/spec/backend-orchestrator-contract.md §A.4
  it('the contract plan-apply example: two issues on apps/api are CHAINED, the second depends on the first', async () => {
    const res = await api.post(ROUTE, {
      role: 'ORCHESTRATOR',
      draft: {
        sprint: 'M1',
        issues: [
          task({ title: 'Add health endpoint', files_likely_touched: ['apps/api/src/routes/health.js'], priority: 'P0', size: 'S', initial_status: 'Ready' }),
          task({ title: 'Add health docs', files_likely_touched: ['apps/api/README.md'], area: 'docs', size: 'S' }),
        ],
      },
    });
    expect(res.body.created.map((entry: { fields_set: { Status: string } }) => entry.fields_set.Status)).toEqual(['Ready', 'Backlog']);
    expect(res.body.sprint_plan).toEqual({
      '101': { touch_paths: ['apps/api'], owns_paths: ['apps/api'], conflicts_with: [102], depends_on: [], group_id: 'component:apps/api', isolation_mode: 'CHAINED' },
      '102': { touch_paths: ['apps/api'], owns_paths: ['apps/api'], conflicts_with: [101], depends_on: [101], group_id: 'component:apps/api', isolation_mode: 'CHAINED' },
    });
    expect(res.body.ownership_index).toEqual({ 'apps/api': 101 });
    const issue102 = (await api.get('/__admin/board')).body.issues.find((entry: { number: number }) => entry.number === 102);
    expect(issue102.body).toContain('Isolation mode: CHAINED\nGroup: component:apps/api\nconflicts_with: #101\ndepends_on: #101\n');
  });

  it('quirk: any initial_status other than "Ready" (even "In Progress") becomes Backlog', async () => {
    const res = await api.post(ROUTE, {
      role: 'ORCHESTRATOR',
      draft: { sprint: 'M2', issues: [task({ initial_status: 'In Progress' }), task({ initial_status: 'ready' }), task({ initial_status: 'Ready' })] },
    });
    expect(res.body.created.map((entry: { fields_set: { Status: string } }) => entry.fields_set.Status)).toEqual(['Backlog', 'Backlog', 'Ready']);
  });

  it('E.5-5 sprint-goal and bracketed titles are kept; labels are passed; the goal owns nothing', async () => {
    const res = await api.post(ROUTE, {
      role: 'ORCHESTRATOR',
      draft: {
        sprint: 'M1',
        issues: [
          task({ title: '[SPRINT GOAL] M1: Ship kickoff', labels: ['meta:sprint-goal'], files_likely_touched: ['docs/sprint.md'], area: 'docs', priority: 'P0', size: 'S' }),
          task({ title: '[TASK] Implement kickoff validator', files_likely_touched: ['package.json', 'apps/runner/kickoff.ts'] }),
        ],
      },
    });
    const board = (await api.get('/__admin/board')).body;
    const goal = board.issues.find((entry: { number: number }) => entry.number === 101);
    expect(goal).toMatchObject({ title: '[SPRINT GOAL] M1: Ship kickoff', labels: ['meta:sprint-goal'] });
    expect(board.issues.find((entry: { number: number }) => entry.number === 102).title).toBe('[TASK] Implement kickoff validator');
    expect(res.body.sprint_plan['101']).toEqual({
      touch_paths: ['docs'],
      owns_paths: [],
      conflicts_with: [],
      depends_on: [],
      group_id: 'meta:sprint-goal',
      isolation_mode: 'ISOLATED',
    });
    // package.json is shared core: owned, CHAINED, grouped under shared:
    expect(res.body.sprint_plan['102']).toEqual({
      touch_paths: ['apps/runner', 'package.json'],
      owns_paths: ['apps/runner', 'package.json'],
      conflicts_with: [],
      depends_on: [],
      group_id: 'shared:package.json',
      isolation_mode: 'CHAINED',
    });
  });

  it('packages/shared is its own bucket; docs/guide.md reduces to docs', async () => {
    const res = await api.post(ROUTE, {
      role: 'ORCHESTRATOR',
      draft: {
        sprint: 'M1',
        issues: [
          task({ files_likely_touched: ['packages/shared/src/index.ts', 'packages/shared/src/util.ts', 'apps/web/src/app.tsx'] }),
          task({ files_likely_touched: ['docs/guide.md'] }),
        ],
      },
    });
    expect(res.body.sprint_plan['101'].touch_paths).toEqual(['apps/web', 'packages/shared']);
    expect(res.body.sprint_plan['101'].owns_paths).toEqual(['packages/shared']);
    expect(res.body.sprint_plan['102'].owns_paths).toEqual(['docs']);
  });

  it('not idempotent: a retry creates duplicate issues', async () => {
    const body = { role: 'ORCHESTRATOR', draft: { sprint: 'M1', issues: [task()] } };
    await api.post(ROUTE, body);
    const again = await api.post(ROUTE, body);
    expect(again.body.created[0].issue_number).toBe(102);
  });
});

describe('E.5-2 PARTIAL_FAIL (injected)', () => {
  const api = useBackend();

  it('add_to_project fails for the second issue → 502 with the first created', async () => {
    await api.post('/__admin/faults', { route: ROUTE, mode: 'partial_fail', index: 1, step: 'add_to_project' });
    const res = await api.post(ROUTE, { role: 'ORCHESTRATOR', draft: { sprint: 'M2', issues: [task({ initial_status: 'Ready', priority: 'P2', size: 'S' }), task()] } });
    expect(res.status).toBe(502);
    expect(res.body).toEqual({
      status: 'PARTIAL_FAIL',
      created: [
        {
          index: 0,
          issue_number: 1,
          issue_url: 'https://github.com/acme/app/issues/1',
          project_item_id: 'PVTI_1',
          fields_set: { Status: 'Ready', Size: 'S', Area: 'api', Priority: 'P2', Sprint: 'M2' },
        },
      ],
      failed: { index: 1, step: 'add_to_project', error: 'project add failed' },
    });
    // the second issue exists (orphan) but was never added to the project
    const board = (await api.get('/__admin/board')).body;
    expect(board.issues.map((entry: { number: number }) => entry.number)).toEqual([1, 2]);
    expect(board.items.map((entry: { project_item_id: string }) => entry.project_item_id)).toEqual(['PVTI_1']);
    // the fault fires once (default count); the next call succeeds
    expect((await api.post(ROUTE, { role: 'ORCHESTRATOR', draft: { sprint: 'M2', issues: [task()] } })).status).toBe(200);
  });

  it('update_issue_scope failure lists every created issue', async () => {
    await api.post('/__admin/faults', { route: ROUTE, mode: 'partial_fail', index: 0, step: 'update_issue_scope', error: 'HTTP 500' });
    const res = await api.post(ROUTE, { role: 'ORCHESTRATOR', draft: { sprint: 'M1', issues: [task(), task()] } });
    expect(res.body.created).toHaveLength(2);
    expect(res.body.failed).toEqual({ index: 0, step: 'update_issue_scope', error: 'HTTP 500' });
  });
});

describe('plan-apply writes sprint_plan into the backend-side state file (opt-in)', () => {
  const dir = tempDir('state-');
  const statePath = join(dir, 'orchestrator-state.json');
  const api = useBackend(() => ({ env: { ORCHESTRATOR_STATE_PATH: 'orchestrator-state.json' }, repoRoot: dir }));

  it('keeps poll_count and items, replaces sprint_plan and ownership_index', async () => {
    writeFileSync(statePath, JSON.stringify({ poll_count: 7, items: { PVTI_9: { last_seen_status: 'Done' } }, sprint_plan: { '9': {} }, ownership_index: { docs: 9 } }));
    const res = await api.post(ROUTE, { role: 'ORCHESTRATOR', draft: { sprint: 'M1', issues: [task()] } });
    const state = JSON.parse(readFileSync(statePath, 'utf8'));
    expect(Object.keys(state)).toEqual(['poll_count', 'items', 'sprint_plan', 'ownership_index']);
    expect(state).toEqual({ poll_count: 7, items: { PVTI_9: { last_seen_status: 'Done' } }, sprint_plan: res.body.sprint_plan, ownership_index: res.body.ownership_index });
  });
});
