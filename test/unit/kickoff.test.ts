/**
 * Kickoff (../../docs/spec/runner-behaviour.md §4): the old runner's test_kickoff cases 1–8 and 10, the validation rules
 * one by one, issue-body parsing, the plan-apply draft, apply planning and partial failures.
 * (Case 9, the dry run, makes no decision here: it is the caller skipping plan-apply.)
 */
import type { KickoffPlan } from '../../src/contracts/kickoff';
import { HttpError, KickoffError } from '../../src/domain/errors';
import { kickoffDependencyCycles, refuseDependencyCycles, kickoffBackendError, prevalidateKickoff, requireKickoffGoal, validateKickoffPlan } from '../../src/domain/kickoff-plan';
import { describePartialPlanApply, parseIssueBodyMarkdown, planKickoffApply, toPlanApplyDraft } from '../../src/domain/kickoff-apply';
import {
  existingKickoffFromPlanFile,
  existingKickoffFromRecord,
  existingKickoffFromStateFile,
  kickoffAlreadyDoneError,
  kickoffApplyUnknownError,
  kickoffIdFor,
} from '../../src/domain/kickoff-once';

const NOW = '2026-11-25T09:00:00.000Z';
const body = (goal = 'Do the thing.') =>
  `## Goal\n${goal}\n## Non-goals\n- Nothing else\n## Acceptance Criteria\n- [ ] It works\n## Files Likely Touched\n- apps/runner/src/x.ts\n## Definition of Done\n- [ ] Tests pass\n`;
const task = (n: number, extra: Record<string, unknown> = {}) => ({
  title: `[TASK] Task ${n}`,
  body_markdown: body(),
  priority: n === 1 ? 'P0' : 'P1',
  size: 'S',
  area: 'runner',
  depends_on_titles: [],
  initial_status: 'Backlog',
  ...extra,
});
const fixturePlan = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  sprint: 'M1',
  goal_issue: {
    title: '[SPRINT GOAL] M1: Test kickoff',
    body_markdown: body('Ship M1.'),
    labels: ['meta:sprint-goal'],
    fields: { Sprint: 'M1', Status: 'Backlog', Priority: 'P0', Size: 'S', Area: 'docs' },
  },
  tasks: [task(1), task(2), task(3)],
  ready_set_titles: ['[TASK] Task 1'],
  prioritization_rationale: 'Task 1 unblocks the rest.',
  ...extra,
});
const withGoal = (goal: Record<string, unknown>) => fixturePlan({ goal_issue: { ...(fixturePlan().goal_issue as object), ...goal } });

function kickoffError(fn: () => unknown): KickoffError {
  try {
    fn();
  } catch (err) {
    if (err instanceof KickoffError) return err;
    throw err;
  }
  throw new Error('no KickoffError');
}
const validationError = (raw: unknown, readyLimit = 3) => kickoffError(() => validateKickoffPlan(raw, 'M1', readyLimit));

describe("test_kickoff (the old runner's cases 1–8)", () => {
  it('1: 2 or 26 tasks is kickoff_invalid_task_count', () => {
    expect(validationError(fixturePlan({ tasks: [task(1), task(2)] }))).toMatchObject({ code: 'kickoff_invalid_task_count', details: { count: 2 } });
    const many = Array.from({ length: 26 }, (_, i) => task(i + 1));
    expect(validationError(fixturePlan({ tasks: many })).code).toBe('kickoff_invalid_task_count');
  });
  it('2: a goal without meta:sprint-goal is kickoff_missing_goal_label', () => {
    expect(validationError(withGoal({ labels: ['something-else'] })).code).toBe('kickoff_missing_goal_label');
  });
  it('3: priority P9 is kickoff_invalid_priority; size XL is kickoff_invalid_size', () => {
    expect(validationError(fixturePlan({ tasks: [task(1), task(2, { priority: 'P9' }), task(3)] })).code).toBe('kickoff_invalid_priority');
    expect(validationError(fixturePlan({ tasks: [task(1), task(2, { size: 'XL' }), task(3)] })).code).toBe('kickoff_invalid_size');
  });
  it('4: a ready-set task with dependencies is kickoff_ready_set_has_dependencies', () => {
    const raw = fixturePlan({ tasks: [task(1, { depends_on_titles: ['[TASK] Task 2'] }), task(2), task(3)] });
    expect(validationError(raw)).toMatchObject({ code: 'kickoff_ready_set_has_dependencies', details: { title: '[TASK] Task 1' } });
  });
  it('5: "Closes #123" in a task body is kickoff_forbidden_autoclose', () => {
    const raw = fixturePlan({ tasks: [task(1), task(2, { body_markdown: `${body()}Closes #123\n` }), task(3)] });
    expect(validationError(raw)).toMatchObject({ code: 'kickoff_forbidden_autoclose', details: { where: 'tasks[1].body_markdown', match: 'Closes #123' } });
  });
  it('6: three ready titles with ready_limit 1 is kickoff_ready_set_too_large', () => {
    const raw = fixturePlan({ tasks: [task(1), task(2, { priority: 'P0' }), task(3, { priority: 'P0' })], ready_set_titles: ['[TASK] Task 1', '[TASK] Task 2', '[TASK] Task 3'] });
    expect(validationError(raw, 1)).toMatchObject({ code: 'kickoff_ready_set_too_large', details: { count: 3, ready_limit: 1 } });
  });
  it('7: a valid plan becomes a draft: goal first with its labels, task areas mapped to policy areas', () => {
    const draft = toPlanApplyDraft(validateKickoffPlan(fixturePlan(), 'M1', 3));
    expect(draft.sprint).toBe('M1');
    expect(draft.issues[0]).toMatchObject({ title: '[SPRINT GOAL] M1: Test kickoff', labels: ['meta:sprint-goal'], area: 'docs', size: 'S', priority: 'P0' });
    expect(draft.issues[1]).toMatchObject({ title: '[TASK] Task 1', area: 'infra' });
    expect(draft.issues[1]).not.toHaveProperty('labels');
  });
  it('8: duplicate task titles are kickoff_title_collision', () => {
    expect(validationError(fixturePlan({ tasks: [task(1), task(2), task(2)] }))).toMatchObject({ code: 'kickoff_title_collision', details: { title: '[TASK] Task 2' } });
  });
});

describe('sprint and ready limit are checked before Codex runs (prevalidateKickoff)', () => {
  it.each([
    ['M5', 3, 'kickoff_invalid_sprint'],
    ['m1', 3, 'kickoff_invalid_sprint'],
    ['M1', 0, 'kickoff_invalid_ready_limit'],
    ['M1', 4, 'kickoff_invalid_ready_limit'],
    ['M1', 1.5, 'kickoff_invalid_ready_limit'],
  ])('sprint %s, ready limit %s → %s', (sprint, limit, code) => expect(kickoffError(() => prevalidateKickoff(sprint as string, limit as number)).code).toBe(code));
  it('accepts M1..M4 with 1..3', () => {
    expect(() => prevalidateKickoff('M4', 1)).not.toThrow();
    expect(() => prevalidateKickoff('M2', 3)).not.toThrow();
  });
  it('validation runs the same two rules first', () => {
    expect(kickoffError(() => validateKickoffPlan('not even an object', 'M9', 3)).code).toBe('kickoff_invalid_sprint');
  });
});

// ../../docs/spec/runner-behaviour.md §4.3
describe('plan validation rules', () => {
  const tasksWith = (i: number, extra: Record<string, unknown>) => fixturePlan({ tasks: [1, 2, 3].map((n) => (n === i ? task(n, extra) : task(n))) });
  it.each([
    ['3 plan object', [], 'kickoff_invalid', {}],
    ['4 sprint missing', fixturePlan({ sprint: ' ' }), 'kickoff_invalid_field', { field: 'sprint' }],
    ['4 sprint mismatch', fixturePlan({ sprint: 'M2' }), 'kickoff_sprint_mismatch', { expected: 'M1', actual: 'M2' }],
    ['5 goal_issue', fixturePlan({ goal_issue: [] }), 'kickoff_invalid_field', { field: 'goal_issue' }],
    ['6 goal title missing', withGoal({ title: 5 }), 'kickoff_invalid_field', { field: 'goal_issue.title' }],
    ['6 goal title format', withGoal({ title: '[GOAL] M1: x' }), 'kickoff_invalid_goal_title', { title: '[GOAL] M1: x' }],
    ['7 goal body', withGoal({ body_markdown: '' }), 'kickoff_invalid_field', { field: 'goal_issue.body_markdown' }],
    ['8 labels not a list', withGoal({ labels: 'meta:sprint-goal' }), 'kickoff_invalid_field', { field: 'goal_issue.labels' }],
    ['8 labels empty', withGoal({ labels: [] }), 'kickoff_invalid_field', { field: 'goal_issue.labels' }],
    ['8 blank label', withGoal({ labels: ['meta:sprint-goal', ' '] }), 'kickoff_invalid_field', { field: 'goal_issue.labels', index: 1 }],
    ['9 fields not an object', withGoal({ fields: null }), 'kickoff_invalid_field', { field: 'goal_issue.fields' }],
    [
      '9 Area',
      withGoal({ fields: { Sprint: 'M1', Status: 'Backlog', Priority: 'P0', Size: 'S', Area: 'api' } }),
      'kickoff_invalid_goal_fields',
      { field: 'Area', expected: 'docs', actual: 'api' },
    ],
    ['9 Sprint first', withGoal({ fields: { Sprint: 'M2', Area: 'api' } }), 'kickoff_invalid_goal_fields', { field: 'Sprint', expected: 'M1', actual: 'M2' }],
    ['10 tasks not a list', fixturePlan({ tasks: {} }), 'kickoff_invalid_field', { field: 'tasks' }],
    ['11 task object', fixturePlan({ tasks: [task(1), 'x', task(3)] }), 'kickoff_invalid_task', { index: 1 }],
    ['12 task title missing', tasksWith(2, { title: '' }), 'kickoff_invalid_field', { field: 'tasks[1].title' }],
    ['12 task title format', tasksWith(2, { title: 'Task 2' }), 'kickoff_invalid_task_title', { index: 1, title: 'Task 2' }],
    ['13 task body', tasksWith(3, { body_markdown: null }), 'kickoff_invalid_field', { field: 'tasks[2].body_markdown' }],
    ['14 priority missing', tasksWith(2, { priority: undefined }), 'kickoff_invalid_field', { field: 'tasks[1].priority' }],
    ['16 area', tasksWith(2, { area: 'web' }), 'kickoff_invalid_area', { index: 1, area: 'web' }],
    ['17 depends_on_titles null', tasksWith(2, { depends_on_titles: null }), 'kickoff_invalid_field', { field: 'tasks[1].depends_on_titles' }],
    ['18 initial status', tasksWith(2, { initial_status: 'Ready' }), 'kickoff_invalid_initial_status', { index: 1, initial_status: 'Ready' }],
    ['20 unknown dependency', tasksWith(2, { depends_on_titles: ['[TASK] Nope'] }), 'kickoff_unknown_dependency', { title: '[TASK] Task 2', dependency: '[TASK] Nope' }],
    ['20 self dependency', tasksWith(2, { depends_on_titles: ['[TASK] Task 2'] }), 'kickoff_invalid_dependency', { title: '[TASK] Task 2' }],
    ['21 duplicate', fixturePlan({ ready_set_titles: ['[TASK] Task 1', '[TASK] Task 1'] }), 'kickoff_ready_set_duplicate', { title: '[TASK] Task 1' }],
    ['21 unknown', fixturePlan({ ready_set_titles: ['[TASK] Task 9'] }), 'kickoff_ready_set_unknown_title', { title: '[TASK] Task 9' }],
    ['21 not P0', fixturePlan({ ready_set_titles: ['[TASK] Task 2'] }), 'kickoff_ready_set_not_p0', { title: '[TASK] Task 2', priority: 'P1' }],
    ['22 rationale', fixturePlan({ prioritization_rationale: '   ' }), 'kickoff_invalid_field', { field: 'prioritization_rationale' }],
    [
      '23 auto-close in rationale',
      fixturePlan({ prioritization_rationale: 'This fixes #4 eventually' }),
      'kickoff_forbidden_autoclose',
      { where: 'prioritization_rationale', match: 'fixes #4' },
    ],
    [
      '23 goal title before bodies',
      withGoal({ title: '[SPRINT GOAL] M1: resolved #9', body_markdown: `${body()}closes #1` }),
      'kickoff_forbidden_autoclose',
      { where: 'goal_issue.title' },
    ],
  ])('rule %s', (_rule, raw, code, details) => {
    const error = validationError(raw);
    expect(error.code).toBe(code);
    expect(error.details).toMatchObject(details as Record<string, unknown>);
  });
  it('the "must be a non-empty string" message names the field', () => {
    expect(validationError(fixturePlan({ prioritization_rationale: '' })).message).toBe('prioritization_rationale must be a non-empty string');
  });
  it('normalises: strings stripped, area lower-cased, depends_on_titles and ready_set_titles default to [], extra keys dropped, goal fields kept', () => {
    const raw = fixturePlan({
      sprint: ' M1 ',
      extra: true,
      ready_set_titles: undefined,
      tasks: [task(1, { title: ' [TASK] Task 1 ', area: 'RUNNER', depends_on_titles: undefined, note: 'x' }), task(2), task(3)],
      goal_issue: { ...(fixturePlan().goal_issue as Record<string, unknown>), fields: { Sprint: 'M1', Status: 'Backlog', Priority: 'P0', Size: 'S', Area: 'docs', Owner: 'me' } },
    });
    delete (raw.tasks as Array<Record<string, unknown>>)[0]!.depends_on_titles;
    const plan = validateKickoffPlan(raw, 'M1', 3);
    expect(plan.sprint).toBe('M1');
    expect(plan.tasks[0]).toEqual({ ...task(1), title: '[TASK] Task 1', body_markdown: body().trim() });
    expect(plan.ready_set_titles).toEqual([]);
    expect(plan.goal_issue.fields).toMatchObject({ Owner: 'me' });
    expect(Object.keys(plan)).toEqual(['sprint', 'goal_issue', 'tasks', 'ready_set_titles', 'prioritization_rationale']);
  });
});

// ../../docs/spec/runner-behaviour.md §4.4
describe('issue body markdown', () => {
  it('parses the five sections, list prefixes and repeated headings', () => {
    const markdown =
      'intro ignored\r\n## goal\r\nLine one\r\nLine two\r\n## Non-goals\n- a\n* b\nnot a list line\n## Acceptance Criteria\n- [ ] c\n- [x] d\n- [X] e\n## Files Likely Touched\n- f\n## Definition of Done\n-  \n- [ ] g\n## Non-goals\n- h\n## Size\nS\n';
    expect(parseIssueBodyMarkdown(markdown)).toEqual({
      goal: 'Line one\nLine two',
      non_goals: ['a', 'b', 'h'],
      acceptance_criteria: ['c', 'd', 'e'],
      files_likely_touched: ['f'],
      definition_of_done: ['g'],
    });
  });
  it.each([
    ['a blank body', '', 'kickoff_invalid_body_markdown', undefined],
    ['a missing section', body().replace('## Files Likely Touched', '## Files'), 'kickoff_body_markdown_missing_section', 'Files Likely Touched'],
    ['an empty goal', body('  '), 'kickoff_body_markdown_invalid', 'Goal'],
    ['a list section without items', body().replace('- Nothing else', 'Nothing else'), 'kickoff_body_markdown_invalid', 'Non-goals'],
  ])('%s', (_label, markdown, code, section) => {
    const error = kickoffError(() => parseIssueBodyMarkdown(markdown));
    expect(error.code).toBe(code);
    if (section) expect(error.details).toEqual({ section });
  });
  it('maps every task area to a policy area', () => {
    const areas = ['infra', 'orchestrator', 'runner', 'tests', 'api', 'docs'];
    const plan = validateKickoffPlan(fixturePlan({ tasks: areas.map((area, i) => task(i + 1, { area })) }), 'M1', 3);
    expect(
      toPlanApplyDraft(plan)
        .issues.slice(1)
        .map((issue) => issue.area),
    ).toEqual(['infra', 'infra', 'infra', 'infra', 'api', 'docs']);
  });
  it('draft issue keys are in the plan-apply order', () => {
    const draft = toPlanApplyDraft(validateKickoffPlan(fixturePlan(), 'M1', 3));
    expect(Object.keys(draft.issues[1]!)).toEqual([
      'title',
      'goal',
      'non_goals',
      'acceptance_criteria',
      'files_likely_touched',
      'definition_of_done',
      'size',
      'area',
      'priority',
      'initial_status',
    ]);
  });
});

// ../../docs/spec/runner-behaviour.md §4.5
describe('apply planning', () => {
  const plan = (extra: Record<string, unknown> = {}) => validateKickoffPlan(fixturePlan(extra), 'M1', 3);
  const response = (draftLength: number, extra: Record<string, unknown> = {}) => ({
    role: 'ORCHESTRATOR',
    sprint: 'M1',
    status: 'APPLIED',
    created: Array.from({ length: draftLength }, (_, i) => ({ index: i, project_item_id: `PVTI_${i}`, issue_number: i + 1 })),
    sprint_plan: {},
    ownership_index: {},
    ...extra,
  });
  const apply = (p: KickoffPlan, planApplyResponse: unknown) => planKickoffApply({ plan: p, draft: toPlanApplyDraft(p), planApplyResponse, readyLimit: 2, nowIso: NOW });

  it('10: a ready-set title without a created issue is kickoff_ready_set_missing_mapping, before any promotion', () => {
    const p: KickoffPlan = { ...plan(), ready_set_titles: ['[TASK] Not in draft'] };
    expect(kickoffError(() => apply(p, response(4)))).toMatchObject({ code: 'kickoff_ready_set_missing_mapping', details: { title: '[TASK] Not in draft' } });
  });
  it('builds the sprint plan cache and promotes the ready set', () => {
    const scope = { touch_paths: ['apps/runner'], owns_paths: ['apps/runner'], conflicts_with: [], depends_on: [], group_id: 'component:apps/runner', isolation_mode: 'ISOLATED' };
    const result = apply(plan(), response(4, { sprint_plan: { 2: scope }, ownership_index: { 'apps/runner': 2 } }));
    expect(result.sprintPlanCache).toEqual({
      version: 1,
      sprint: 'M1',
      generated_at: NOW,
      goal: { title: '[SPRINT GOAL] M1: Test kickoff', issue_number: 1, project_item_id: 'PVTI_0' },
      tasks: [
        { title: '[TASK] Task 1', issue_number: 2, project_item_id: 'PVTI_1', priority: 'P0', depends_on_titles: [], scope },
        { title: '[TASK] Task 2', issue_number: 3, project_item_id: 'PVTI_2', priority: 'P1', depends_on_titles: [], scope: null },
        { title: '[TASK] Task 3', issue_number: 4, project_item_id: 'PVTI_3', priority: 'P1', depends_on_titles: [], scope: null },
      ],
      ready_set_titles: ['[TASK] Task 1'],
      sprint_plan: { 2: scope },
      ownership_index: { 'apps/runner': 2 },
    });
    expect(result.readySet).toEqual([
      {
        kind: 'promote',
        promotion: {
          issue_number: 2,
          project_item_id: 'PVTI_1',
          title: '[TASK] Task 1',
          reason: 'kickoff_ready_set',
          body: { role: 'ORCHESTRATOR', project_item_id: 'PVTI_1', field: 'Status', value: 'Ready' },
        },
      },
    ]);
    expect(result.fallback).toBeNull();
  });
  it('CHAINED dependencies and path conflicts skip with reason kickoff_ready_set; nothing promoted → fallback summary', () => {
    const p = plan({ tasks: [task(1), task(2, { priority: 'P0' }), task(3, { priority: 'P0' })], ready_set_titles: ['[TASK] Task 2', '[TASK] Task 3'] });
    const sprintPlan = {
      3: { owns_paths: ['apps/api'], depends_on: [2], isolation_mode: 'CHAINED' },
      4: { owns_paths: ['apps/api/src'], depends_on: [], isolation_mode: 'ISOLATED' },
    };
    const first = apply(p, response(4, { sprint_plan: sprintPlan }));
    expect(first.readySet[0]).toEqual({
      kind: 'emit',
      event: { type: 'BOARD_PROMOTION_SKIPPED_DEPENDENCY', issue_number: 3, depends_on: 2, depends_on_status: 'Backlog', reason: 'kickoff_ready_set' },
    });
    expect(first.readySet[1]).toMatchObject({ kind: 'promote', promotion: { issue_number: 4 } });

    const conflicting = { 3: { owns_paths: ['apps/api'], isolation_mode: 'ISOLATED' }, 4: { owns_paths: ['apps/api/src'], isolation_mode: 'ISOLATED' } };
    const second = apply(p, response(4, { sprint_plan: conflicting }));
    expect(second.readySet[1]).toEqual({
      kind: 'emit',
      event: { type: 'BOARD_PROMOTION_SKIPPED_CONFLICT', issue_number: 4, path: 'apps/api/src', conflict_issue_number: 3, conflict_path: 'apps/api', reason: 'kickoff_ready_set' },
    });

    const blocked = { 3: { depends_on: [4], isolation_mode: 'CHAINED' }, 4: { depends_on: [3], isolation_mode: 'CHAINED' } };
    const none = apply(p, response(4, { sprint_plan: blocked }));
    expect(none.readySet.every((step) => step.kind === 'emit')).toBe(true);
    expect(none.fallback).toEqual({
      event: { type: 'KICKOFF_READY_SET_EMPTY', ready_set_titles: ['[TASK] Task 2', '[TASK] Task 3'], fallback_ready_target: 2 },
      summary: {
        type: 'DISPATCH_SUMMARY',
        sprint: 'M1',
        status_counts: { Ready: 0, Backlog: 3 },
        processed_items: [2, 3, 4].map((n) => ({ issue_number: n, project_item_id: `PVTI_${n - 1}`, status: 'Backlog' })),
      },
    });
  });
  it.each([
    ['not APPLIED', { status: 'PARTIAL_FAIL' }, 'kickoff_plan_apply_failed', { payload: { status: 'PARTIAL_FAIL' } }],
    ['too few created', response(3), 'kickoff_plan_apply_failed', { created_count: 3 }],
    ['no created list', { ...response(4), created: null }, 'kickoff_plan_apply_failed', { created_count: null }],
    [
      'a blank project item id',
      { ...response(4), created: [{ issue_number: 1, project_item_id: 'PVTI_0' }, { issue_number: 2, project_item_id: ' ' }, {}, {}] },
      'kickoff_plan_apply_failed',
      { index: 1 },
    ],
    [
      'no issue number',
      { ...response(4), created: response(4).created.map((c, i) => (i === 2 ? { ...c, issue_number: 0 } : c)) },
      'kickoff_plan_cache_failed',
      { title: '[TASK] Task 2' },
    ],
  ])('plan-apply response: %s', (_label, body, code, details) => {
    expect(kickoffError(() => apply(plan(), body))).toMatchObject({ code, details });
  });
});

describe('partial plan-apply, goal text and backend errors', () => {
  it('describes what a PARTIAL_FAIL left behind', () => {
    const p = validateKickoffPlan(fixturePlan(), 'M1', 3);
    const report = describePartialPlanApply(
      {
        status: 'PARTIAL_FAIL',
        created: [{ index: 0, issue_number: 201, issue_url: 'https://github.com/o/r/issues/201', project_item_id: 'PVTI_201', fields_set: { Status: 'Backlog' } }],
        failed: { index: 1, step: 'add_to_project', error: 'project add failed' },
      },
      toPlanApplyDraft(p),
    );
    // The failing issue itself was created before add_to_project failed: it is listed too (#20).
    expect(report).toEqual({
      created: [
        { index: 0, title: '[SPRINT GOAL] M1: Test kickoff', issue_number: 201, project_item_id: 'PVTI_201', issue_url: 'https://github.com/o/r/issues/201' },
        {
          index: 1,
          title: '[TASK] Task 1',
          issue_number: null,
          project_item_id: null,
          issue_url: null,
          incomplete: 'issue created, not added to the project (its number is not reported)',
        },
      ],
      failed: { index: 1, title: '[TASK] Task 1', step: 'add_to_project', error: 'project add failed' },
      message:
        'plan-apply failed at issue 1 "[TASK] Task 1" (add_to_project: project add failed); already created: #201 "[SPRINT GOAL] M1: Test kickoff" (PVTI_201), ' +
        '#? "[TASK] Task 1" (issue created, not added to the project (its number is not reported)). These issues stay on GitHub; a new kickoff of this sprint is refused unless --replan (which creates a whole new set).',
    });
    // A create_issue failure left nothing for its own issue.
    const atCreate = describePartialPlanApply(
      { status: 'PARTIAL_FAIL', created: [], failed: { index: 0, step: 'create_issue', error: 'issue create failed' } },
      toPlanApplyDraft(p),
    );
    expect(atCreate!.created).toEqual([]);
    expect(describePartialPlanApply({ error: 'GitHub GraphQL request failed: HTTP 502' })).toBeNull();
  });
  it('the goal text is stripped; blank is kickoff_goal_missing', () => {
    expect(requireKickoffGoal('  Ship it \n')).toBe('Ship it');
    expect(kickoffError(() => requireKickoffGoal(' '))).toMatchObject({ code: 'kickoff_goal_missing', message: '--goal must be non-empty' });
    expect(kickoffError(() => requireKickoffGoal('', 'goal.txt'))).toMatchObject({ message: 'goal file is empty', details: { path: 'goal.txt' } });
  });
  it('a backend failure during apply becomes kickoff_backend_error', () => {
    const error = kickoffBackendError(new HttpError('backend_http_error', 'backend returned HTTP 409', 409, { status: 'FAIL' }));
    expect(error).toMatchObject({
      code: 'kickoff_backend_error',
      message: 'kickoff backend request failed',
      details: { code: 'backend_http_error', status_code: 409, payload: { status: 'FAIL' } },
    });
  });
});

describe('kickoff exactly once (#20)', () => {
  const record = (status: 'APPLYING' | 'APPLIED' | 'APPLY_UNKNOWN' | 'PARTIAL_FAIL' | 'NOTHING_CREATED', goal: number | null = 201) => ({
    kickoff_id: 'sprint-M1/r1',
    sprint: 'M1',
    backend: 'http://backend:4000',
    status,
    goal_title: '[SPRINT GOAL] M1: Test kickoff',
    issue_count: 4,
    goal_issue_number: goal,
  });
  const run = { workflowId: 'sprint-M1', runId: 'r1', status: 'COMPLETED' };

  it('an earlier run that created (or may have created) issues counts; one that created nothing does not', () => {
    expect(existingKickoffFromRecord(record('APPLIED'), run)).toEqual({
      source: 'workflow',
      goal_issue_number: 201,
      description: 'workflow sprint-M1 run r1 (completed) kicked off M1 on http://backend:4000: goal issue #201 "[SPRINT GOAL] M1: Test kickoff", applied 4 issues',
    });
    expect(existingKickoffFromRecord(record('APPLYING', null), run)!.description).toContain('stopped while plan-apply was in flight: issues may exist');
    expect(existingKickoffFromRecord(record('APPLY_UNKNOWN', null), run)!.description).toContain('outcome unknown');
    expect(existingKickoffFromRecord(record('PARTIAL_FAIL', null), run)!.description).toContain('some issues exist');
    expect(existingKickoffFromRecord(record('NOTHING_CREATED', null), run)).toBeNull();
  });

  it('the sprint plan file counts only for its own sprint', () => {
    const plan = { version: 1, sprint: 'M1', generated_at: NOW, goal: { title: '[SPRINT GOAL] M1: Test kickoff', issue_number: 201 }, tasks: [{}, {}] };
    expect(existingKickoffFromPlanFile(plan, 'M1', 'plan.json')).toEqual({
      source: 'plan_file',
      goal_issue_number: 201,
      description: `sprint plan plan.json generated ${NOW}: goal issue #201 "[SPRINT GOAL] M1: Test kickoff", 2 tasks`,
    });
    expect(existingKickoffFromPlanFile(plan, 'M2', 'plan.json')).toBeNull();
    expect(existingKickoffFromPlanFile(null, 'M1', 'plan.json')).toBeNull();
  });

  it('the board: a sprint-goal entry of the state file whose issue the orchestrator saw in this sprint', () => {
    const state = {
      poll_count: 1,
      items: { PVTI_201: { last_seen_sprint: 'M1', last_seen_issue_number: 201 }, PVTI_300: { last_seen_sprint: 'M2', last_seen_issue_number: 300 } },
      sprint_plan: { 201: { group_id: 'meta:sprint-goal' }, 202: { group_id: 'component:apps/api' }, 300: { group_id: 'meta:sprint-goal' } },
    };
    expect(existingKickoffFromStateFile(state, 'M1', 'state.json')).toEqual({
      source: 'board',
      goal_issue_number: 201,
      description: 'goal issue #201 is on the board in sprint M1 (orchestrator state state.json)',
    });
    expect(existingKickoffFromStateFile(state, 'M2', 'state.json')!.goal_issue_number).toBe(300);
    expect(existingKickoffFromStateFile(state, 'M3', 'state.json')).toBeNull();
    expect(existingKickoffFromStateFile({ items: {} }, 'M1', 'state.json')).toBeNull();
  });

  it('the refusal names what exists, the status command and --replan', () => {
    const existing = [existingKickoffFromRecord(record('APPLIED'), run)!];
    const error = kickoffAlreadyDoneError('M1', existing);
    expect(error).toMatchObject({ code: 'kickoff_already_done', details: { sprint: 'M1', existing, status_command: 'sprint-runner status --sprint M1' } });
    expect(error.message).toContain('goal issue #201');
    expect(error.message).toContain('`sprint-runner status --sprint M1`');
    expect(error.message).toContain('--replan');
  });

  it('an unknown apply outcome says where to look and how to continue', () => {
    const draft = toPlanApplyDraft(validateKickoffPlan(fixturePlan(), 'M1', 3));
    const error = kickoffApplyUnknownError(draft, kickoffIdFor('sprint-M1', 'r1'), 'the worker running it was lost (heartbeat timeout)');
    expect(error).toMatchObject({
      code: 'kickoff_apply_unknown',
      details: { sprint: 'M1', kickoff_id: 'sprint-M1/r1', drafted_titles: ['[SPRINT GOAL] M1: Test kickoff', '[TASK] Task 1', '[TASK] Task 2', '[TASK] Task 3'] },
    });
    expect(error.message).toContain('heartbeat timeout');
    expect(error.message).toContain('`sprint-runner run --sprint M1 --loop`');
    expect(error.message).toContain('--replan');
  });

  it('dependency cycles are refused, naming every task that could never be promoted', () => {
    const cyclic = validateKickoffPlan(
      fixturePlan({
        tasks: [
          task(1),
          task(2, { depends_on_titles: ['[TASK] Task 3'] }),
          task(3, { depends_on_titles: ['[TASK] Task 2'] }),
          task(4, { depends_on_titles: ['[TASK] Task 3'] }),
          task(5, { depends_on_titles: ['[TASK] Task 1'] }),
        ],
      }),
      'M1',
      3,
    );
    expect(kickoffDependencyCycles(cyclic)).toEqual({
      cycles: [['[TASK] Task 2', '[TASK] Task 3']],
      unpromotable: ['[TASK] Task 2', '[TASK] Task 3', '[TASK] Task 4'],
    });
    const error = kickoffError(() => refuseDependencyCycles(cyclic));
    expect(error).toMatchObject({ code: 'kickoff_dependency_cycle', details: { cycles: [['[TASK] Task 2', '[TASK] Task 3']] } });
    expect(error.message).toContain('"[TASK] Task 4"');
    // An acyclic chain passes.
    expect(() => refuseDependencyCycles(validateKickoffPlan(fixturePlan({ tasks: [task(1), task(2, { depends_on_titles: ['[TASK] Task 1'] }), task(3)] }), 'M1', 3))).not.toThrow();
  });
});
