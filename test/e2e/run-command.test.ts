/**
 * `sprint-runner run` as an operator runs it: a real CLI process with its in-process worker, the
 * real server, the emulators; exit codes as the old runner's.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBackendEmulator, type BackendEmulator } from '../../emulators/backend';
import { connectTestTemporal, testAddress, uniqueTaskQueue, type TestTemporal } from '../support/temporal';
import { AGENT_BIN, ORCHESTRATOR_CMD, boardItem } from '../support/e2e';
import { runCli } from '../support/run-cli';

const item = (n: number, status: string) => boardItem(n, status, 'M2');
const run = (args: string[], env: Record<string, string>) => runCli(['run', ...args], env);

describe('sprint-runner run (real CLI process)', () => {
  let temporal: TestTemporal;
  let backend: BackendEmulator;
  let env: Record<string, string>;
  beforeAll(async () => {
    temporal = await connectTestTemporal('sr-run');
  });
  afterEach(async () => {
    await backend?.close();
    for (const n of [301, 302, 311, 312, 313])
      await temporal.client.workflow
        .getHandle(`sprint-M2-item-${n}`)
        .terminate()
        .catch(() => undefined);
    // A `--loop` sprint stays open awaiting humans: the next test starts its own.
    for (const id of ['sprint-M1', 'sprint-M2'])
      await temporal.client.workflow
        .getHandle(id)
        .terminate('test done')
        .catch(() => undefined);
  });
  afterAll(async () => temporal.close());

  async function rig(items: ReturnType<typeof item>[]) {
    backend = await startBackendEmulator({ items });
    env = {
      TEMPORAL_ADDRESS: testAddress(),
      TEMPORAL_NAMESPACE: 'sr-run',
      TEMPORAL_TASK_QUEUE: uniqueTaskQueue('run'),
      BACKEND_BASE_URL: backend.url,
      ORCHESTRATOR_STATE_PATH: join(mkdtempSync(join(tmpdir(), 'sr-run-')), 'state.json'),
      RUNNER_ORCHESTRATOR_CMD: ORCHESTRATOR_CMD,
      CODEX_BIN: AGENT_BIN,
      ORCHESTRATOR_POLL_INTERVAL_MS: '300',
      CODEX_TOOLS_CALL_TIMEOUT_S: '60',
    };
  }

  it('--once: one tick, waits for the runs it started, exits 0', async () => {
    await rig([item(301, 'Ready')]);
    const out = await run(['--once', '--sprint', 'M2'], env);
    expect(out.status).toBe(0);
    expect(JSON.parse(out.stdout.trim())).toMatchObject({ sprint: 'M2', reason: 'once', intentsRouted: 1 });
    expect(out.stderr).toContain('"type":"WORKER_FINISHED"');
    expect(backend.board.listProjectItems()[0]!.fields.Status).toBe('In Review');
  });

  it('retries show in the summary: a 502 on the bundle fetch costs the Codex activity one attempt', async () => {
    await rig([item(302, 'Ready')]);
    backend.faults.add({ route: '/internal/agent-context', mode: 'http502', count: 1 });
    const out = await run(['--once', '--sprint', 'M2'], env);
    expect(out.status).toBe(0);
    const result = JSON.parse(out.stdout.trim());
    expect(result.retries).toMatchObject({ total: 1, byActivity: { runCodexWorker: 1 }, byWorkflow: { 'sprint-M2-item-302': 1 } });
    expect(out.stderr).toContain('"type":"SPRINT_RETRIES","total":1');
    expect(backend.board.listProjectItems()[0]!.fields.Status).toBe('In Review');
  });

  it('malformed item data from the orchestrator → exit 3', async () => {
    await rig([{ ...item(302, 'Ready'), fields: { ...item(302, 'Ready').fields, Status: 'Unknown' } }]);
    const out = await run(['--loop', '--sprint', 'M2'], env);
    expect(out.status).toBe(3);
    expect(out.stderr).toContain('"type":"SPRINT_FAILED","exit_code":3');
    expect(out.stderr).toContain('unknown Status=Unknown');
  });

  it("the old runner's flag rules exit 2 with CONFIG_ERROR before anything starts", async () => {
    await rig([]);
    const noSprint = await run(['--loop', '--dry-run'], env);
    expect(noSprint.status).toBe(2);
    expect(noSprint.stderr).toContain('"error":"sprint is required"');
    const goalWithoutKickoff = await run(['--goal-file', 'goal.txt', '--once', '--sprint', 'M2'], env);
    expect(goalWithoutKickoff.stderr).toContain('requires --kickoff');
    const kickoffWithoutGoal = await run(['--kickoff', '--once', '--sprint', 'M2'], env);
    expect(kickoffWithoutGoal.stderr).toContain('requires --goal or --goal-file');
    const both = await run(['--once', '--loop', '--sprint', 'M2'], env);
    expect(both.status).toBe(2);
  });

  it('an undeliverable batch (one run_id twice) → exit 2 intent_duplicate_run_id, nothing routed, one compact line each and no stack trace', async () => {
    await rig([item(321, 'In Review'), item(322, 'In Review')]);
    const runId = '5d1a8c2e-7b3f-4a9d-8e6c-1f2a3b4c5d6e';
    const line = (issue: number) =>
      JSON.stringify({
        type: 'RUN_INTENT',
        role: 'REVIEWER',
        run_id: runId,
        endpoint: '/internal/reviewer/resolve-linked-pr',
        body: { role: 'REVIEWER', issue_number: issue, run_id: runId },
      });
    const script = join(mkdtempSync(join(tmpdir(), 'sr-run-dup-')), 'orchestrator.js');
    writeFileSync(script, `process.stdout.write(${JSON.stringify(`${line(321)}\n${line(322)}\n`)});`);
    const out = await run(['--loop', '--sprint', 'M2'], { ...env, RUNNER_ORCHESTRATOR_CMD: `${process.execPath} ${script}` });
    expect(out.status).toBe(2);
    expect(out.events.filter((e) => e.type === 'INTENT_REFUSED')).toEqual([expect.objectContaining({ code: 'intent_duplicate_run_id', line: 2 })]);
    expect(out.events.find((e) => e.type === 'HARD_STOP')).toMatchObject({ reason: 'intent_error: intent_duplicate_run_id', exit_code: 2 });
    expect(out.events.filter((e) => e.type === 'WORKFLOW_FAILED')).toEqual([expect.objectContaining({ workflow_type: 'sprintWorkflow', workflow_id: 'sprint-M2' })]);
    expect(out.events.some((e) => e.type === 'INTAKE_ROUTED')).toBe(false);
    // No SDK warning with a stack trace for an expected refusal.
    expect(out.stderr).not.toMatch(/Activity failed|\[WARN\] Workflow failed|^\s+at /m);
    for (const n of [321, 322]) await expect(temporal.client.workflow.getHandle(`sprint-M2-item-${n}`).describe()).rejects.toThrow();
    expect(backend.board.effectLog()).toEqual([]);
  });

  it('preflight FAIL → exit 2 preflight_fail; nothing else runs', async () => {
    await rig([item(301, 'Ready')]);
    backend.preflight.status = 'FAIL';
    const out = await run(['--loop', '--sprint', 'M2'], env);
    expect(out.status).toBe(2);
    expect(out.events.find((e) => e.type === 'HARD_STOP')).toMatchObject({ reason: 'preflight_fail', exit_code: 2 });
    expect(out.events.some((e) => e.type === 'INTAKE_ROUTED')).toBe(false);
  });

  it('an unreachable backend is retried RUNNER_TRANSIENT_MAX_ATTEMPTS times, then exit 4', async () => {
    await rig([]);
    const out = await run(['--loop', '--sprint', 'M2'], { ...env, BACKEND_BASE_URL: 'http://127.0.0.1:9', RUNNER_TRANSIENT_MAX_ATTEMPTS: '2' });
    expect(out.status).toBe(4);
    expect(out.events.find((e) => e.type === 'HARD_STOP')).toMatchObject({ reason: 'transient_retries_exhausted', code: 'backend_unreachable', exit_code: 4 });
  });

  it('Codex without its GitHub MCP servers → exit 2 codex_mcp_missing before any tick (not checked in dry run)', async () => {
    await rig([item(301, 'Ready')]);
    const out = await run(['--loop', '--sprint', 'M2'], { ...env, AGENT_MCP_SERVERS: 'github:enabled,github_projects:disabled' });
    expect(out.status).toBe(2);
    expect(out.events.find((e) => e.type === 'HARD_STOP')).toMatchObject({
      reason: 'codex_mcp_missing',
      code: 'codex_mcp_servers_missing',
      details: { missing: ['github_projects'] },
    });
    expect(out.events.some((e) => e.type === 'INTAKE_ROUTED')).toBe(false);
    const dry = await run(['--once', '--dry-run', '--sprint', 'M2'], { ...env, AGENT_MCP_SERVERS: 'github:enabled,github_projects:disabled' });
    expect(dry.status).toBe(0);
    expect(dry.events.some((e) => e.type === 'DRY_RUN_WOULD_EXECUTE')).toBe(true);
  });

  describe('the sprint plan file (RUNNER_SPRINT_PLAN_PATH, read once at start)', () => {
    const scope = (owns: string, dependsOn: number[]) => ({ owns_paths: [owns], touch_paths: [owns], depends_on: dependsOn, isolation_mode: 'CHAINED' });
    // The old runner's cases 8/9: edges 311→312, 312→311, 312→313, 313→311 between overlapping owners.
    const tangled = {
      version: 1,
      sprint: 'M2',
      tasks: [311, 312, 313].map((n) => ({ title: `[TASK] ${n}`, issue_number: n, project_item_id: `PVTI_${n}`, priority: 'P0', depends_on_titles: [] })),
      sprint_plan: { 311: scope('apps/api', [312]), 312: scope('apps/api', [311, 313]), 313: scope('apps/api', [311]) },
    };
    const withPlan = async (plan: unknown) => {
      await rig([item(311, 'Backlog'), item(312, 'Backlog'), item(313, 'Backlog')]);
      const path = join(mkdtempSync(join(tmpdir(), 'sr-plan-')), 'sprint-plan.json');
      writeFileSync(path, typeof plan === 'string' ? plan : JSON.stringify(plan));
      env.RUNNER_SPRINT_PLAN_PATH = path;
    };

    it('not a JSON object → exit 2 sprint_plan_invalid naming the file', async () => {
      await withPlan('[1, 2]');
      const out = await run(['--loop', '--sprint', 'M2'], env);
      expect(out.status).toBe(2);
      expect(out.events.find((e) => e.type === 'HARD_STOP')).toMatchObject({ reason: 'sprint_plan_invalid', details: { path: env.RUNNER_SPRINT_PLAN_PATH } });
    });

    it('a cycle that survives patching with regen attempts left → exit 6 and the regen request file; nothing promoted', async () => {
      await withPlan(tangled);
      const out = await run(['--loop', '--sprint', 'M2'], { ...env, ORCHESTRATOR_SANITIZATION_REGEN_ATTEMPTS: '2' });
      expect(out.status).toBe(6);
      expect(out.events.find((e) => e.type === 'HARD_STOP')).toMatchObject({ reason: 'sanitization_regen_handoff_requested', exit_code: 6 });
      const request = JSON.parse(readFileSync(`${env.ORCHESTRATOR_STATE_PATH}.regen-request.json`, 'utf8'));
      expect(request).toMatchObject({ attempt: 1, tier: 'PLANNER_REGEN', context: { previous_sprint_plan: { sprint: 'M2' } } });
      expect(backend.board.effectLog().filter((entry) => entry.kind === 'transition')).toHaveLength(0);
    });

    it('the same graph with one regen attempt → exit 5 (regen exhausted)', async () => {
      await withPlan(tangled);
      const out = await run(['--loop', '--sprint', 'M2'], { ...env, ORCHESTRATOR_SANITIZATION_REGEN_ATTEMPTS: '1' });
      expect(out.status).toBe(5);
      expect(out.events.some((e) => e.type === 'sanitization_regen_exhausted')).toBe(true);
      expect(backend.board.effectLog().filter((entry) => entry.kind === 'transition')).toHaveLength(0);
    });
  });
});
