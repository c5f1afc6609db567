/**
 * Contracts that hold (src/contracts): every boundary parses what enters with its schema, a real
 * answer passes, and a bad one fails with the boundary's own error naming the source, the field,
 * what was expected and what arrived.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBackendEmulator, type BackendEmulator } from '../../emulators/backend';
import { BackendClient } from '../../src/activities/backend-client';
import { readSpool } from '../../src/activities/intake';
import { describeParseIssues } from '../../src/contracts/parse';
import { RunResultRecordSchema } from '../../src/contracts/messages';
import { BOARD_STATUSES, CLASSIFICATIONS, REVIEWER_OUTCOMES, ROLES } from '../../src/contracts/vocabulary';
import { classifyFailure } from '../../src/domain/classify';
import { CodexWorkerError, HttpError } from '../../src/domain/errors';
import { IntakeRefusal, parseDispatchSummary } from '../../src/domain/intake-batch';
import { describePartialPlanApply } from '../../src/domain/kickoff-apply';
import { buildBaseInstructions } from '../../src/domain/prompts';
import { parseStateFileReporting, serializeStateFile } from '../../src/domain/state-file';
import { parseWorkerResult } from '../../src/domain/worker-result';
import { z } from 'zod';

const RUN = '5b1e7f0a-3c2d-4e8f-9a1b-2c3d4e5f6a7b';

async function caught(work: () => unknown): Promise<unknown> {
  try {
    await work();
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure');
}

describe('describeParseIssues', () => {
  it('names the path, what was expected and what arrived', () => {
    const schema = z.looseObject({ a: z.array(z.looseObject({ b: z.string() })), c: z.enum(['X', 'Y']), d: z.number().int() });
    const input = { a: [{ b: 1 }, null], c: 'Z', d: 1.5 };
    const parsed = schema.safeParse(input);
    expect(parsed.success).toBe(false);
    expect(describeParseIssues(parsed.error!, input)).toBe(
      'a[0].b must be a string, got 1; a[1] must be an object, got null; c must be one of "X", "Y", got "Z"; d must be an integer, got 1.5',
    );
  });
});

// ../../docs/spec/backend-orchestrator-contract.md §A.1, §A.2, §A.4, §A.5, §A.7: the emulator answers as the backend does.
describe('backend answers per route: the real answers parse (backend emulator)', () => {
  let emu: BackendEmulator;
  let backend: BackendClient;
  beforeAll(async () => {
    emu = await startBackendEmulator({
      port: 0,
      items: [
        {
          project_item_id: 'PVTI_30',
          issue_number: 30,
          issue_url: 'https://github.com/acme/app/issues/30',
          fields: { Status: 'Backlog', Size: 'S', Area: 'api', Priority: 'P0', Sprint: 'M1' },
        },
        {
          project_item_id: 'PVTI_44',
          issue_number: 44,
          issue_url: 'https://github.com/acme/app/issues/44',
          fields: { Status: 'In Review', Size: 'S', Area: 'api', Priority: 'P0', Sprint: 'M1' },
        },
      ],
      prs: [{ issue_number: 44, body: `Implements it.\n\nRefs #44\n\n<!-- EXECUTOR_RUN_V1\nissue: 44\nproject_item_id: PVTI_44\nrun_id: ${RUN}\n-->` }],
    });
    backend = new BackendClient(emu.url, 10);
  });
  afterAll(() => emu.close());

  it('preflight, agent-context, update-field, resolve-linked-pr and plan-apply', async () => {
    expect(await backend.get('/internal/preflight', { role: 'ORCHESTRATOR' })).toMatchObject({ status: 'PASS', project_schema: { status: 'PASS' } });
    const bundle = await backend.get('/internal/agent-context', { role: 'REVIEWER' });
    expect(buildBaseInstructions(bundle)).toMatch(/^ROLE: REVIEWER\nBUNDLE_FILES_BEGIN\nFILE_BEGIN AGENTS\.md\n/);
    const updated = await backend.post('/internal/project-item/update-field', { role: 'ORCHESTRATOR', project_item_id: 'PVTI_30', field: 'Status', value: 'Ready' });
    expect(updated.updated).toEqual({ Status: 'Ready' });
    const linkage = await backend.post('/internal/reviewer/resolve-linked-pr', { role: 'REVIEWER', issue_number: 44 });
    expect(linkage).toMatchObject({ issue_number: 44, project_item_id: 'PVTI_44', run_id: RUN });
    const issue = {
      title: 'Add health endpoint',
      goal: 'Expose GET /health.',
      non_goals: ['No auth'],
      acceptance_criteria: ['GET /health returns 200'],
      files_likely_touched: ['apps/api/src/routes/health.js'],
      definition_of_done: ['Tests pass'],
      size: 'S',
      area: 'api',
      priority: 'P0',
    };
    const applied = await backend.post('/internal/plan-apply', { role: 'ORCHESTRATOR', draft: { sprint: 'M1', issues: [issue] } });
    expect(applied).toMatchObject({ status: 'APPLIED', created: [expect.objectContaining({ index: 0 })] });
  });

  it('plan-apply PARTIAL_FAIL (502) is read for the operator', async () => {
    emu.faults.add({ route: '/internal/plan-apply', mode: 'partial_fail', index: 1, step: 'add_to_project' });
    const issue = (title: string) => ({
      title,
      goal: 'g',
      non_goals: ['n'],
      acceptance_criteria: ['a'],
      files_likely_touched: ['docs/x.md'],
      definition_of_done: ['d'],
      size: 'S',
      area: 'docs',
      priority: 'P1',
    });
    const draft = { sprint: 'M1' as const, issues: [issue('One'), issue('Two')] };
    const err = await caught(() => backend.post('/internal/plan-apply', { role: 'ORCHESTRATOR', draft }));
    expect(err).toMatchObject({ code: 'backend_http_error', statusCode: 502 });
    const report = describePartialPlanApply((err as HttpError).payload, draft as never);
    expect(report?.failed).toEqual({ index: 1, title: 'Two', step: 'add_to_project', error: expect.any(String) });
    expect(report?.created.map((entry) => entry.index)).toEqual([0, 1]);
  });
});

describe('backend answers per route: a bad answer is backend_invalid_payload naming route and field', () => {
  let server: Server;
  let backend: BackendClient;
  const answers: Record<string, unknown> = {};
  beforeAll(async () => {
    server = createServer((request, response) => {
      const path = (request.url ?? '').split('?')[0]!;
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(answers[path] ?? {}));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    backend = new BackendClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 10);
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it.each([
    ['GET', '/internal/preflight', { status: 'PASS', errors: 'none' }, 'errors must be an array, got "none"'],
    ['GET', '/internal/preflight', { status: 7, project_schema: { status: 'PASS' } }, 'project_schema.mismatches must be an array, got nothing; status must be a string, got 7'],
    ['POST', '/internal/project-item/update-field', { updated: { Status: 3 } }, 'updated.Status must be a string, got 3'],
    ['POST', '/internal/project-item/update-field', { handoff_comment: { id: '2002', html_url: 'u' } }, 'handoff_comment.id must be a number, got "2002"'],
    ['POST', '/internal/reviewer/resolve-linked-pr', { pr_number: '77', pr_url: 'u', project_item_id: 'P' }, 'pr_number must be a number, got "77"'],
    ['POST', '/internal/plan-apply', { status: 'APPLIED', created: { 0: {} } }, 'created must be an array, got {"0":{}}'],
    ['POST', '/internal/plan-apply', { status: 'APPLIED', created: [], sprint_plan: [] }, 'sprint_plan must be an object, got []'],
  ] as const)('%s %s %j → %s', async (method, path, answer, problem) => {
    answers[path] = answer;
    const err = await caught(() => (method === 'GET' ? backend.get(path as '/internal/preflight') : backend.post(path as '/internal/plan-apply', {})));
    expect(err).toBeInstanceOf(HttpError);
    expect(err).toMatchObject({ code: 'backend_invalid_payload', statusCode: 200, payload: answer, details: { route: `${method} ${path}` } });
    expect((err as Error).message).toBe(`backend ${method} ${path} answered a payload that breaks its contract: ${problem}`);
    expect(classifyFailure(err)).toBe('HARD_STOP');
  });

  it('extra keys the backend adds pass through', async () => {
    answers['/internal/reviewer/resolve-linked-pr'] = { pr_number: 77, pr_url: 'https://github.com/acme/app/pull/77', project_item_id: 'P', future_field: { a: 1 } };
    expect(await backend.post('/internal/reviewer/resolve-linked-pr', {})).toMatchObject({ future_field: { a: 1 } });
  });
});

// ../../docs/spec/runner-behaviour.md §3.3.2
describe("agent-context bundle → bundle_invalid with the old runner's message and the problem named", () => {
  it.each([
    [
      {
        role: 'R',
        files: [
          { path: 'a.md', content: 'x' },
          { path: 'b.md', content: 5 },
        ],
      },
      'bundle file missing content',
      'files[1].content must be a string, got 5',
    ],
    [{ role: 'R', files: [null] }, 'bundle file missing path', 'files[0] must be an object, got null'],
    [{ role: 'R', files: 'AGENTS.md' }, 'agent context bundle missing files array', 'files must be an array, got "AGENTS.md"'],
    [[], 'agent context bundle missing role', 'must be an object, got []'],
  ])('%j', (bundle, message, problem) => {
    const err = (() => {
      try {
        buildBaseInstructions(bundle);
      } catch (error) {
        return error;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(CodexWorkerError);
    expect(err).toMatchObject({ code: 'bundle_invalid', message, details: { problem: `GET /internal/agent-context: ${problem}` } });
  });
});

// ../../docs/spec/runner-behaviour.md §10.4, ../../docs/spec/backend-orchestrator-contract.md §C.6
describe('DISPATCH_SUMMARY', () => {
  // Real output of the orchestrator at 45fae0b (cycle-ready-review), abridged to two processed items.
  const REAL =
    '{"type":"DISPATCH_SUMMARY","sprint":"M1","poll_count":1,"in_scope_total":4,"status_counts":{"Backlog":1,"Ready":2,"In Progress":0,"In Review":1,"Needs Human Approval":0,"Blocked":0,"Done":0},"intents_emitted":{"EXECUTOR":2,"REVIEWER":1,"total":3},"skipped":{"not_in_scope":0,"dedupe_same_status":0,"concurrency_limit":0},"needs_attention":{"stalled_in_progress":[],"in_review_churn":[]},"processed_items":[{"issue_number":10,"project_item_id":"PVTI_10","status":"Ready","last_dispatch":{"role":"EXECUTOR","run_id":"c0fc89ca-465e-4c8c-b90d-2b880ff88287","dispatched_at":"2026-11-23T20:02:42.691Z"},"stall":null,"in_review_origin":""},{"issue_number":13,"project_item_id":"PVTI_13","status":"Backlog","last_dispatch":null,"stall":null,"in_review_origin":""}],"completed":false}';
  it('the real summary parses unchanged, fields the runner does not read included', () => {
    const value = JSON.parse(REAL) as Record<string, unknown>;
    expect(parseDispatchSummary(REAL, value)).toEqual(value);
  });
  it('a summary the runner cannot read is SummaryError summary_invalid, issues listed', () => {
    const value = { ...(JSON.parse(REAL) as Record<string, unknown>), processed_items: [{ issue_number: 10 }, 'PVTI_13'] };
    const err = (() => {
      try {
        return parseDispatchSummary(JSON.stringify(value), value);
      } catch (error) {
        return error;
      }
    })();
    expect(err).toMatchObject({ name: 'SummaryError', code: 'summary_invalid', message: 'DISPATCH_SUMMARY processed_items[1] must be an object, got "PVTI_13"' });
    expect((err as { details: unknown }).details).toEqual({ issues: [{ path: 'processed_items[1]', problem: 'must be an object, got "PVTI_13"' }] });
  });
});

// ../../docs/spec/runner-behaviour.md §10.2.1
describe('orchestrator state file', () => {
  // One item of the real state file the orchestrator at 45fae0b wrote (cycle-ready-review), plus a key nobody knows.
  const REAL = {
    poll_count: 1,
    items: {
      PVTI_10: {
        last_seen_status: 'Ready',
        last_seen_sprint: 'M1',
        last_seen_issue_number: 10,
        last_seen_at: '2026-11-23T20:02:42.691Z',
        status_since_at: '2026-11-23T20:02:42.691Z',
        status_since_poll: 1,
        last_activity_at: '2026-11-23T20:02:42.691Z',
        last_activity_indicator: 'status_changed',
        last_dispatched_role: 'EXECUTOR',
        last_dispatched_status: 'Ready',
        last_dispatched_at: '2026-11-23T20:02:42.691Z',
        last_dispatched_poll: 1,
        last_run_id: 'c0fc89ca-465e-4c8c-b90d-2b880ff88287',
        reviewer_dispatches_for_current_status: 0,
        review_cycle_count: 0,
        last_reviewer_outcome: '',
        last_reviewer_feedback_at: '',
        last_executor_response_at: '',
        in_review_origin: '',
        some_future_field: [1, { a: 2 }],
      },
    },
    sprint_plan: { 10: { group_id: 'component:apps/api' } },
    unknown_top_level: { kept: true },
  };
  it('the real file parses with nothing to repair and round-trips byte for byte', () => {
    const text = serializeStateFile(REAL as never);
    const { state, problem } = parseStateFileReporting(text);
    expect(problem).toBeNull();
    expect(serializeStateFile(state)).toBe(text);
  });
  it.each([
    ['[]', 'must be an object, got []; read as an empty state', { poll_count: 0, items: {} }],
    ['{"poll_count":3,"items":[1]}', 'items must be an object, got [1]; items read as {}', { poll_count: 3, items: {} }],
    ['{"items":{"A":{"x":1},"B":"junk"}}', 'items.B must be an object, got "junk"; those items left out', { items: { A: { x: 1 } } }],
  ])('%s is repaired as the old runner read it, and the problem named', (text, problem, state) => {
    expect(parseStateFileReporting(text)).toEqual({ state, problem });
  });
  it('text that is not JSON reads as an empty state, saying so', () => {
    expect(parseStateFileReporting('{"items":').problem).toMatch(/^not valid JSON \(.+\); read as an empty state$/);
  });
});

describe('legacy intake spool', () => {
  const dir = mkdtempSync(join(tmpdir(), 'spool-test-'));
  const good = {
    intents: [{ line: 1, raw: { type: 'RUN_INTENT', role: 'REVIEWER' }, issueNumber: 12, projectItemId: 'PVTI_12' }],
    summary: { type: 'DISPATCH_SUMMARY', sprint: 'M1', processed_items: [{ issue_number: 12, project_item_id: 'PVTI_12', status: 'In Review' }] },
    endOfSprint: false,
    observedAtMs: 1_700_000_000_000,
    observedStatus: { 12: 'In Review' },
    exitCode: 0,
  };
  const write = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  it('a spool as the tick writes it is read back', async () => {
    expect(await readSpool(write('good.json', JSON.stringify(good)))).toEqual(good);
  });
  it.each([
    ['a status that is no board status', { ...good, observedStatus: { 12: 'Reviewing' } }, 'observedStatus.12 must be one of'],
    ['an intent without its issue', { ...good, intents: [{ ...good.intents[0], issueNumber: undefined }] }, 'intents[0].issueNumber must be a number, got nothing'],
  ])('%s → IntakeRefusal intake_spool_invalid naming the field', async (_what, spool, problem) => {
    const path = write('bad.json', JSON.stringify(spool));
    const err = await caught(() => readSpool(path));
    expect(err).toBeInstanceOf(IntakeRefusal);
    expect(err).toMatchObject({ code: 'intake_spool_invalid', line: null, details: { path } });
    expect((err as Error).message).toContain(`intake spool ${path} cannot be resumed: ${problem}`);
  });
  it('a truncated spool is refused too; a missing one fails as before (retryable)', async () => {
    expect(await caught(() => readSpool(write('cut.json', JSON.stringify(good).slice(0, 40))))).toMatchObject({ code: 'intake_spool_invalid' });
    expect(await caught(() => readSpool(join(dir, 'missing.json')))).toMatchObject({ code: 'ENOENT' });
  });
});

// ../../docs/spec/runner-behaviour.md §3.5
describe('worker result', () => {
  it('what parseWorkerResult returns is what the runResultRecorded signal accepts', () => {
    const text = JSON.stringify({
      run_id: RUN,
      role: 'REVIEWER',
      status: 'succeeded',
      outcome: 'fail',
      summary: 's',
      urls: { pr_url: null },
      errors: ['x'],
      marker_verified: true,
    });
    const result = parseWorkerResult(text, { run_id: RUN, role: 'REVIEWER' });
    expect(RunResultRecordSchema.safeParse({ version: 1, runId: RUN, result }).success).toBe(true);
    expect(RunResultRecordSchema.safeParse({ version: 1, runId: RUN, result: { ...result, outcome: 'MAYBE' } }).success).toBe(false);
  });
});

describe('one vocabulary', () => {
  it('holds the roles, board statuses, outcomes and classifications', () => {
    expect(ROLES).toEqual(['EXECUTOR', 'REVIEWER']);
    expect(BOARD_STATUSES).toEqual(['Backlog', 'Ready', 'In Progress', 'In Review', 'Needs Human Approval', 'Blocked', 'Done']);
    expect(REVIEWER_OUTCOMES).toEqual(['PASS', 'FAIL', 'INCOMPLETE']);
    expect(CLASSIFICATIONS).toEqual(['ITEM_STOP', 'HARD_STOP', 'TRANSIENT']);
  });
  it('no other source file declares them again', () => {
    const root = join(__dirname, '..', '..', 'src');
    const files = (readdirSync(root, { recursive: true }) as string[]).filter((file) => file.endsWith('.ts') && !file.startsWith('codex-protocol'));
    const redeclared = [
      /'ITEM_STOP'\s*\|\s*'HARD_STOP'/,
      /\[\s*'Backlog',\s*'Ready',\s*'In Progress'/,
      /\[\s*'PASS',\s*'FAIL',\s*'INCOMPLETE'\s*\]/,
      /(?:type|const)\s+(?:Role|Classification|BoardStatus|ReviewerOutcome)\s*=/,
      /z\.enum\(\[\s*'EXECUTOR',\s*'REVIEWER'\s*\]\)/,
    ];
    const offenders = files
      .filter((file) => file !== join('contracts', 'vocabulary.ts'))
      .flatMap((file) => redeclared.filter((pattern) => pattern.test(readFileSync(join(root, file), 'utf8'))).map((pattern) => `${file}: ${pattern}`));
    expect(offenders).toEqual([]);
  });
});
