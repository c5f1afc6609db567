/**
 * The agent emulator playing EXECUTOR / REVIEWER against the backend emulator over real HTTP, one
 * fresh emulator process per call (as the runner does), driven through the Codex MCP session.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { withCodexSession } from '../../src/activities/codex-mcp';
import { buildBaseInstructions, buildCodexToolArguments, buildWorkerPrompt } from '../../src/domain/prompts';
import { startBackendEmulator, type BackendEmulator } from '../../emulators/backend';
import type { AgentScript } from '../../emulators/agent/script';
import { REPO_ROOT, emulatorOptions, textOf } from './support';

const CLAIM = '/internal/executor/claim-ready-item';
const RESOLVE = '/internal/reviewer/resolve-linked-pr';

let backend: BackendEmulator;
let scratch: string;

beforeEach(async () => {
  backend = await startBackendEmulator({
    port: 0,
    items: [
      { project_item_id: 'PVTI_12', issue_number: 12, issue_url: '', fields: { Status: 'Ready', Sprint: 'M1', Size: 'S', Area: 'api', Priority: 'P1' } },
      { project_item_id: 'PVTI_13', issue_number: 13, issue_url: '', fields: { Status: 'Backlog', Sprint: 'M1', Size: 'S', Area: 'web', Priority: 'P2' } },
    ],
  });
  scratch = mkdtempSync(join(REPO_ROOT, '.sprint-runner', 'agent-roles-'));
});

afterEach(async () => {
  await backend.close();
  rmSync(scratch, { recursive: true, force: true });
});

function intent(role: 'EXECUTOR' | 'REVIEWER', endpoint: string, body: Record<string, unknown>) {
  const runId = randomUUID();
  return { type: 'RUN_INTENT', role, run_id: runId, endpoint, body: { role, ...body, run_id: runId } };
}

function claimIntent() {
  const runId = randomUUID();
  return { type: 'RUN_INTENT', role: 'EXECUTOR', run_id: runId, endpoint: CLAIM, body: { role: 'EXECUTOR', run_id: runId, sprint: 'M1' } };
}

type Intent = { role: string; run_id: string } & Record<string, unknown>;

function workerPrompt(runIntent: Intent): string {
  return buildWorkerPrompt(backend.url, runIntent);
}

/** One fresh emulator process, one `codex` call with the exact ../../docs/spec/runner-behaviour.md §3.2 arguments; returns the final text. */
async function runAgent(script: AgentScript, runIntent: Intent, env: Record<string, string> = {}): Promise<string> {
  const bundle = await (await fetch(`${backend.url}/internal/agent-context?role=${runIntent.role}`)).json();
  return withCodexSession(emulatorOptions(script, { env }), async (session) => {
    const result = await session.callCodex(buildCodexToolArguments(runIntent.role, workerPrompt(runIntent), buildBaseInstructions(bundle)), { timeoutMs: 30_000 });
    expect(result.isError).toBeFalsy();
    return textOf(result);
  });
}

describe('agent emulator role play against the backend emulator', () => {
  // ../../docs/spec/runner-behaviour.md §3.5
  test('EXECUTOR claim run: claims, opens a marked PR, moves the item to In Review, returns the worker result', async () => {
    const run = claimIntent();
    const result = JSON.parse(await runAgent({}, run));
    expect(result).toMatchObject({ run_id: run.run_id, role: 'EXECUTOR', status: 'succeeded', outcome: null, marker_verified: true, errors: [] });
    expect(result.urls.pr_url).toMatch(/\/pull\/\d+$/);

    expect(backend.board.getItem('PVTI_12')!.fields['Status']).toBe('In Review');
    const prs = backend.board.listPullRequests();
    expect(prs).toHaveLength(1);
    expect(prs[0]!.html_url).toBe(result.urls.pr_url);
    expect(prs[0]!.head_ref).toBe('executor/issue-12');
    expect(prs[0]!.body).toContain('Refs #12');
    expect(prs[0]!.body).toContain(`<!-- EXECUTOR_RUN_V1\nissue: 12\nproject_item_id: PVTI_12\nrun_id: ${run.run_id}\n-->`);

    // The backend resolves the linkage the executor created.
    const linkage = await fetch(`${backend.url}${RESOLVE}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'REVIEWER', issue_number: 12 }),
    });
    expect(linkage.status).toBe(200);
    expect(await linkage.json()).toMatchObject({ pr_url: result.urls.pr_url, project_item_id: 'PVTI_12' });
  });

  test('EXECUTOR claim run with nothing Ready → succeeded, "no claimable item"', async () => {
    backend.board.setField('PVTI_12', 'Status', 'Backlog');
    const result = JSON.parse(await runAgent({}, claimIntent()));
    expect(result).toMatchObject({ status: 'succeeded', summary: 'no claimable item', urls: {} });
    expect(backend.board.listPullRequests()).toHaveLength(0);
  });

  test('REVIEWER FAIL then PASS across two fresh processes (attempts counted by the backend), findings commented', async () => {
    await runAgent({}, claimIntent());
    const script: AgentScript = {
      issues: { '12': { attempts: { REVIEWER: [{ outcome: 'FAIL', comment: 'R1: add a parser test' }, { outcome: 'PASS' }] } } },
    };
    const first = intent('REVIEWER', RESOLVE, { issue_number: 12 });
    const firstResult = JSON.parse(await runAgent(script, first));
    expect(firstResult).toMatchObject({ run_id: first.run_id, role: 'REVIEWER', status: 'succeeded', outcome: 'FAIL' });
    expect(firstResult.urls.pr_url).toMatch(/\/pull\/\d+$/);
    const comments = backend.board.listIssueComments(12).map((c) => c.body);
    expect(comments).toContain('R1: add a parser test');

    const second = intent('REVIEWER', RESOLVE, { issue_number: 12 });
    const secondResult = JSON.parse(await runAgent(script, second));
    expect(secondResult).toMatchObject({ run_id: second.run_id, outcome: 'PASS', status: 'succeeded' });
    expect(
      backend.board
        .listIssueComments(12)
        .map((c) => c.body)
        .filter((b) => b.startsWith('R1')),
    ).toHaveLength(1);
    expect(backend.board.snapshot().counters).toMatchObject({ 'agent-attempt:12:REVIEWER': 2 });
  });

  test('EXECUTOR fix-up run pushes to the linked PR (head_sha moves) and reports the PR', async () => {
    const claimResult = JSON.parse(await runAgent({}, claimIntent()));
    const before = backend.board.listPullRequests()[0]!.head_sha;
    const fixup = intent('EXECUTOR', RESOLVE, { issue_number: 12 });
    const result = JSON.parse(await runAgent({}, fixup));
    expect(result).toMatchObject({ run_id: fixup.run_id, status: 'succeeded', marker_verified: true, urls: { pr_url: claimResult.urls.pr_url } });
    expect(backend.board.listPullRequests()).toHaveLength(1);
    expect(backend.board.listPullRequests()[0]!.head_sha).not.toBe(before);
  });

  test('scripted output faults: wrongRunId, markerUnverified, garbage (+ JSON on the codex-reply re-ask)', async () => {
    const wrong = claimIntent();
    const wrongResult = JSON.parse(await runAgent({ roles: { EXECUTOR: { mode: 'wrongRunId' } } }, wrong));
    expect(wrongResult.run_id).not.toBe(wrong.run_id);

    const reviewer = intent('REVIEWER', RESOLVE, { issue_number: 12 });
    await withCodexSession(emulatorOptions({ defaults: { mode: 'garbage' } }), async (session) => {
      const first = await session.callCodex({ prompt: workerPrompt(reviewer) }, { timeoutMs: 30_000 });
      expect(() => JSON.parse(textOf(first))).toThrow();
      const threadId = (first.structuredContent as { threadId: string }).threadId;
      const again = await session.reply(threadId, 'Re-output the final result as JSON only.', { timeoutMs: 30_000 });
      expect(JSON.parse(textOf(again))).toMatchObject({ run_id: reviewer.run_id, outcome: 'PASS' });
    });

    backend.board.setField('PVTI_13', 'Status', 'Ready');
    const unverified = JSON.parse(await runAgent({ issues: { '13': { roles: { EXECUTOR: { mode: 'markerUnverified' } } } } }, claimIntent()));
    expect(unverified).toMatchObject({ status: 'succeeded', marker_verified: false });
    expect(unverified.urls.pr_url).toMatch(/\/pull\/\d+$/);
  });

  test('AGENT_EVENTS_LOG gets one line per tools/call with pid, run_id and role', async () => {
    const log = join(scratch, 'agent-events.jsonl');
    const run = claimIntent();
    const started = Date.now();
    await runAgent({}, run, { AGENT_EVENTS_LOG: log });
    const lines = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ tool: 'codex', run_id: run.run_id, role: 'EXECUTOR', pid: expect.any(Number) });
    expect(lines[0].at).toBeGreaterThanOrEqual(started);
  });

  test('thinkMs delays the answer; a status=failed executor opens no PR', async () => {
    const started = Date.now();
    const result = JSON.parse(await runAgent({ issues: { '12': { roles: { EXECUTOR: { thinkMs: 600, status: 'failed' } } } } }, claimIntent()));
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    expect(result).toMatchObject({ status: 'failed' });
    expect(backend.board.listPullRequests()).toHaveLength(0);
    expect(backend.board.getItem('PVTI_12')!.fields['Status']).toBe('In Progress');
  });
});
