/**
 * Orchestrator emulator, pure logic: ../../docs/spec/backend-orchestrator-contract.md §E.2 (buildRunPlan, computeSprintPlanMetadata), §E.1 8–9
 * (mergeRunnerManagedStateFields), the ../../docs/spec/backend-orchestrator-contract.md §C.10 timeline, and an exact replay of the real fixtures.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { computeSprintPlanMetadata } from '../../emulators/backend';
import { pathsOverlap } from '../../emulators/backend/sprint-ownership';
import {
  type BuildRunPlanOptions,
  type ItemState,
  type OrchestratorState,
  STATUS_ORDER,
  buildRunIntents,
  buildRunPlan,
  dispatchSummaryEvent,
  endOfSprintEvent,
  mergeRunnerManagedStateFields,
} from '../../emulators/orchestrator/plan';

const FIXTURES = join(__dirname, 'fixtures', 'orchestrator-45fae0b');
const STATUSES = [...STATUS_ORDER];

function row(issue: number, status: string | undefined, sprint: string | null = 'M1', id = `PVTI_${issue}`) {
  const fields: Record<string, string> = { Size: 'S', Area: 'api', Priority: 'P0' };
  if (status !== undefined) fields.Status = status;
  if (sprint !== null) fields.Sprint = sprint;
  return { project_item_id: id, issue_number: issue, issue_url: `https://github.com/acme/app/issues/${issue}`, fields };
}

function ids(prefix = 'run') {
  let n = 0;
  return () => `${prefix}-${++n}`;
}

function plan(options: Partial<BuildRunPlanOptions> & Pick<BuildRunPlanOptions, 'projectItems'>) {
  return buildRunPlan({ allowedStatusOptions: STATUSES, sprint: 'M1', uuidFactory: ids(), nowIso: '2026-11-23T10:00:00.000Z', ...options });
}

// ../../docs/spec/backend-orchestrator-contract.md §E.2
describe('buildRunPlan', () => {
  it('1: scoping, sorting and caps', () => {
    const result = plan({ projectItems: [row(40, 'Ready', 'M2'), row(20, 'Ready'), row(10, 'Ready'), row(30, 'In Review')], maxExecutors: 1, maxReviewers: 1 });
    expect(result.summary.in_scope_total).toBe(3);
    expect(result.summary.skipped).toEqual({ not_in_scope: 1, dedupe_same_status: 0, concurrency_limit: 1 });
    expect(result.intents).toEqual([
      { type: 'RUN_INTENT', role: 'EXECUTOR', run_id: 'run-1', endpoint: '/internal/executor/claim-ready-item', body: { role: 'EXECUTOR', run_id: 'run-1', sprint: 'M1' } },
      { type: 'RUN_INTENT', role: 'REVIEWER', run_id: 'run-2', endpoint: '/internal/reviewer/resolve-linked-pr', body: { role: 'REVIEWER', issue_number: 30, run_id: 'run-2' } },
    ]);
    expect(Object.keys(result.intents[1].body)).toEqual(['role', 'issue_number', 'run_id']);
    expect(result.nextState.items.PVTI_40).toBeUndefined();
  });

  it.each([
    [[row(1, 'Ready', null)], 'project item 1 missing Sprint'],
    [[row(3, undefined)], 'project item 3 missing Status'],
    [[row(4, 'Unknown')], 'project item 4 has unknown Status=Unknown'],
    [[{ ...row(5, 'Ready'), issue_number: 0 }], 'project item issue_number must be a positive integer'],
    [[{ ...row(6, 'Ready'), project_item_id: '' }], 'project item 6 missing project_item_id'],
  ])('2/3: malformed items throw malformed_item_data (%#)', (projectItems, message) => {
    expect(() => plan({ projectItems })).toThrow(expect.objectContaining({ message, code: 'malformed_item_data' }));
  });

  it('an unsprinted item of another repo halts everything, even out of scope', () => {
    expect(() => plan({ projectItems: [row(1, 'Ready'), row(2, 'Done', '')] })).toThrow('project item 2 missing Sprint');
  });

  it('argument validation errors carry no code', () => {
    expect(() => plan({ projectItems: [], maxExecutors: 0 })).toThrow(expect.objectContaining({ message: 'maxExecutors must be a positive integer', code: undefined }));
    expect(() => plan({ projectItems: [], reviewerRetryPolls: -1 })).toThrow('reviewerRetryPolls must be a non-negative integer');
    expect(() => plan({ projectItems: [], nowIso: 'never' })).toThrow('nowIso must be a valid ISO timestamp');
  });

  it('4: a second poll with the previous state dedupes both', () => {
    const items = [row(10, 'Ready'), row(20, 'In Review')];
    const first = plan({ projectItems: items, maxExecutors: 2, maxReviewers: 2 });
    const second = plan({ projectItems: items, maxExecutors: 2, maxReviewers: 2, previousState: first.nextState });
    expect(second.intents).toHaveLength(0);
    expect(second.summary.skipped.dedupe_same_status).toBe(2);
    expect(second.summary.poll_count).toBe(2);
  });

  it('5: Ready → In Progress → In Review over successive polls', () => {
    const p1 = plan({ projectItems: [row(10, 'Ready')] });
    const p2 = plan({ projectItems: [row(10, 'In Progress')], previousState: p1.nextState });
    const p3 = plan({ projectItems: [row(10, 'In Review')], previousState: p2.nextState });
    expect(p2.intents).toHaveLength(0);
    expect(p3.intents).toHaveLength(1);
    expect(p3.intents[0]).toMatchObject({ role: 'REVIEWER', body: { issue_number: 10 } });
  });

  it('6/7: completion needs no Ready/In Progress/In Review and no Backlog', () => {
    const done = plan({ projectItems: [row(1, 'Done'), row(2, 'Blocked'), row(3, 'Needs Human Approval')] });
    expect(done).toMatchObject({ completed: true, intents: [] });
    expect(plan({ projectItems: [row(1, 'Done'), row(2, 'Backlog')] }).completed).toBe(false);
    expect(plan({ projectItems: [row(1, 'Ready', 'M2')] }).completed).toBe(true); // an empty sprint is complete
  });

  it('8: stalled In Progress is reported (report only)', () => {
    const p1 = plan({ projectItems: [row(99, 'In Progress')], nowIso: '2026-11-23T08:00:00.000Z' });
    const p2 = plan({ projectItems: [row(99, 'In Progress')], nowIso: '2026-11-23T12:00:00.000Z', stallMinutes: 120, previousState: p1.nextState });
    expect(p2.summary.needs_attention.stalled_in_progress).toEqual([
      {
        issue_number: 99,
        project_item_id: 'PVTI_99',
        stuck_minutes: 240,
        status_since_at: '2026-11-23T08:00:00.000Z',
        last_activity_indicator: 'status_changed',
        last_activity_at: '2026-11-23T08:00:00.000Z',
      },
    ]);
    expect(p2.summary.processed_items[0].stall).toEqual({ stuck_minutes: 240, is_stalled: true });
    expect(p2.intents).toHaveLength(0);
  });

  it('9: In Review churn after reviewChurnPolls', () => {
    const p1 = plan({ projectItems: [row(88, 'In Review')], reviewChurnPolls: 2 });
    expect(p1.summary.needs_attention.in_review_churn).toEqual([]);
    const p2 = plan({ projectItems: [row(88, 'In Review')], reviewChurnPolls: 2, previousState: p1.nextState });
    expect(p2.summary.needs_attention.in_review_churn).toEqual([
      { issue_number: 88, project_item_id: 'PVTI_88', in_review_polls: 2, last_run_id: 'run-1', last_dispatched_at: '2026-11-23T10:00:00.000Z' },
    ]);
    expect(p2.summary.processed_items.map((entry) => entry.issue_number)).toEqual([88]);
  });

  it('10: reviewer retry after reviewerRetryPolls, below maxReviewerDispatchesPerStatus', () => {
    const p1 = plan({ projectItems: [row(7, 'In Review')] });
    const previous = { ...p1.nextState, poll_count: 50 };
    const retry = plan({ projectItems: [row(7, 'In Review')], previousState: previous, maxReviewerDispatchesPerStatus: 2, reviewerRetryPolls: 50, uuidFactory: () => 'run-new' });
    expect(retry.intents).toEqual([expect.objectContaining({ role: 'REVIEWER', run_id: 'run-new' })]);
    expect(retry.nextState.items.PVTI_7.reviewer_dispatches_for_current_status).toBe(2);
  });

  it('11/12: human rework origin: EXECUTOR fix-up first, then REVIEWER once the executor answered', () => {
    const p1 = plan({ projectItems: [row(5, 'Needs Human Approval')] });
    const p2 = plan({ projectItems: [row(5, 'In Review')], previousState: p1.nextState });
    expect(p2.intents).toEqual([
      expect.objectContaining({ role: 'EXECUTOR', endpoint: '/internal/reviewer/resolve-linked-pr', body: { role: 'EXECUTOR', issue_number: 5, run_id: 'run-1' } }),
    ]);
    expect(p2.nextState.items.PVTI_5.in_review_origin).toBe('needs_human_approval');
    expect(p2.summary.processed_items[0].in_review_origin).toBe('needs_human_approval');
    const p3 = plan({ projectItems: [row(5, 'In Review')], previousState: p2.nextState });
    expect(p3.intents).toHaveLength(0);
    const answered = structuredClone(p3.nextState);
    answered.items.PVTI_5.last_executor_response_at = '2026-11-23T10:05:00.000Z';
    const p4 = plan({ projectItems: [row(5, 'In Review')], previousState: answered });
    expect(p4.intents).toEqual([expect.objectContaining({ role: 'REVIEWER' })]);
    expect(p4.nextState.items.PVTI_5.in_review_origin).toBe('');
  });

  it('13: REVIEWER, then FAIL → EXECUTOR fix-up, then executor answer → REVIEWER', () => {
    const p1 = plan({ projectItems: [row(6, 'In Review')], maxReviewerDispatchesPerStatus: 2 });
    expect(p1.intents[0].role).toBe('REVIEWER');
    const failed = structuredClone(p1.nextState);
    Object.assign(failed.items.PVTI_6, { last_reviewer_outcome: 'fail', last_reviewer_feedback_at: '2026-11-23T10:01:00.000Z', review_cycle_count: 1 });
    const p2 = plan({ projectItems: [row(6, 'In Review')], previousState: failed });
    expect(p2.intents).toEqual([expect.objectContaining({ role: 'EXECUTOR', endpoint: '/internal/reviewer/resolve-linked-pr' })]);
    expect(p2.nextState.items.PVTI_6.last_reviewer_outcome).toBe('FAIL');
    const answered = structuredClone(p2.nextState);
    answered.items.PVTI_6.last_executor_response_at = '2026-11-23T10:02:00.000Z';
    const p3 = plan({ projectItems: [row(6, 'In Review')], previousState: answered });
    expect(p3.intents).toEqual([expect.objectContaining({ role: 'REVIEWER' })]);
  });

  it('PASS and the review-cycle cap dispatch nothing', () => {
    const p1 = plan({ projectItems: [row(6, 'In Review'), row(7, 'In Review')], maxReviewers: 2 });
    const next = structuredClone(p1.nextState);
    Object.assign(next.items.PVTI_6, { last_reviewer_outcome: 'PASS', last_reviewer_feedback_at: '2026-11-23T10:01:00.000Z' });
    Object.assign(next.items.PVTI_7, { last_reviewer_outcome: 'FAIL', last_reviewer_feedback_at: '2026-11-23T10:01:00.000Z', review_cycle_count: 5 });
    expect(plan({ projectItems: [row(6, 'In Review'), row(7, 'In Review')], previousState: next }).intents).toEqual([]);
  });

  it('14: buildRunIntents returns just the intents', () => {
    const factory = ['run-x', 'run-y'];
    const intents = buildRunIntents({
      projectItems: [row(1, 'Ready'), row(2, 'In Review')],
      allowedStatusOptions: STATUSES,
      sprint: 'M1',
      uuidFactory: () => factory.shift()!,
    });
    expect(intents.map((intent) => intent.run_id)).toEqual(['run-x', 'run-y']);
  });
});

// ../../docs/spec/backend-orchestrator-contract.md §E.2
describe('computeSprintPlanMetadata (orchestrator-intents 15–18)', () => {
  it('15: buckets, conflicts, chain, ownership; deterministic', () => {
    const issues = [
      { issue_number: 2, title: 'API base', priority: 'P0', files_likely_touched: ['apps/api/src/'] },
      { issue_number: 3, title: 'API routes', priority: 'P1', files_likely_touched: ['apps/api/src/routes/'] },
      { issue_number: 4, title: 'Runner', priority: 'P1', files_likely_touched: ['apps/runner/src/'] },
    ];
    const map = { buckets: ['apps/api', 'apps/runner', 'apps', 'docs'], shared_core_paths: [] };
    const first = computeSprintPlanMetadata(issues, map);
    expect(computeSprintPlanMetadata(issues, map)).toEqual(first);
    expect(first.sprint_plan['2']).toMatchObject({ isolation_mode: 'CHAINED', conflicts_with: [3], depends_on: [] });
    expect(first.sprint_plan['3']).toMatchObject({ isolation_mode: 'CHAINED', conflicts_with: [2], depends_on: [2] });
    expect(first.sprint_plan['4']).toMatchObject({ isolation_mode: 'ISOLATED', owns_paths: ['apps/runner'] });
    expect(first.ownership_index).toEqual({ 'apps/api': 2, 'apps/runner': 4 });
    expect(pathsOverlap('apps/api', 'apps/api/src')).toBe(true);
    expect(pathsOverlap('apps/api', 'apps/api2')).toBe(false);
  });

  it('16: a top-level bucket is refined from the path (wildcards and files dropped)', () => {
    const issues = [
      { issue_number: 1, title: 'Data', files_likely_touched: ['Assets/Scripts/Data/*.cs'] },
      { issue_number: 2, title: 'Events', files_likely_touched: ['Assets/Scripts/Events/*.cs'] },
      { issue_number: 3, title: 'Scene', files_likely_touched: ['Assets/Scenes/VerticalSlice.unity'] },
    ];
    const map = { buckets: ['Assets', 'docs'], shared_core_paths: [] };
    const result = computeSprintPlanMetadata(issues, map);
    expect([1, 2, 3].map((n) => result.sprint_plan[String(n)].owns_paths)).toEqual([['Assets/Scripts/Data'], ['Assets/Scripts/Events'], ['Assets/Scenes']]);
    expect(Object.values(result.sprint_plan).every((meta) => meta.isolation_mode === 'ISOLATED')).toBe(true);
    expect(computeSprintPlanMetadata(issues, map)).toEqual(result);
  });

  it('17: the sprint-goal issue owns nothing', () => {
    const result = computeSprintPlanMetadata(
      [{ issue_number: 1, title: '[ORCHESTRATOR] [SPRINT GOAL] M1: ship', labels: ['meta:sprint-goal'], files_likely_touched: ['docs/goal.md'] }],
      { buckets: ['docs'], shared_core_paths: [] },
    );
    expect(result.sprint_plan['1']).toMatchObject({ owns_paths: [], isolation_mode: 'ISOLATED', group_id: 'meta:sprint-goal' });
  });

  it('18: plan_order beats the title inside a chain', () => {
    const result = computeSprintPlanMetadata(
      [
        { issue_number: 2, title: 'Zeta docs', priority: 'P0', plan_order: 1, files_likely_touched: ['docs/a.md'] },
        { issue_number: 3, title: 'Alpha docs', priority: 'P0', plan_order: 2, files_likely_touched: ['docs/b.md'] },
        { issue_number: 4, title: 'Mid docs', priority: 'P0', plan_order: 3, files_likely_touched: ['docs/c.md'] },
      ],
      { buckets: ['docs'], shared_core_paths: [] },
    );
    expect([2, 3, 4].map((n) => result.sprint_plan[String(n)].depends_on)).toEqual([[], [2], [3]]);
  });
});

// ../../docs/spec/backend-orchestrator-contract.md §E.1
describe('mergeRunnerManagedStateFields (orchestrator-cli 8–9)', () => {
  const epochItem = (overrides: Partial<ItemState>): ItemState =>
    ({
      last_seen_status: 'In Review',
      status_since_poll: 4,
      review_cycle_count: 0,
      last_reviewer_outcome: '',
      last_reviewer_feedback_at: '',
      last_executor_response_at: '',
      in_review_origin: '',
      ...overrides,
    }) as ItemState;
  const disk = {
    poll_count: 5,
    items: {
      PVTI_1: epochItem({ last_reviewer_outcome: 'fail', last_reviewer_feedback_at: '2026-11-23T10:00:00Z', review_cycle_count: 1, in_review_origin: 'needs_human_approval' }),
    },
    sprint_plan: { '1': { group_id: 'x' } },
    ownership_index: { docs: 1 },
  };

  it('8: same epoch keeps the runner-written fields (outcome upper-cased, ISO normalised)', () => {
    const merged = mergeRunnerManagedStateFields({ nextState: { poll_count: 6, items: { PVTI_1: epochItem({}) } }, diskState: disk });
    expect(merged.items.PVTI_1).toMatchObject({
      last_reviewer_outcome: 'FAIL',
      last_reviewer_feedback_at: '2026-11-23T10:00:00.000Z',
      review_cycle_count: 1,
      in_review_origin: 'needs_human_approval',
    });
    expect(Object.keys(merged)).toEqual(['poll_count', 'items', 'sprint_plan', 'ownership_index']);
    expect(merged).toMatchObject({ poll_count: 6, sprint_plan: disk.sprint_plan, ownership_index: disk.ownership_index });
  });

  it('9: a new epoch resets everything', () => {
    const next = epochItem({ last_seen_status: 'Ready', status_since_poll: 9 });
    const merged = mergeRunnerManagedStateFields({ nextState: { poll_count: 9, items: { PVTI_1: next } }, diskState: disk });
    expect(merged.items.PVTI_1).toMatchObject({ last_reviewer_outcome: '', last_reviewer_feedback_at: '', review_cycle_count: 0, in_review_origin: '' });
  });
});

// ../../docs/spec/backend-orchestrator-contract.md §C.10
describe('worked timeline (buildRunPlan + CLI merge)', () => {
  it('reproduces the intents, dedupe/retry decisions and origin restore', () => {
    let disk: OrchestratorState = { poll_count: 0, items: {}, sprint_plan: {}, ownership_index: {} };
    const runIds = ids();
    const log: string[] = [];
    const churnFrom: number[] = [];
    const poll = (status: string) => {
      const result = buildRunPlan({
        projectItems: [row(1, status)],
        allowedStatusOptions: STATUSES,
        sprint: 'M1',
        previousState: disk,
        maxExecutors: 2,
        maxReviewers: 2,
        maxReviewerDispatchesPerStatus: 2,
        reviewerRetryPolls: 3,
        uuidFactory: runIds,
        nowIso: new Date(Date.parse('2026-11-23T10:00:00Z') + disk.poll_count * 60000).toISOString(),
      });
      disk = mergeRunnerManagedStateFields({ nextState: result.nextState, diskState: disk });
      if (result.summary.needs_attention.in_review_churn.length > 0) churnFrom.push(result.summary.poll_count);
      log.push(result.intents.map((intent) => `${intent.role}:${intent.run_id}`).join(',') || '-');
      return result;
    };
    const runnerWrites = (fields: Partial<ItemState>) => Object.assign(disk.items.PVTI_1, fields);

    poll('In Review'); // 1
    expect(disk.items.PVTI_1.reviewer_dispatches_for_current_status).toBe(1);
    poll('In Review'); // 2
    poll('In Review'); // 3
    poll('In Review'); // 4: retry
    expect(disk.items.PVTI_1.reviewer_dispatches_for_current_status).toBe(2);
    for (let p = 5; p <= 8; p += 1) poll('In Review');
    runnerWrites({ last_reviewer_outcome: 'FAIL', last_reviewer_feedback_at: '2026-11-23T11:00:00.000Z', review_cycle_count: 1 });
    poll('In Review'); // 9: fix-up
    poll('In Review'); // 10
    runnerWrites({ last_executor_response_at: '2026-11-23T11:30:00.000Z' });
    poll('In Review'); // 11: re-review although rdisp = 2
    expect(disk.items.PVTI_1.reviewer_dispatches_for_current_status).toBe(3);
    runnerWrites({ last_reviewer_outcome: 'PASS', last_reviewer_feedback_at: '2026-11-23T12:00:00.000Z' });
    poll('In Review'); // 12: PASS, nothing
    poll('Needs Human Approval'); // k
    const rework = poll('In Review'); // k+1
    expect(rework.intents[0]).toMatchObject({ role: 'EXECUTOR', endpoint: '/internal/reviewer/resolve-linked-pr' });
    expect(disk.items.PVTI_1.in_review_origin).toBe('needs_human_approval');
    poll('In Review'); // k+2
    runnerWrites({ last_executor_response_at: '2026-11-23T13:00:00.000Z' });
    const review = poll('In Review'); // k+3
    expect(review.nextState.items.PVTI_1.in_review_origin).toBe('');
    expect(disk.items.PVTI_1.in_review_origin).toBe('needs_human_approval'); // restored by the merge
    poll('In Review'); // k+4: dedupe

    expect(log).toEqual([
      'REVIEWER:run-1',
      '-',
      '-',
      'REVIEWER:run-2',
      '-',
      '-',
      '-',
      '-',
      'EXECUTOR:run-3',
      '-',
      'REVIEWER:run-4',
      '-',
      '-',
      'EXECUTOR:run-5',
      '-',
      'REVIEWER:run-6',
      '-',
    ]);
    expect(churnFrom.slice(0, 2)).toEqual([3, 4]);
  });
});

describe('exact replay of the 45fae0b fixtures (fixed clock and run ids)', () => {
  const read = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');
  const lines = (name: string) => read(name).split('\n').filter(Boolean);
  const fixtureOptions = { allowedStatusOptions: STATUSES, sprint: 'M1', maxExecutors: 3, maxReviewers: 2, maxReviewerDispatchesPerStatus: 2, reviewerRetryPolls: 20 };

  it('cycle-ready-review: intents, summary and state file byte-for-byte', () => {
    const state = JSON.parse(read('cycle-ready-review.state-after.json'));
    const runIds = lines('cycle-ready-review.stdout.jsonl').map((line) => JSON.parse(line).run_id);
    const result = buildRunPlan({
      ...fixtureOptions,
      projectItems: JSON.parse(read('cycle-ready-review.items.json')),
      previousState: { poll_count: 0, items: {}, sprint_plan: {}, ownership_index: {} },
      nowIso: state.items.PVTI_10.last_seen_at,
      uuidFactory: () => runIds.shift()!,
    });
    expect(result.intents.map((intent) => JSON.stringify(intent))).toEqual(lines('cycle-ready-review.stdout.jsonl'));
    expect([JSON.stringify(dispatchSummaryEvent(result.summary))]).toEqual(lines('cycle-ready-review.stderr.jsonl'));
    const written = mergeRunnerManagedStateFields({ nextState: result.nextState, diskState: { poll_count: 0, items: {}, sprint_plan: {}, ownership_index: {} } });
    expect(`${JSON.stringify(written, null, 2)}\n`).toBe(read('cycle-ready-review.state-after.json'));
  });

  it('end-of-sprint, then human-rework one poll later with the same state', () => {
    const reworkState = JSON.parse(read('human-rework.state-after.json'));
    const empty = { poll_count: 0, items: {}, sprint_plan: {}, ownership_index: {} };
    const first = buildRunPlan({
      ...fixtureOptions,
      projectItems: JSON.parse(read('end-of-sprint.items.json')),
      previousState: empty,
      nowIso: reworkState.items.PVTI_21.status_since_at,
    });
    expect(first.intents).toEqual([]);
    expect([dispatchSummaryEvent(first.summary), endOfSprintEvent(first.summary)].map((event) => JSON.stringify(event))).toEqual(lines('end-of-sprint.stderr.jsonl'));
    const afterFirst = mergeRunnerManagedStateFields({ nextState: first.nextState, diskState: empty });

    const runId = JSON.parse(lines('human-rework.stdout.jsonl')[0]).run_id;
    const second = buildRunPlan({
      ...fixtureOptions,
      projectItems: JSON.parse(read('human-rework.items.json')),
      previousState: afterFirst,
      nowIso: reworkState.items.PVTI_20.last_seen_at,
      uuidFactory: () => runId,
    });
    expect(second.intents.map((intent) => JSON.stringify(intent))).toEqual(lines('human-rework.stdout.jsonl'));
    expect([JSON.stringify(dispatchSummaryEvent(second.summary))]).toEqual(lines('human-rework.stderr.jsonl'));
    const written = mergeRunnerManagedStateFields({ nextState: second.nextState, diskState: afterFirst });
    expect(`${JSON.stringify(written, null, 2)}\n`).toBe(read('human-rework.state-after.json'));
  });
});
