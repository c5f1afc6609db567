/**
 * Kickoff through the real `sprint-runner run` command (../../docs/spec/runner-behaviour.md §4, §13 test_kickoff 9–10
 * and test_runner_cli_modes in Temporal form): goal file → Codex (agent emulator) plan → plan-apply on
 * the backend emulator → ready set → a whole sprint, every task to Needs Human Approval, exit 0.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBackendEmulator, type BackendEmulator } from '../../emulators/backend';
import { AGENT_BIN, ORCHESTRATOR_CMD } from '../support/e2e';
import { fetchHistories, replayHistories } from '../support/replay';
import { runCli } from '../support/run-cli';
import { connectTestTemporal, testAddress, uniqueTaskQueue, type TestTemporal } from '../support/temporal';

const SPRINT = 'M4';
const GOAL = 'Ship password login\n- Add the users table\n- Add the login form\n- Add the session API\n- Add the audit log';
const run = (args: string[], env: Record<string, string>) => runCli(['run', '--sprint', SPRINT, ...args], env);
const ofType = (events: Array<Record<string, unknown>>, type: string) => events.filter((event) => event.type === type);

describe('kickoff through `sprint-runner run`', () => {
  let temporal: TestTemporal;
  let backend: BackendEmulator;
  let dir: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    temporal = await connectTestTemporal('sr-kickoff');
  });
  beforeEach(async () => {
    backend = await startBackendEmulator({});
    dir = mkdtempSync(join(tmpdir(), 'sr-kickoff-'));
    writeFileSync(join(dir, 'goal.md'), `${GOAL}\n`);
    env = {
      TEMPORAL_ADDRESS: testAddress(),
      TEMPORAL_NAMESPACE: 'sr-kickoff',
      TEMPORAL_TASK_QUEUE: uniqueTaskQueue('kickoff'),
      BACKEND_BASE_URL: backend.url,
      ORCHESTRATOR_STATE_PATH: join(dir, 'state.json'),
      RUNNER_SPRINT_PLAN_PATH: join(dir, 'sprint-plan.json'),
      RUNNER_ORCHESTRATOR_CMD: ORCHESTRATOR_CMD,
      CODEX_BIN: AGENT_BIN,
      ORCHESTRATOR_POLL_INTERVAL_MS: '300',
      CODEX_TOOLS_CALL_TIMEOUT_S: '60',
      AGENT_EVENTS_LOG: join(dir, 'agent-events.jsonl'),
    };
  });
  afterEach(async () => {
    const ids = [`sprint-${SPRINT}`, ...backend.board.listProjectItems().map((item) => `sprint-${SPRINT}-item-${item.issue_number}`)];
    await Promise.all(
      ids.map((id) =>
        temporal.client.workflow
          .getHandle(id)
          .terminate('test done')
          .catch(() => undefined),
      ),
    );
    await backend.close();
  });
  afterAll(async () => temporal.close());

  it('a full sprint from a goal file: plan applied, ready set promoted, every task reaches Needs Human Approval, exit 0', async () => {
    const out = await run(['--kickoff', '--goal-file', join(dir, 'goal.md'), '--loop'], env);
    expect(out.stderr).not.toContain('HARD_STOP');
    expect(out.status).toBe(0);
    const result = JSON.parse(out.stdout.trim());
    expect(result).toMatchObject({ sprint: SPRINT, reason: 'awaiting-humans', kickoff: { status: 'APPLIED' } });
    expect(result.kickoff.created).toHaveLength(5);

    const [goal, ...tasks] = result.kickoff.created as Array<{ title: string; issue_number: number }>;
    expect(goal!.title).toBe(`[SPRINT GOAL] ${SPRINT}: Ship password login`);
    const status = (n: number) => backend.board.listProjectItems().find((item) => item.issue_number === n)!.fields.Status;
    for (const task of tasks) expect(status(task.issue_number)).toBe('Needs Human Approval');
    expect(status(goal!.issue_number)).toBe('Backlog');

    // The old runner's order of kickoff events, the ready set (3 P0 tasks) promoted with its own reason.
    const types = out.events.map((event) => event.type);
    const order = ['KICKOFF_PLAN', 'KICKOFF_DRAFT', 'SPRINT_PLAN_SAVED', 'KICKOFF_RESULT', 'RUNNER_STARTED', 'SPRINT_AWAITING_HUMANS'].map((type) => types.indexOf(type));
    expect(order.every((index, i) => index >= 0 && (i === 0 || index > order[i - 1]!))).toBe(true);
    const readySet = ofType(out.events, 'BOARD_PROMOTION_APPLIED').filter((event) => event.reason === 'kickoff_ready_set');
    expect(readySet.map((event) => event.issue_number)).toEqual(tasks.slice(0, 3).map((task) => task.issue_number));
    expect(ofType(out.events, 'RUNNER_STARTED')[0]).toMatchObject({ sprint_plan: 'kickoff' });

    // The compatibility copy of the sprint plan (../../docs/spec/runner-behaviour.md §10.3).
    const cache = JSON.parse(readFileSync(env.RUNNER_SPRINT_PLAN_PATH!, 'utf8'));
    expect(cache).toMatchObject({ version: 1, sprint: SPRINT, goal: { issue_number: goal!.issue_number } });
    expect(cache.tasks).toHaveLength(4);

    // Codex ran the kickoff read-only: the first codex call of the agent emulator is the plan.
    const calls = readFileSync(env.AGENT_EVENTS_LOG!, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(calls.length).toBeGreaterThanOrEqual(9);

    // Items started from the sprint plan carry their titles (Web UI summary, item status, details).
    const first = await temporal.client.workflow.getHandle(`sprint-${SPRINT}-item-${tasks[0]!.issue_number}`).describe();
    expect(await first.staticSummary()).toBe(`${SPRINT} · #${tasks[0]!.issue_number} [TASK] Add the users table`);

    const histories = await fetchHistories(temporal.client, [`sprint-${SPRINT}`, ...tasks.map((task) => `sprint-${SPRINT}-item-${task.issue_number}`)]);
    await expect(replayHistories(histories)).resolves.toBe(5);
  });

  it('kickoff only (no --once/--loop): applies the plan, promotes the ready set, runs no orchestrator tick, exit 0', async () => {
    const out = await run(['--kickoff', '--goal', GOAL, '--ready-limit', '2'], env);
    expect(out.status).toBe(0);
    expect(JSON.parse(out.stdout.trim())).toMatchObject({ reason: 'kickoff-only', ticks: 0, kickoff: { status: 'APPLIED' } });
    expect(ofType(out.events, 'INTAKE_ROUTED')).toHaveLength(0);
    expect(ofType(out.events, 'RUNNER_STARTED')).toHaveLength(0);
    const ready = backend.board.listProjectItems().filter((item) => item.fields.Status === 'Ready');
    expect(ready).toHaveLength(2);
  });

  it('test_kickoff 9 / dry run: Codex still plans, nothing is applied or written (KICKOFF_DRY_RUN)', async () => {
    const out = await run(['--kickoff', '--goal', GOAL, '--dry-run'], env);
    expect(out.status).toBe(0);
    expect(JSON.parse(out.stdout.trim())).toMatchObject({ reason: 'kickoff-only', kickoff: { status: 'DRY_RUN', created: [] } });
    expect(ofType(out.events, 'KICKOFF_DRY_RUN')[0]).toMatchObject({ ready_set_titles: ['[TASK] Add the users table', '[TASK] Add the login form', '[TASK] Add the session API'] });
    expect(backend.board.listProjectItems()).toHaveLength(0);
    expect(backend.board.effectLog()).toHaveLength(0);
    expect(existsSync(env.RUNNER_SPRINT_PLAN_PATH!)).toBe(false);
  });

  it('a ready limit out of range stops before Codex runs (kickoff_invalid_ready_limit, exit 2)', async () => {
    const out = await run(['--kickoff', '--goal', GOAL, '--ready-limit', '5'], env);
    expect(out.status).toBe(2);
    expect(ofType(out.events, 'HARD_STOP')[0]).toMatchObject({ reason: 'kickoff_failed', code: 'kickoff_invalid_ready_limit', exit_code: 2 });
    expect(existsSync(env.AGENT_EVENTS_LOG!)).toBe(false);
  });

  it('a plan that breaks a rule is refused with its code and nothing is applied (exit 2)', async () => {
    const plan = { sprint: 'M1', goal_issue: {}, tasks: [], ready_set_titles: [] };
    const out = await run(['--kickoff', '--goal', GOAL], { ...env, AGENT_SCRIPT_JSON: JSON.stringify({ defaults: { text: JSON.stringify(plan) } }) });
    expect(out.status).toBe(2);
    expect(ofType(out.events, 'HARD_STOP')[0]).toMatchObject({ reason: 'kickoff_failed', code: 'kickoff_sprint_mismatch', details: { expected: SPRINT, actual: 'M1' } });
    expect(backend.board.listProjectItems()).toHaveLength(0);
  });

  it('output that is not JSON is re-asked once, then refused (worker_invalid_output, exit 2)', async () => {
    const out = await run(['--kickoff', '--goal', GOAL], { ...env, AGENT_SCRIPT_JSON: JSON.stringify({ defaults: { mode: 'garbage', reply: 'garbage' } }) });
    expect(out.status).toBe(2);
    expect(ofType(out.events, 'HARD_STOP')[0]).toMatchObject({ reason: 'kickoff_failed', code: 'worker_invalid_output' });
    const calls = readFileSync(env.AGENT_EVENTS_LOG!, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(calls.map((call) => call.tool)).toEqual(['codex', 'codex-reply']);
  });

  it('plan-apply failing part way reports what was created and is never retried (kickoff_backend_error, exit 2)', async () => {
    backend.faults.add({ route: '/internal/plan-apply', mode: 'partial_fail', index: 2, step: 'add_to_project', error: 'GitHub said no' });
    const out = await run(['--kickoff', '--goal', GOAL], env);
    expect(out.status).toBe(2);
    const hardStop = ofType(out.events, 'HARD_STOP')[0]!;
    expect(hardStop).toMatchObject({
      reason: 'kickoff_failed',
      code: 'kickoff_backend_error',
      details: { status_code: 502, partial: { failed: { index: 2, step: 'add_to_project' } } },
    });
    expect(String(hardStop.error)).toContain('already created: #');
    expect(backend.board.effectLog().filter((entry) => entry.kind === 'issue_created')).toHaveLength(3);
    // Every issue that exists is listed, the third one without its project item (#20).
    const listed = (hardStop.details as { partial: { created: Array<{ index: number; incomplete?: string }> } }).partial.created;
    expect(listed.map((entry) => entry.index)).toEqual([0, 1, 2]);
    expect(listed[2]!.incomplete).toContain('not added to the project');
  });

  // ---- #20: kickoff exactly once ----
  // Every test of this file kicks off sprint-M4 in one namespace; each gets a fresh backend, and a
  // kickoff record only counts for the backend it was applied to, so earlier tests do not interfere.
  // Within a test, the runs share the backend: that is the "same kickoff twice" an operator does.
  const issuesCreated = () => backend.board.effectLog().filter((entry) => entry.kind === 'issue_created').length;
  const planApplyCalls = () => backend.faults.stats().calls['/internal/plan-apply'] ?? 0;
  const codexCalls = () => (existsSync(env.AGENT_EVENTS_LOG!) ? readFileSync(env.AGENT_EVENTS_LOG!, 'utf8').trim().split('\n').filter(Boolean).length : 0);
  const hardStopOf = (out: { events: Array<Record<string, unknown>> }) => ofType(out.events, 'HARD_STOP')[0] as Record<string, any>;

  it('the same kickoff twice: the second is refused before Codex with kickoff_already_done and creates nothing; --replan plans a new set', async () => {
    const first = await run(['--kickoff', '--goal', GOAL, '--ready-limit', '2'], env);
    expect(first.status).toBe(0);
    const goalIssue = JSON.parse(first.stdout.trim()).kickoff.created[0].issue_number as number;
    const boardAfterFirst = backend.board.listProjectItems().map((item) => [item.issue_number, item.fields.Status]);
    expect(issuesCreated()).toBe(5);
    const [calls, codex] = [planApplyCalls(), codexCalls()];

    const second = await run(['--kickoff', '--goal', GOAL, '--ready-limit', '2'], env);
    expect(second.status).toBe(2);
    const refusal = hardStopOf(second);
    expect(refusal).toMatchObject({ reason: 'kickoff_failed', code: 'kickoff_already_done', exit_code: 2, details: { status_command: `sprint-runner status --sprint ${SPRINT}` } });
    // Both the earlier run's kickoff record and the sprint plan file name the goal issue.
    expect(refusal.details.existing.map((found: { source: string }) => found.source).sort()).toEqual(['plan_file', 'workflow']);
    expect(String(refusal.error)).toContain(`goal issue #${goalIssue}`);
    expect(String(refusal.error)).toContain(`sprint-runner status --sprint ${SPRINT}`);
    expect(issuesCreated()).toBe(5);
    expect(planApplyCalls()).toBe(calls);
    expect(codexCalls()).toBe(codex); // refused before Codex planned
    expect(JSON.parse(readFileSync(env.RUNNER_SPRINT_PLAN_PATH!, 'utf8')).goal.issue_number).toBe(goalIssue);

    // --replan, as documented: existing issues stay as they are, a new set is created, the sprint plan is replaced.
    const replan = await run(['--kickoff', '--goal', GOAL, '--ready-limit', '2', '--replan'], env);
    expect(replan.status).toBe(0);
    expect(ofType(replan.events, 'KICKOFF_REPLAN')[0]).toMatchObject({ sprint: SPRINT });
    expect(issuesCreated()).toBe(10);
    const newGoal = JSON.parse(replan.stdout.trim()).kickoff.created[0].issue_number as number;
    expect(newGoal).not.toBe(goalIssue);
    const statusOf = new Map(backend.board.listProjectItems().map((item) => [item.issue_number, item.fields.Status]));
    for (const [issue, status] of boardAfterFirst) expect(statusOf.get(issue as number)).toBe(status);
    expect(JSON.parse(readFileSync(env.RUNNER_SPRINT_PLAN_PATH!, 'utf8')).goal.issue_number).toBe(newGoal);
    // --replan needs a kickoff.
    const noKickoff = await run(['--replan'], env);
    expect(noKickoff.status).toBe(2);
    expect(noKickoff.stderr).toContain('--replan requires --kickoff');
  });

  it('a lost plan-apply answer (the backend applied, then never answered) ends at once with kickoff_apply_unknown; a re-run is refused and creates nothing', async () => {
    backend.faults.add({ route: '/internal/plan-apply', mode: 'timeout', phase: 'after', count: 1 });
    const startedAt = Date.now();
    const out = await run(['--kickoff', '--goal', GOAL], { ...env, BACKEND_TIMEOUT_S: '3' });
    expect(out.status).toBe(2);
    expect(Date.now() - startedAt).toBeLessThan(60_000);
    const hardStop = hardStopOf(out);
    expect(hardStop).toMatchObject({ reason: 'kickoff_failed', code: 'kickoff_apply_unknown', details: { sprint: SPRINT, drafted_titles: expect.any(Array) } });
    expect(hardStop.details.kickoff_id).toMatch(new RegExp(`^sprint-${SPRINT}/`));
    expect(String(hardStop.error)).toContain(`sprint-runner run --sprint ${SPRINT} --loop`);
    expect(issuesCreated()).toBe(5);

    const again = await run(['--kickoff', '--goal', GOAL], env);
    expect(again.status).toBe(2);
    expect(hardStopOf(again)).toMatchObject({ code: 'kickoff_already_done' });
    expect(String(hardStopOf(again).error)).toContain('plan-apply outcome unknown: issues may exist');
    expect(issuesCreated()).toBe(5);
    expect(planApplyCalls()).toBe(1);
  });

  it('a plan whose dependencies form a cycle is refused before plan-apply, naming the tasks that could never be promoted', async () => {
    // The agent emulator turns "(after: X)" into depends_on_titles.
    const cyclic =
      'Ship password login\n- Add the users table (after: Add the login form)\n- Add the login form (after: Add the users table)\n- Add the session API (after: Add the login form)\n- Add the audit log';
    const out = await run(['--kickoff', '--goal', cyclic], env);
    expect(out.status).toBe(2);
    const hardStop = hardStopOf(out);
    expect(hardStop).toMatchObject({
      reason: 'kickoff_failed',
      code: 'kickoff_dependency_cycle',
      details: {
        cycles: [['[TASK] Add the users table', '[TASK] Add the login form']],
        unpromotable: ['[TASK] Add the users table', '[TASK] Add the login form', '[TASK] Add the session API'],
      },
    });
    expect(ofType(out.events, 'KICKOFF_DEPENDENCY_CYCLE')[0]).toMatchObject({ unpromotable: expect.arrayContaining(['[TASK] Add the session API']) });
    expect(planApplyCalls()).toBe(0);
    expect(backend.board.listProjectItems()).toHaveLength(0);
  });
});
