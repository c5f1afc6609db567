/**
 * Orchestrator emulator CLI as a process: ../../docs/spec/backend-orchestrator-contract.md §E.1 scenarios, exit codes (§C.9), the items source
 * (file or the backend emulator), loop mode, the state-before-intents ordering, the real fixtures
 * (shape, keys, decisions; run ids and times differ) and the synthetic benchmark knob.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { type AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { type BackendEmulator, startBackendEmulator } from '../../emulators/backend';
import { REPO_ROOT, TSX_CJS, childEnv, http, item, jsonLines, runTs, tempDir } from './helpers';

const CLI = 'emulators/orchestrator/cli.ts';
const FIXTURES = join(__dirname, 'fixtures', 'orchestrator-45fae0b');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let backend: BackendEmulator;
beforeAll(async () => {
  backend = await startBackendEmulator({ port: 0 });
});
afterAll(async () => {
  await backend.close();
});
beforeEach(async () => {
  backend.preflight.status = 'PASS';
  backend.preflight.errors = [];
  backend.faults.clear();
  backend.board.seed({ items: [] });
});

function writeItems(dir: string, items: unknown): string {
  const path = join(dir, 'items.json');
  writeFileSync(path, typeof items === 'string' ? items : JSON.stringify(items));
  return path;
}

function orchestrate(env: Record<string, string>, args: string[] = ['--once'], cwd?: string) {
  const dir = cwd ?? tempDir('orch-');
  return runTs(CLI, args, childEnv({ ORCHESTRATOR_BACKEND_BASE_URL: backend.url, ORCHESTRATOR_STATE_PATH: join(dir, 'state.json'), ...env }), dir);
}

// ../../docs/spec/backend-orchestrator-contract.md §E.1
describe('orchestrator-cli scenarios', () => {
  it('1: ORCHESTRATOR_SPRINT="" → exit 2, ORCHESTRATOR_SPRINT is required', async () => {
    const res = await orchestrate({ ORCHESTRATOR_SPRINT: '' });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('ORCHESTRATOR_SPRINT is required');
  });

  it('2: an M1 item with Status "Unknown" → exit 3', async () => {
    const dir = tempDir('orch-');
    const res = await orchestrate({ ORCHESTRATOR_SPRINT: 'M1', ORCHESTRATOR_ITEMS_FILE: writeItems(dir, [item(1, 'Unknown')]) }, ['--once'], dir);
    expect(res.code).toBe(3);
    expect(res.stderr).toContain('unknown Status=Unknown');
  });

  it('3: an items file with HTML → exit 2, must contain valid JSON array', async () => {
    const dir = tempDir('orch-');
    const res = await orchestrate({ ORCHESTRATOR_SPRINT: 'M1', ORCHESTRATOR_ITEMS_FILE: writeItems(dir, '<html>oops</html>') }, ['--once'], dir);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('ORCHESTRATOR_ITEMS_FILE must contain valid JSON array');
  });

  it('an items file with a JSON object → exit 2, must contain a JSON array', async () => {
    const dir = tempDir('orch-');
    const res = await orchestrate({ ORCHESTRATOR_SPRINT: 'M1', ORCHESTRATOR_ITEMS_FILE: writeItems(dir, { items: [] }) }, ['--once'], dir);
    expect(res).toMatchObject({ code: 2, stderr: 'ORCHESTRATOR_ITEMS_FILE must contain a JSON array\n' });
  });

  it('4: a corrupt state file is backed up and reset; the cycle still runs', async () => {
    const dir = tempDir('orch-');
    writeFileSync(join(dir, 'state.json'), '<html>not json</html>');
    const res = await orchestrate({ ORCHESTRATOR_SPRINT: 'M1', ORCHESTRATOR_ITEMS_FILE: writeItems(dir, [item(1, 'Backlog')]) }, ['--once'], dir);
    expect(res.code).toBe(0);
    const events = jsonLines(res.stderr);
    expect(events.map((event) => event.type)).toEqual(['ORCHESTRATOR_STATE_RESET_INVALID_JSON', 'DISPATCH_SUMMARY']);
    expect(events[0]).toEqual({
      type: 'ORCHESTRATOR_STATE_RESET_INVALID_JSON',
      path: join(dir, 'state.json'),
      backup_path: expect.stringMatching(/state\.json\.corrupt-\d+$/),
      error: 'state file contains invalid JSON',
    });
    expect(readdirSync(dir).some((name) => /^state\.json\.corrupt-\d+$/.test(name))).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')).poll_count).toBe(1);
  });

  it('5: preflight FAIL with template_fetch_transient_exhausted → exit 4', async () => {
    backend.preflight.status = 'FAIL';
    backend.preflight.errors = [{ source: 'template', code: 'template_fetch_transient_exhausted', message: 'x' }];
    const res = await orchestrate({ ORCHESTRATOR_SPRINT: 'M1' });
    expect(res.code).toBe(4);
    expect(res.stderr).toContain('preflight failed for ORCHESTRATOR');
  });

  it('a plain preflight FAIL → exit 2; preflight HTTP 500 → exit 2', async () => {
    backend.preflight.status = 'FAIL';
    expect((await orchestrate({ ORCHESTRATOR_SPRINT: 'M1' })).code).toBe(2);
    backend.preflight.status = 'PASS';
    backend.faults.add({ route: '/internal/preflight', mode: 'http500' });
    const res = await orchestrate({ ORCHESTRATOR_SPRINT: 'M1' });
    expect(res).toMatchObject({ code: 2, stderr: 'preflight request failed: HTTP 500\n' });
  });

  it('6: an unreachable backend → exit 4', async () => {
    const res = await orchestrate({ ORCHESTRATOR_SPRINT: 'M1', ORCHESTRATOR_BACKEND_BASE_URL: 'http://127.0.0.1:1' });
    expect(res.code).toBe(4);
    expect(res.stderr).toMatch(/network request failed|fetch failed/);
  });

  it('7: only Done and Blocked → exit 0, no intents, END_OF_SPRINT_SUMMARY', async () => {
    backend.board.seed({ items: [item(1, 'Done'), item(2, 'Blocked')] });
    const res = await orchestrate({ ORCHESTRATOR_SPRINT: 'M1' });
    expect(res.code).toBe(0);
    expect(res.stdout).toBe('');
    const events = jsonLines(res.stderr);
    expect(events.map((event) => event.type)).toEqual(['DISPATCH_SUMMARY', 'END_OF_SPRINT_SUMMARY']);
    expect(events[1].awaiting_humans).toMatch(/^No Ready\/In Progress\/In Review items remain in Sprint/);
  });
});

// ../../docs/spec/backend-orchestrator-contract.md §C.1, §C.9
describe('configuration and exit codes', () => {
  it.each([
    [{ ORCHESTRATOR_MAX_EXECUTORS: '0' }, 'ORCHESTRATOR_MAX_EXECUTORS must be a positive integer'],
    [{ ORCHESTRATOR_MAX_REVIEWERS: '1.5' }, 'ORCHESTRATOR_MAX_REVIEWERS must be a positive integer'],
    [{ ORCHESTRATOR_POLL_INTERVAL_MS: 'soon', ORCHESTRATOR_STALL_MINUTES: '-1' }, 'ORCHESTRATOR_POLL_INTERVAL_MS must be a positive integer'],
    [{ ORCHESTRATOR_REVIEW_CHURN_POLLS: 'x' }, 'ORCHESTRATOR_REVIEW_CHURN_POLLS must be a positive integer'],
  ])('%j → exit 2 (checked before the sprint)', async (env, message) => {
    const res = await orchestrate({ ORCHESTRATOR_SPRINT: '', ...env });
    expect(res).toMatchObject({ code: 2, stderr: `${message}\n` });
  });

  it('REVIEWER_RETRY_POLLS is parsed inside the cycle, after preflight', async () => {
    const unreachable = await orchestrate({ ORCHESTRATOR_SPRINT: 'M1', ORCHESTRATOR_REVIEWER_RETRY_POLLS: '-1', ORCHESTRATOR_BACKEND_BASE_URL: 'http://127.0.0.1:1' });
    expect(unreachable.code).toBe(4);
    const reachable = await orchestrate({ ORCHESTRATOR_SPRINT: 'M1', ORCHESTRATOR_REVIEWER_RETRY_POLLS: '-1' });
    expect(reachable).toMatchObject({ code: 2, stderr: 'ORCHESTRATOR_REVIEWER_RETRY_POLLS must be a non-negative integer\n' });
  });

  it('a sprint outside the policy options → exit 3', async () => {
    const res = await orchestrate({ ORCHESTRATOR_SPRINT: 'M9' });
    expect(res).toMatchObject({ code: 3, stderr: 'ORCHESTRATOR_SPRINT=M9 is not allowed by policy/project-schema.json\n' });
  });

  it('an unsprinted item anywhere → exit 3', async () => {
    backend.board.seed({ items: [item(1, 'Ready'), { ...item(2, 'Ready'), fields: { Status: 'Ready' } }] });
    const res = await orchestrate({ ORCHESTRATOR_SPRINT: 'M1' });
    expect(res).toMatchObject({ code: 3, stderr: 'project item 2 missing Sprint\n' });
  });

  it('an incomplete TARGET_* override → exit 2 with the missing list', async () => {
    const res = await orchestrate({ ORCHESTRATOR_SPRINT: 'M1', TARGET_REPO_NAME: 'app' });
    expect(res.code).toBe(2);
    expect(res.stderr).toBe('target identity env override is incomplete (missing: TARGET_OWNER_LOGIN, TARGET_OWNER_TYPE, TARGET_PROJECT_NAME)\n');
  });

  it('the items listing failing with HTTP 5xx is not transient → exit 2', async () => {
    // /__admin is never faulted, so stand up a backend whose preflight passes and whose listing fails
    const server = createServer((request, response) => {
      const passing = request.url?.startsWith('/internal/preflight');
      response.writeHead(passing ? 200 : 503, { 'content-type': 'application/json' });
      response.end(JSON.stringify(passing ? { status: 'PASS', errors: [] } : { message: 'unavailable' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const res = await orchestrate({ ORCHESTRATOR_SPRINT: 'M1', ORCHESTRATOR_BACKEND_BASE_URL: `http://127.0.0.1:${port}` });
      expect(res).toMatchObject({ code: 2, stderr: 'GitHub GraphQL request failed: HTTP 503\n' });
    } finally {
      server.close();
    }
  });

  it('the default state path is ./.orchestrator-state.json in the cwd; --loop --once = once', async () => {
    const dir = tempDir('orch-');
    backend.board.seed({ items: [item(1, 'Backlog')] });
    const res = await runTs(CLI, ['--loop', '--verbose', '--once'], childEnv({ ORCHESTRATOR_SPRINT: 'M1', ORCHESTRATOR_BACKEND_BASE_URL: backend.url }), dir);
    expect(res.code).toBe(0);
    expect(existsSync(join(dir, '.orchestrator-state.json'))).toBe(true);
  });
});

describe('cycles against the backend emulator', () => {
  it('reads /__admin/items, emits intents with default caps 2/2, then dedupes on the next poll', async () => {
    backend.board.seed({ items: [item(10, 'Ready'), item(11, 'Ready'), item(12, 'Ready'), item(20, 'In Review'), item(30, 'Ready', { Sprint: 'M2' })] });
    const dir = tempDir('orch-');
    const first = await orchestrate({ ORCHESTRATOR_SPRINT: 'M1' }, ['--once'], dir);
    expect(first.code).toBe(0);
    const intents = jsonLines(first.stdout);
    expect(intents.map((intent) => `${intent.role}${intent.body.issue_number ? `#${intent.body.issue_number}` : ''}`)).toEqual(['EXECUTOR', 'EXECUTOR', 'REVIEWER#20']);
    for (const intent of intents) {
      expect(Object.keys(intent)).toEqual(['type', 'role', 'run_id', 'endpoint', 'body']);
      expect(intent.run_id).toMatch(UUID);
      expect(intent.body.run_id).toBe(intent.run_id);
    }
    const [summary] = jsonLines(first.stderr);
    expect(summary).toMatchObject({ type: 'DISPATCH_SUMMARY', intents_emitted: { EXECUTOR: 2, REVIEWER: 1, total: 3 }, skipped: { not_in_scope: 1, concurrency_limit: 1 } });

    // the claim intent works against the backend as-is
    const claimed = await http('POST', `${backend.url}${intents[0].endpoint}`, intents[0].body);
    expect(claimed.body.claimed.issue_number).toBe(10);

    const second = await orchestrate({ ORCHESTRATOR_SPRINT: 'M1' }, ['--once'], dir);
    // #11 and #20 are deduped; #12 (capped last poll) now gets its first dispatch
    expect(jsonLines(second.stdout)).toHaveLength(1);
    expect(jsonLines(second.stderr)[0]).toMatchObject({ poll_count: 2, skipped: { dedupe_same_status: 2 } });
  });

  it('writes the state file before printing the intents (the real ordering hazard)', async () => {
    backend.board.seed({ items: [item(10, 'Ready')] });
    const dir = tempDir('orch-');
    const statePath = join(dir, 'state.json');
    const child = spawn(process.execPath, ['--require', TSX_CJS, join(REPO_ROOT, CLI), '--loop'], {
      cwd: dir,
      env: childEnv({ ORCHESTRATOR_SPRINT: 'M1', ORCHESTRATOR_BACKEND_BASE_URL: backend.url, ORCHESTRATOR_STATE_PATH: statePath, ORCHESTRATOR_POLL_INTERVAL_MS: '60000' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
    // read synchronously at the moment the first intent arrives
    const state = JSON.parse(readFileSync(statePath, 'utf8'));
    expect(state.items.PVTI_10.last_run_id).toBe(JSON.parse(line).run_id);
    child.kill('SIGTERM');
    await once(child, 'exit');
  });

  it('--loop polls until the sprint completes, then exits 0', async () => {
    backend.board.seed({ items: [item(10, 'In Progress')] });
    const dir = tempDir('orch-');
    const child = spawn(process.execPath, ['--require', TSX_CJS, join(REPO_ROOT, CLI), '--loop'], {
      cwd: dir,
      env: childEnv({
        ORCHESTRATOR_SPRINT: 'M1',
        ORCHESTRATOR_BACKEND_BASE_URL: backend.url,
        ORCHESTRATOR_STATE_PATH: join(dir, 'state.json'),
        ORCHESTRATOR_POLL_INTERVAL_MS: '50',
      }),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const events: { type: string; poll_count?: number }[] = [];
    createInterface({ input: child.stderr }).on('line', (text) => {
      events.push(JSON.parse(text));
      if (events.length === 2) backend.board.setField('PVTI_10', 'Status', 'Done');
    });
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(0);
    expect(events.at(-1)?.type).toBe('END_OF_SPRINT_SUMMARY');
    expect(events.filter((event) => event.type === 'DISPATCH_SUMMARY').length).toBeGreaterThanOrEqual(3);
  });

  it('--loop retries transient errors with ORCHESTRATOR_CYCLE_TRANSIENT_ERROR and writes no state', async () => {
    const dir = tempDir('orch-');
    const child = spawn(process.execPath, ['--require', TSX_CJS, join(REPO_ROOT, CLI), '--loop'], {
      cwd: dir,
      env: childEnv({
        ORCHESTRATOR_SPRINT: 'M1',
        ORCHESTRATOR_BACKEND_BASE_URL: 'http://127.0.0.1:1',
        ORCHESTRATOR_STATE_PATH: join(dir, 'state.json'),
        ORCHESTRATOR_POLL_INTERVAL_MS: '30',
      }),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const lines = createInterface({ input: child.stderr });
    const events: Record<string, unknown>[] = [];
    await new Promise<void>((resolve) =>
      lines.on('line', (text) => {
        events.push(JSON.parse(text));
        if (events.length === 3) resolve();
      }),
    );
    child.kill('SIGTERM');
    await once(child, 'exit');
    expect(events[0]).toEqual({
      type: 'ORCHESTRATOR_CYCLE_TRANSIENT_ERROR',
      code: 'transient_network_error',
      error: 'preflight network request failed: fetch failed',
      retry_in_ms: 30,
    });
    expect(existsSync(join(dir, 'state.json'))).toBe(false);
  });
});

describe('fixtures from the real orchestrator (45fae0b), via the CLI', () => {
  const read = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');
  const fixtureEnv = (dir: string, name: string) => ({
    ORCHESTRATOR_SPRINT: 'M1',
    ORCHESTRATOR_MAX_EXECUTORS: '3',
    ORCHESTRATOR_MAX_REVIEWERS: '2',
    ORCHESTRATOR_ITEMS_FILE: join(FIXTURES, `${name}.items.json`),
    ORCHESTRATOR_STATE_PATH: join(dir, 'state.json'),
  });
  /** Run ids and timestamps differ per run: compare everything else. */
  const normalise = (text: string) =>
    text.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>').replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g, '<time>');

  it('cycle-ready-review, end-of-sprint and human-rework match line for line', async () => {
    const dir = tempDir('fixture-');
    const cycle = await orchestrate(fixtureEnv(dir, 'cycle-ready-review'), ['--once'], dir);
    expect(cycle.code).toBe(0);
    expect(normalise(cycle.stdout)).toBe(normalise(read('cycle-ready-review.stdout.jsonl')));
    expect(normalise(cycle.stderr)).toBe(normalise(read('cycle-ready-review.stderr.jsonl')));
    expect(normalise(readFileSync(join(dir, 'state.json'), 'utf8'))).toBe(normalise(read('cycle-ready-review.state-after.json')));
    // run ids tie intents, summary and state together exactly as in the fixture
    const intents = jsonLines(cycle.stdout);
    const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'));
    expect(intents.map((intent) => intent.run_id)).toEqual(['PVTI_10', 'PVTI_11', 'PVTI_12'].map((id) => state.items[id].last_run_id));

    const reworkDir = tempDir('fixture-');
    const end = await orchestrate(fixtureEnv(reworkDir, 'end-of-sprint'), ['--once'], reworkDir);
    expect(end.code).toBe(0);
    expect(end.stdout).toBe('');
    expect(end.stderr).toBe(read('end-of-sprint.stderr.jsonl'));

    const rework = await orchestrate(fixtureEnv(reworkDir, 'human-rework'), ['--once'], reworkDir);
    expect(rework.code).toBe(0);
    expect(normalise(rework.stdout)).toBe(normalise(read('human-rework.stdout.jsonl')));
    expect(normalise(rework.stderr)).toBe(normalise(read('human-rework.stderr.jsonl')));
    expect(normalise(readFileSync(join(reworkDir, 'state.json'), 'utf8'))).toBe(normalise(read('human-rework.state-after.json')));
  });
});

describe('ORCHESTRATOR_EMULATOR_SYNTHETIC_INTENTS (benchmark knob)', () => {
  it('emits 10,000 valid REVIEWER intents without truncation, then a summary', async () => {
    const res = await runTs(CLI, ['--once'], childEnv({ ORCHESTRATOR_SPRINT: 'M1', ORCHESTRATOR_EMULATOR_SYNTHETIC_INTENTS: '10000' }), tempDir('synthetic-'));
    expect(res.code).toBe(0);
    expect(res.stdout.endsWith('\n')).toBe(true);
    const intents = res.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(intents).toHaveLength(10000);
    expect(intents.map((intent) => intent.body.issue_number)).toEqual(Array.from({ length: 10000 }, (_, i) => i + 1));
    expect(new Set(intents.map((intent) => intent.run_id)).size).toBe(10000);
    expect(intents[9999]).toEqual({
      type: 'RUN_INTENT',
      role: 'REVIEWER',
      run_id: intents[9999].run_id,
      endpoint: '/internal/reviewer/resolve-linked-pr',
      body: { role: 'REVIEWER', issue_number: 10000, run_id: intents[9999].run_id },
    });
    const [summary] = jsonLines(res.stderr);
    expect(summary).toMatchObject({ type: 'DISPATCH_SUMMARY', intents_emitted: { EXECUTOR: 0, REVIEWER: 10000, total: 10000 }, completed: false });
  });
});
