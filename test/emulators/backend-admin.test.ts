/** Backend emulator: admin API, fault injection, persistence and the main.ts process. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startBackendEmulator } from '../../emulators/backend';
import { seededRandom } from '../../emulators/backend/faults';
import { REPO_ROOT, RUN_A, TSX_CJS, childEnv, http, item, runMarkerBody, tempDir, useBackend } from './helpers';

const PREFLIGHT = '/internal/preflight?role=EXECUTOR';

describe('admin API', () => {
  const api = useBackend(() => ({ itemsFile: join(REPO_ROOT, 'examples', 'items.json') }));

  // ../../docs/spec/backend-orchestrator-contract.md §B.1
  it('GET /items is the listProjectItems() listing of the example board (titles live on the issues)', async () => {
    const items = (await api.get('/__admin/items')).body;
    expect(items).toHaveLength(8);
    expect(items[0]).toEqual({
      project_item_id: 'PVTI_21',
      issue_number: 21,
      issue_url: 'https://github.com/acme/app/issues/21',
      fields: { Status: 'Ready', Size: 'S', Area: 'api', Priority: 'P0', Sprint: 'M1' },
    });
    expect(items.filter((row: { fields: { Sprint: string } }) => row.fields.Sprint === 'M2')).toHaveLength(1);
    const board = (await api.get('/__admin/board')).body;
    expect(board.issues.find((issue: { number: number }) => issue.number === 21).title).toBe('[TASK] Add GET /health endpoint');
    // the example In Review item has a resolvable PR
    expect((await api.post('/internal/reviewer/resolve-linked-pr', { role: 'REVIEWER', issue_number: 25 })).status).toBe(200);
  });

  it('human status edits ignore policy, are logged, and reject unknown options', async () => {
    const res = await api.post('/__admin/items/PVTI_26/status', { status: 'Done' });
    expect(res.body).toEqual({ project_item_id: 'PVTI_26', from: 'Needs Human Approval', to: 'Done' });
    expect((await api.post('/__admin/items/PVTI_26/status', { status: 'Shipped' })).status).toBe(400);
    expect((await api.post('/__admin/items/PVTI_nope/status', { status: 'Done' })).status).toBe(404);
    expect((await api.get('/__admin/log')).body).toEqual([
      expect.objectContaining({ seq: 1, kind: 'transition', project_item_id: 'PVTI_26', from: 'Needs Human Approval', to: 'Done', role: 'HUMAN' }),
    ]);
  });

  it('PR lifecycle: open → push (new head_sha) → merge, each logged', async () => {
    const pr = (await api.post('/__admin/prs', { issue_number: 21, body: runMarkerBody(21, 'PVTI_21'), run_id: RUN_A })).body;
    expect(pr).toMatchObject({ number: 42, html_url: 'https://github.com/acme/app/pull/42', head_ref: 'executor/issue-21', state: 'open', issue_number: 21 });
    expect(pr.head_sha).toMatch(/^[0-9a-f]{40}$/);
    const pushed = (await api.post('/__admin/prs/42/push')).body;
    expect(pushed.head_sha).not.toBe(pr.head_sha);
    expect((await api.post('/__admin/prs/42/merge')).body.state).toBe('merged');
    expect((await api.post('/__admin/prs/999/merge')).status).toBe(404);
    const log = (await api.get('/__admin/log?since=0')).body;
    expect(log.map((entry: { kind: string }) => entry.kind)).toEqual(['pr_opened', 'pr_pushed', 'pr_merged']);
    expect(log[0]).toMatchObject({ role: 'EXECUTOR', run_id: RUN_A, pr_number: 42, issue_number: 21 });
    expect((await api.get('/__admin/log?since=2')).body).toHaveLength(1);
  });

  it('issue comments get increasing ids; unknown issues 404', async () => {
    const first = (await api.post('/__admin/issues/21/comments', { body: 'a' })).body;
    const second = (await api.post('/__admin/issues/22/comments', { body: 'b' })).body;
    expect(second.id).toBeGreaterThan(first.id);
    expect(first.html_url).toBe(`https://github.com/acme/app/issues/21#issuecomment-${first.id}`);
    expect((await api.post('/__admin/issues/999/comments', { body: 'c' })).status).toBe(404);
  });

  it('counters count across callers', async () => {
    expect((await api.post('/__admin/counters/attempts:PVTI_21/increment')).body).toEqual({ value: 1 });
    expect((await api.post('/__admin/counters/attempts:PVTI_21/increment')).body).toEqual({ value: 2 });
    expect((await api.post('/__admin/counters/other/increment')).body).toEqual({ value: 1 });
  });

  it('POST /seed replaces the board', async () => {
    await api.post('/__admin/seed', { items: [item(5, 'Ready')], issues: { '5': 'Seeded title' } });
    expect((await api.get('/__admin/items')).body.map((row: { issue_number: number }) => row.issue_number)).toEqual([5]);
    expect((await api.get('/__admin/board')).body.issues[0].title).toBe('Seeded title');
    expect((await api.post('/__admin/seed', { nope: true })).status).toBe(400);
  });

  it('invalid admin bodies → 400 with a readable message', async () => {
    const res = await api.post('/__admin/faults', { route: '*', mode: 'explode' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/mode/);
  });
});

describe('fault injection', () => {
  const api = useBackend(() => ({ items: [item(21, 'Ready')] }));
  const fault = (rule: Record<string, unknown>) => api.post('/__admin/faults', rule);

  it('http500 / http502 on one route; other routes and /__admin unaffected; stats count both', async () => {
    await fault({ route: '/internal/preflight', mode: 'http500' });
    expect(await api.get(PREFLIGHT)).toMatchObject({ status: 500, body: { statusCode: 500, error: 'Internal Server Error' } });
    expect((await api.get('/internal/agent-context?role=EXECUTOR')).status).toBe(200);
    await api.del('/__admin/faults');
    await fault({ route: '*', mode: 'http502' });
    expect(await api.get(PREFLIGHT)).toMatchObject({ status: 502, body: { error: expect.any(String) } });
    expect((await api.get('/__admin/items')).status).toBe(200);
    expect((await api.get('/__admin/stats')).body).toEqual({
      calls: { '/internal/preflight': 2, '/internal/agent-context': 1 },
      faults: { '/internal/preflight': 2 },
    });
  });

  it('nth + count: fail calls 2 and 3 only', async () => {
    await fault({ route: '/internal/preflight', mode: 'http500', nth: 2, count: 2 });
    const statuses = [];
    for (let i = 0; i < 5; i += 1) statuses.push((await api.get(PREFLIGHT)).status);
    expect(statuses).toEqual([200, 500, 500, 200, 200]);
  });

  it('rate faults are deterministic for a seed', async () => {
    const pattern = async () => {
      await api.del('/__admin/faults');
      await fault({ route: '/internal/preflight', mode: 'http502', rate: 0.5, seed: 42 });
      const statuses = [];
      for (let i = 0; i < 12; i += 1) statuses.push((await api.get(PREFLIGHT)).status);
      return statuses;
    };
    const first = await pattern();
    expect(await pattern()).toEqual(first);
    expect(first).toContain(200);
    expect(first).toContain(502);
    const random = seededRandom(42);
    expect(first).toEqual(Array.from({ length: 12 }, () => (random() < 0.5 ? 502 : 200)));
  });

  it('latency delays the answer', async () => {
    await fault({ route: '/internal/preflight', mode: 'latency', latencyMs: 150 });
    const started = Date.now();
    expect((await api.get(PREFLIGHT)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('reset destroys the socket before the route runs (no claim happens)', async () => {
    await fault({ route: '/internal/executor/claim-ready-item', mode: 'reset', count: 1 });
    await expect(api.post('/internal/executor/claim-ready-item', { role: 'EXECUTOR', run_id: RUN_A })).rejects.toThrow(/fetch failed/);
    expect(api.emu.board.getItem('PVTI_21')?.fields.Status).toBe('Ready');
  });

  it('reset after the route ran: the effect happened but the answer is lost', async () => {
    await fault({ route: '/internal/executor/claim-ready-item', mode: 'reset', phase: 'after', count: 1 });
    await expect(api.post('/internal/executor/claim-ready-item', { role: 'EXECUTOR', run_id: RUN_A })).rejects.toThrow(/fetch failed/);
    expect(api.emu.board.getItem('PVTI_21')?.fields.Status).toBe('In Progress');
  });

  it('http500 after the route ran keeps the effect', async () => {
    await fault({ route: '/internal/project-item/update-field', mode: 'http500', phase: 'after' });
    const res = await api.post('/internal/project-item/update-field', { role: 'ORCHESTRATOR', project_item_id: 'PVTI_21', field: 'Priority', value: 'P2' });
    expect(res.status).toBe(500);
    expect(api.emu.board.getItem('PVTI_21')?.fields.Priority).toBe('P2');
  });

  it('timeout never answers until the client gives up', async () => {
    await fault({ route: '/internal/preflight', mode: 'timeout' });
    const started = Date.now();
    await expect(fetch(`${api.emu.url}${PREFLIGHT}`, { signal: AbortSignal.timeout(300) })).rejects.toThrow();
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
  });
});

describe('close() with a hung request', () => {
  it('closes promptly even while a timeout fault holds a request open', async () => {
    const emu = await startBackendEmulator({ port: 0 });
    await http('POST', `${emu.url}/__admin/faults`, { route: '*', mode: 'timeout' });
    const hung = fetch(`${emu.url}${PREFLIGHT}`).catch((err: Error) => err);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await emu.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await hung).toHaveProperty('name', 'TypeError'); // fetch failed: the socket was closed, no answer
  });
});

describe('persistence', () => {
  it('saves after each mutation and loads on start (the seed is ignored then)', async () => {
    const dir = tempDir('persist-');
    const persistPath = join(dir, 'board.json');
    const first = await startBackendEmulator({ port: 0, persistPath, items: [item(21, 'Ready'), item(22, 'Ready')] });
    await http('POST', `${first.url}/internal/executor/claim-ready-item`, { role: 'EXECUTOR', run_id: RUN_A, sprint: 'M1' });
    await http('POST', `${first.url}/__admin/counters/k/increment`);
    await first.close();
    expect(existsSync(persistPath)).toBe(true);
    expect(existsSync(`${persistPath}.tmp-${process.pid}`)).toBe(false);

    const second = await startBackendEmulator({ port: 0, persistPath, items: [item(99, 'Ready')] });
    try {
      const items = (await http('GET', `${second.url}/__admin/items`)).body;
      expect(items.map((row: { fields: { Status: string } }) => row.fields.Status)).toEqual(['In Progress', 'Ready']);
      expect((await http('POST', `${second.url}/__admin/counters/k/increment`)).body).toEqual({ value: 2 });
      expect((await http('GET', `${second.url}/__admin/log`)).body.map((entry: { kind: string }) => entry.kind)).toEqual(['comment', 'transition', 'claim']);
      // comment ids keep increasing across restarts
      const comment = (await http('POST', `${second.url}/__admin/issues/21/comments`, { body: 'x' })).body;
      expect(comment.id).toBe(1002);
    } finally {
      await second.close();
    }
    expect(JSON.parse(readFileSync(persistPath, 'utf8')).version).toBe(1);
  });
});

describe('main.ts process', () => {
  it('prints EMULATOR_READY, serves, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--require', TSX_CJS, join(REPO_ROOT, 'emulators/backend/main.ts'), '--port', '0', '--items', 'examples/items.json'], {
      cwd: REPO_ROOT,
      env: childEnv({}),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
    const ready = JSON.parse(line);
    expect(ready).toMatchObject({ type: 'EMULATOR_READY', emulator: 'backend', url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) });
    expect((await http('GET', `${ready.url}/__admin/items`)).body).toHaveLength(8);
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(0);
  });
});
