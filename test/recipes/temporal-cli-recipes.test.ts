/**
 * The operator recipes of scripts/recipes.sh, run with the real `temporal` binary against the jest
 * dev server, a sprint-runner worker and the backend/orchestrator/agent emulators: each recipe must
 * have its effect on the workflows and on the (emulated) board. docs/temporal-cli.md must show
 * exactly the commands of the script.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { resolveTemporalCli } from '../../src/temporal/dev-server';
import { writeDemoPolicy } from '../../scripts/demo/settings';
import { connectTestTemporal, testAddress, type TestTemporal } from '../support/temporal';
import { startE2eRig, boardItem, type E2eRig } from '../support/e2e';
import { eventually } from '../support/item-harness';

const ROOT = join(__dirname, '..', '..');
const SCRIPT = join(ROOT, 'scripts', 'recipes.sh');
const DOC = join(ROOT, 'docs', 'temporal-cli.md');
const BASH = existsSync('/bin/bash') ? '/bin/bash' : 'bash';

interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

/** Lines as a reader compares them: trimmed, without blank and comment lines. */
function normalise(text: string): string {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .join('\n');
}

function docBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```(?:bash|sh|shell)\n([\s\S]*?)```/g)].map((match) => match[1]!);
}

/** name → body of every recipe function (`name() {` … `}` at the start of a line). */
function scriptRecipes(script: string): Map<string, string> {
  const listed = /RECIPES=\(([\s\S]*?)\)/.exec(script)![1]!.split(/\s+/).filter(Boolean);
  const bodies = new Map<string, string>();
  for (const match of script.matchAll(/^(\w+)\(\) \{\n([\s\S]*?)\n\}/gm)) bodies.set(match[1]!, match[2]!);
  return new Map(listed.map((name) => [name, bodies.get(name.replace(/-/g, '_')) ?? '']));
}

describe('docs/temporal-cli.md and scripts/recipes.sh do not drift apart', () => {
  const script = readFileSync(SCRIPT, 'utf8');
  const doc = readFileSync(DOC, 'utf8');

  it('every command block of the doc is in the script, verbatim', () => {
    const blocks = docBlocks(doc);
    expect(blocks.length).toBeGreaterThan(5);
    const scriptText = normalise(script);
    for (const block of blocks) expect({ block, inScript: scriptText.includes(normalise(block)) }).toEqual({ block, inScript: true });
  });

  it("every command block of the README's Temporal CLI section is in the script, verbatim", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = /## Operating with the Temporal CLI\n([\s\S]*?)\n## /.exec(readme)?.[1] ?? '';
    const blocks = docBlocks(section);
    expect(blocks.length).toBeGreaterThanOrEqual(5);
    const scriptText = normalise(script);
    for (const block of blocks) expect({ block, inScript: scriptText.includes(normalise(block)) }).toEqual({ block, inScript: true });
  });

  it('every recipe of the script is shown in the doc, under its name', () => {
    const docText = normalise(docBlocks(doc).join('\n'));
    for (const [name, body] of scriptRecipes(script)) {
      expect(body).not.toBe('');
      expect({ name, documented: docText.includes(normalise(body)) }).toEqual({ name, documented: true });
      expect(doc).toContain(`scripts/recipes.sh ${name}`);
    }
  });
});

describe('Temporal CLI recipes against a real server, worker and emulators', () => {
  const sprint = `R${randomUUID().slice(0, 8)}`;
  const temporalBin = resolveTemporalCli();
  let temporal: TestTemporal;
  let rig: E2eRig;
  const savedRepoRoot = process.env.ORCHESTRATOR_REPO_ROOT;

  const linkedPr = (issue: number, number: number) => ({
    number,
    issue_number: issue,
    head_ref: `executor/issue-${issue}`,
    body: `Work for #${issue}.\n\nRefs #${issue}\n\n<!-- EXECUTOR_RUN_V1\nissue: ${issue}\nproject_item_id: PVTI_${issue}\nrun_id: 6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f\n-->`,
  });

  function recipe(name: string, vars: Record<string, string> = {}): Promise<Run> {
    return new Promise((resolve) => {
      execFile(
        BASH,
        [SCRIPT, name],
        {
          encoding: 'utf8',
          timeout: 60_000,
          env: {
            ...process.env,
            PATH: `${dirname(temporalBin)}:${process.env.PATH}`,
            TEMPORAL_ADDRESS: testAddress(),
            SPRINT: sprint,
            TASK_QUEUE: rig.config.temporalTaskQueue,
            ...vars,
          },
        },
        (error, stdout, stderr) => resolve({ status: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
  }

  const boardStatus = (issue: number) => rig.backend.board.listProjectItems().find((item) => item.issue_number === issue)?.fields.Status;
  const transitions = (issue: number) =>
    rig.backend.board
      .effectLog()
      .filter((e) => e.kind === 'transition' && e.issue_number === issue)
      .map((e) => `${e.from}->${e.to} (${e.role})`);
  const queryJson = (run: Run) => {
    expect(run).toMatchObject({ status: 0, stderr: '' });
    return JSON.parse(run.stdout) as { queryResult: unknown[] } & Record<string, unknown>;
  };

  beforeAll(async () => {
    temporal = await connectTestTemporal();
    // A sprint of its own: the bundled policy allows only M1..M4, so the emulators get a copy that allows it.
    const policyDir = writeDemoPolicy(join(mkdtempSync(join(tmpdir(), 'sr-recipes-')), 'policy-bundle'), sprint);
    process.env.ORCHESTRATOR_REPO_ROOT = policyDir;
    rig = await startE2eRig(
      temporal,
      {
        policyDir,
        items: [boardItem(1, 'In Review', sprint), boardItem(2, 'Ready', sprint), boardItem(3, 'Backlog', sprint)],
        issues: { '1': { title: '[TASK] Add GET /health' }, '2': { title: '[TASK] Add request ids' }, '3': { title: '[TASK] Later' } },
        prs: [linkedPr(1, 10)],
      },
      // Nothing promotes #3 out of the Backlog: the sprint stays open for the control recipes.
      { RUNNER_AUTOPROMOTE: 'false', ORCHESTRATOR_POLL_INTERVAL_MS: '500', BLOCKED_RETRY_MAX_ATTEMPTS: '1' },
      { defaults: { thinkMs: 100 }, issues: { '2': { roles: { EXECUTOR: { status: 'failed', summary: 'the migration does not apply' } } } } },
    );
  });

  afterAll(async () => {
    if (savedRepoRoot === undefined) delete process.env.ORCHESTRATOR_REPO_ROOT;
    else process.env.ORCHESTRATOR_REPO_ROOT = savedRepoRoot;
    await rig?.stop();
    await temporal?.close();
  });

  it('runs a sprint through its life with nothing but `temporal`', async () => {
    // start-sprint
    const started = await recipe('start-sprint');
    expect(started).toMatchObject({ status: 0, stderr: '' });
    expect(started.stdout).toContain(`sprint-${sprint}`);
    const handle = temporal.client.workflow.getHandle(`sprint-${sprint}`);
    expect((await handle.describe()).status.name).toBe('RUNNING');

    // describe-sprint / show-sprint
    const described = await recipe('describe-sprint');
    expect(described.status).toBe(0);
    expect(described.stdout).toMatch(/sprintWorkflow/);
    expect(described.stdout).toMatch(new RegExp(`TaskQueue\\s+${rig.config.temporalTaskQueue}`));
    const shown = await recipe('show-sprint');
    expect(shown.status).toBe(0);
    expect(shown.stdout).toMatch(/WorkflowExecutionStarted/);

    // The emulated agents work the board: #1 passes review, #2's executor fails and is Blocked.
    await eventually(
      () => [boardStatus(1), boardStatus(2)],
      ([a, b]) => a === 'Needs Human Approval' && b === 'Blocked',
      60_000,
    );

    // sprint-status: the query result has the items.
    const status = await eventually(
      async () => queryJson(await recipe('sprint-status')),
      (json) => ['1', '2', '3'].every((n) => JSON.stringify(json).includes(`"issueNumber":${n}`)),
      30_000,
    );
    const sprintView = status.queryResult[0] as { sprint: string; paused: boolean; items: Array<{ issueNumber: number; workflowId: string }> };
    expect(sprintView.sprint).toBe(sprint);
    expect(sprintView.paused).toBe(false);
    // Every board item the sprint has seen has its workflow (#3 waits in the Backlog).
    expect(sprintView.items.map((item) => item.workflowId).sort()).toEqual([`sprint-${sprint}-item-1`, `sprint-${sprint}-item-2`, `sprint-${sprint}-item-3`]);

    // item-status
    const item = await eventually(
      async () => queryJson(await recipe('item-status', { ISSUE: '1' })).queryResult[0] as { issueNumber: number; boardStatus: string; prUrl: string | null },
      (view) => view.boardStatus === 'Needs Human Approval',
      30_000,
    );
    expect(item).toMatchObject({ issueNumber: 1, boardStatus: 'Needs Human Approval', prUrl: expect.stringContaining('/pull/10') });

    // list-blocked / list-items / list-awaiting-approval: visibility queries on our search attributes.
    const blocked = await eventually(
      () => recipe('list-blocked'),
      (run) => run.stdout.includes(`sprint-${sprint}-item-2`),
      30_000,
    );
    expect(blocked.status).toBe(0);
    expect(blocked.stdout).not.toContain(`sprint-${sprint}-item-1`);
    const awaiting = await eventually(
      () => recipe('list-awaiting-approval'),
      (run) => run.stdout.includes(`sprint-${sprint}-item-1`),
      30_000,
    );
    expect(awaiting.stdout).not.toContain(`sprint-${sprint}-item-2`);
    const items = await recipe('list-items');
    expect(items.stdout).toContain(`sprint-${sprint}-item-1`);
    expect(items.stdout).toContain(`sprint-${sprint}-item-2`);
    expect(items.stdout).not.toMatch(new RegExp(`sprint-${sprint}\\s`));

    // request-rework on the Blocked item: the validated update refuses, with the reason.
    const refused = await recipe('request-rework', { ISSUE: '2', REASON: 'try again' });
    expect(refused.status).not.toBe(0);
    expect(refused.stdout + refused.stderr).toContain(`item #2 is Blocked; rework is only possible from Needs Human Approval`);
    expect(boardStatus(2)).toBe('Blocked');

    // request-rework on the item awaiting approval: completes once Needs Human Approval → In Review landed (as HUMAN).
    const rework = await recipe('request-rework', { ISSUE: '1', REASON: 'Return 503 "degraded" when the DB is down', STEP: 'Add a test for it' });
    expect(rework).toMatchObject({ status: 0, stderr: '' });
    expect(rework.stdout).toContain('In Review');
    expect(transitions(1)).toContain('Needs Human Approval->In Review (HUMAN)');
    const reworkComment = rig.backend.board
      .listIssueComments(1)
      .map((comment) => comment.body)
      .join('\n');
    expect(reworkComment).toContain('Return 503 "degraded" when the DB is down');
    expect(reworkComment).toContain('Add a test for it');

    // pause-sprint / resume-sprint: the query shows it.
    expect(await recipe('pause-sprint')).toMatchObject({ status: 0, stderr: '' });
    await eventually(
      async () => (queryJson(await recipe('sprint-status')).queryResult[0] as { paused: boolean }).paused,
      (paused) => paused,
      15_000,
    );
    expect(await recipe('resume-sprint')).toMatchObject({ status: 0, stderr: '' });
    await eventually(
      async () => (queryJson(await recipe('sprint-status')).queryResult[0] as { paused: boolean }).paused,
      (paused) => !paused,
      15_000,
    );
    expect(await recipe('tick-sprint')).toMatchObject({ status: 0, stderr: '' });

    // stop-sprint ends the workflow; follow-sprint follows it to its end.
    const following = recipe('follow-sprint');
    expect(await recipe('stop-sprint')).toMatchObject({ status: 0, stderr: '' });
    const followed = await following;
    expect(followed.status).toBe(0);
    expect(followed.stdout).toMatch(/WorkflowExecutionCompleted/);
    expect((await handle.result()).reason).toBe('stopped');
    const after = await recipe('describe-sprint');
    expect(after.stdout).toMatch(/Completed/i);
    // close-sprint on a sprint that has ended: refused with the reason.
    const closeAgain = await recipe('close-sprint', { REASON: 'done' });
    expect(closeAgain.status).not.toBe(0);
    expect(closeAgain.stderr).toMatch(/completed|not found/i);
  }, 180_000);

  it('the script explains itself: list, unknown recipe, missing temporal', async () => {
    const listed = await recipe('list');
    expect(listed.status).toBe(0);
    expect(listed.stdout.trim().split('\n')).toEqual([...scriptRecipes(readFileSync(SCRIPT, 'utf8')).keys()]);
    const unknown = await recipe('frobnicate');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("unknown recipe 'frobnicate'");
    const missing = await recipe('sprint-status', { PATH: '/nonexistent' });
    expect(missing.status).toBe(127);
    expect(missing.stderr).toContain('no `temporal` on PATH');
  });
});
