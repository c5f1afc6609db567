/** Backend emulator: ../../docs/spec/backend-orchestrator-contract.md §0 global behaviour, preflight (§A.1), agent-context (§A.2), run (§A.3). */
import { createHash } from 'node:crypto';
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_POLICY_DIR } from '../../emulators/backend';
import { RUN_A, item, tempDir, useBackend } from './helpers';

const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

// ../../docs/spec/backend-orchestrator-contract.md §0
describe('global backend facts', () => {
  const api = useBackend(() => ({ items: [item(21, 'Ready')] }));

  it('empty JSON body → Fastify FST_ERR_CTP_EMPTY_JSON_BODY', async () => {
    const res = await api.post('/internal/executor/claim-ready-item', '', { 'content-type': 'application/json' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      statusCode: 400,
      code: 'FST_ERR_CTP_EMPTY_JSON_BODY',
      error: 'Bad Request',
      message: "Body cannot be empty when content-type is set to 'application/json'",
    });
  });

  it('invalid JSON → 400 with the JSON.parse message and no code (Fastify 4 shape)', async () => {
    const res = await api.post('/internal/run', '{bad', { 'content-type': 'application/json' });
    expect(res.status).toBe(400);
    expect(Object.keys(res.body)).toEqual(['statusCode', 'error', 'message']);
    expect(res.body.message).toMatch(/JSON/);
  });

  it('text/plain body → the route answers body.role is required', async () => {
    const res = await api.post('/internal/project-item/update-field', 'role=EXECUTOR', { 'content-type': 'text/plain' });
    expect(res).toMatchObject({ status: 400, body: { error: 'body.role is required' } });
  });

  it.each(['GET:/internal/status', 'GET:/internal/kickoff', 'POST:/internal/sprint-seal'])('absent route %s → Fastify 404', async (spec) => {
    const [method, path] = spec.split(':');
    const res = method === 'GET' ? await api.get(path) : await api.post(path, {});
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ message: `Route ${method}:${path} not found`, error: 'Not Found', statusCode: 404 });
  });

  it('success bodies are application/json; charset=utf-8', async () => {
    const res = await api.get('/internal/preflight?role=EXECUTOR');
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
  });
});

describe('GET /internal/preflight', () => {
  const api = useBackend();

  it('PASS body shape and key order; the role is upper-cased', async () => {
    const res = await api.get('/internal/preflight?role=executor');
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(['role', 'bundle_hash', 'template', 'project_schema', 'status', 'errors']);
    expect(res.body).toMatchObject({
      role: 'EXECUTOR',
      template: { path: '.github/ISSUE_TEMPLATE/milestone-task.yml' },
      project_schema: { status: 'PASS', mismatches: [] },
      status: 'PASS',
      errors: [],
    });
    expect(res.body.bundle_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(res.body.template.size_bytes).toBeGreaterThan(0);
    expect(res.body.template.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    ['', "query parameter 'role' is required"],
    ['?role=', "query parameter 'role' is required"],
    ['?role=A&role=B', "query parameter 'role' is required"],
    ['?role=%20executor', 'role must be a valid filename token (letters, digits, underscore)'],
    ['?role=exec-utor', 'role must be a valid filename token (letters, digits, underscore)'],
  ])('400 for %j', async (query, error) => {
    const res = await api.get(`/internal/preflight${query}`);
    expect(res).toMatchObject({ status: 400, body: { error } });
  });

  it('a role without an overlay file → 500 required file is missing', async () => {
    const res = await api.get('/internal/preflight?role=PLANNER');
    expect(res).toMatchObject({ status: 500, body: { error: 'required file is missing', path: 'agents/PLANNER.md' } });
  });

  it('admin FAIL → 200 FAIL with a zeroed template and the configured errors', async () => {
    await api.post('/__admin/preflight', { status: 'FAIL' });
    const res = await api.get('/internal/preflight?role=ORCHESTRATOR');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'FAIL',
      template: { path: '.github/ISSUE_TEMPLATE/milestone-task.yml', size_bytes: 0, sha256: '' },
      project_schema: { status: 'PASS', mismatches: [] },
      errors: [{ source: 'template', path: '.github/ISSUE_TEMPLATE/milestone-task.yml', code: 'template_missing' }],
    });
    expect(Object.keys(res.body.errors[0])).toEqual(['source', 'path', 'code', 'message']);
  });

  it('admin transient mode → template_fetch_transient_exhausted', async () => {
    await api.post('/__admin/preflight', { status: 'FAIL', transient: true });
    const res = await api.get('/internal/preflight?role=ORCHESTRATOR');
    expect(res.body.errors.map((entry: { code: string }) => entry.code)).toEqual(['template_fetch_transient_exhausted']);
  });

  it('schema mismatch errors turn project_schema to FAIL with the mismatches', async () => {
    const mismatch = { source: 'project_schema', field: 'Sprint', kind: 'missing_field', expected: { type: 'single_select', options: ['M1', 'M2', 'M3', 'M4'] } };
    await api.post('/__admin/preflight', { status: 'FAIL', errors: [mismatch] });
    const res = await api.get('/internal/preflight?role=ORCHESTRATOR');
    expect(res.body.project_schema).toEqual({ status: 'FAIL', mismatches: [{ field: 'Sprint', kind: 'missing_field', expected: mismatch.expected }] });
    expect(res.body.template.size_bytes).toBeGreaterThan(0);
  });
});

describe('preflight identity (TARGET_* override)', () => {
  const api = useBackend(() => ({ env: { TARGET_OWNER_LOGIN: 'acme' } }));

  it('an incomplete override → 200 FAIL target_identity_missing_env with the missing list', async () => {
    const res = await api.get('/internal/preflight?role=ORCHESTRATOR');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'FAIL',
      project_schema: { status: 'FAIL', mismatches: [] },
      template: { size_bytes: 0, sha256: '' },
      errors: [
        {
          source: 'project_identity',
          path: 'policy/github-project.json',
          code: 'target_identity_missing_env',
          message: 'target identity env override is incomplete',
          missing: ['TARGET_OWNER_TYPE', 'TARGET_REPO_NAME', 'TARGET_PROJECT_NAME'],
        },
      ],
    });
  });
});

describe('GET /internal/agent-context', () => {
  const api = useBackend();

  it('serves the 6 bundle files in order with verifiable sha256, size and bundle_hash', async () => {
    const res = await api.get('/internal/agent-context?role=reviewer');
    expect(res.status).toBe(200);
    expect(res.body.role).toBe('REVIEWER');
    expect(res.body.files.map((file: { path: string }) => file.path)).toEqual([
      'AGENTS.md',
      'agents/REVIEWER.md',
      'policy/github-project.json',
      'policy/project-schema.json',
      'policy/transitions.json',
      'policy/role-permissions.json',
    ]);
    let concat = '';
    for (const file of res.body.files) {
      expect(Object.keys(file)).toEqual(['path', 'size_bytes', 'sha256', 'content']);
      expect(file.sha256).toBe(sha(file.content));
      expect(file.size_bytes).toBe(Buffer.byteLength(file.content, 'utf8'));
      concat += `${file.path}\n${file.sha256}\n${file.size_bytes}\n`;
    }
    expect(res.body.bundle_hash).toBe(sha(concat));
    // the same hash the preflight reports for the role
    const preflight = await api.get('/internal/preflight?role=REVIEWER');
    expect(preflight.body.bundle_hash).toBe(res.body.bundle_hash);
  });

  // ../../docs/spec/backend-orchestrator-contract.md §B
  it('policy files follow the project item model: NHA status, Human permissions, the transition table', async () => {
    const res = await api.get('/internal/agent-context?role=HUMAN');
    const json = (path: string) => JSON.parse(res.body.files.find((file: { path: string }) => file.path === path).content);
    expect(json('policy/project-schema.json').required_fields[0].allowed_options).toEqual([
      'Backlog',
      'Ready',
      'In Progress',
      'In Review',
      'Needs Human Approval',
      'Blocked',
      'Done',
    ]);
    expect(json('policy/role-permissions.json').Human).toMatchObject({ can_update_status_only: true, can_merge: true, can_close_issues: true });
    expect(json('policy/transitions.json').transitions).toHaveLength(11);
  });

  it('400 for a missing role, 500 for a role without overlay', async () => {
    expect((await api.get('/internal/agent-context')).body).toEqual({ error: "query parameter 'role' is required" });
    expect((await api.get('/internal/agent-context?role=PLANNER')).body).toEqual({ error: 'required file is missing', path: 'agents/PLANNER.md' });
  });
});

describe('agent-context with a broken policy directory', () => {
  const dir = tempDir('policy-');
  cpSync(DEFAULT_POLICY_DIR, dir, { recursive: true });
  rmSync(join(dir, 'policy', 'transitions.json'));
  const api = useBackend(() => ({ policyDir: dir }));

  it('500 required file is missing with the path', async () => {
    const res = await api.get('/internal/agent-context?role=EXECUTOR');
    expect(res).toMatchObject({ status: 500, body: { error: 'required file is missing', path: 'policy/transitions.json' } });
  });
});

describe('POST /internal/run', () => {
  const api = useBackend();

  it.each([
    [{}, 'body.role is required'],
    [{ role: ' reviewer', task: 't' }, 'role must be a valid filename token (letters, digits, underscore)'],
    [{ role: 'REVIEWER' }, 'body.task is required'],
  ])('400 for %j', async (body, error) => {
    expect((await api.post('/internal/run', body)).body).toEqual({ error });
  });

  it('200 READY with the raw and minimal capabilities', async () => {
    const res = await api.post('/internal/run', { role: 'reviewer', task: 'Review issue #44' });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(['role', 'task', 'bundle_hash', 'preflight', 'allowed_capabilities', 'allowed_capabilities_minimal', 'status']);
    expect(res.body).toMatchObject({ role: 'REVIEWER', task: 'Review issue #44', status: 'READY', preflight: { status: 'PASS' } });
    expect(res.body.allowed_capabilities).toEqual({
      can_update_status_only: true,
      can_write_code: false,
      can_open_pr: false,
      can_merge: false,
      can_close_issues: false,
      can_comment_on_pr: true,
      can_request_changes: true,
    });
    expect(res.body.allowed_capabilities_minimal).toEqual(res.body.allowed_capabilities);
  });

  it('409 with the preflight body when the template check fails; schema-only failures pass', async () => {
    await api.post('/__admin/preflight', { status: 'FAIL', errors: [{ source: 'project_schema', field: 'Size', kind: 'wrong_type', expected: { type: 'single_select' } }] });
    expect((await api.post('/internal/run', { role: 'EXECUTOR', task: 'x' })).status).toBe(200);
    await api.post('/__admin/preflight', { status: 'FAIL' });
    const res = await api.post('/internal/run', { role: 'EXECUTOR', task: 'x', run_id: RUN_A });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ role: 'EXECUTOR', status: 'FAIL' });
  });
});
