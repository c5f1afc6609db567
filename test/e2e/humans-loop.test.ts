/**
 * The operator's loop end to end (issue: humans in the loop): a sprint reaches `awaiting-humans` and
 * stays open; the README's Temporal CLI rework recipe alone brings an item through the executor
 * fix-up and a reviewer PASS back to Needs Human Approval — also an item that awaited a human before
 * the sprint started — a card moved by hand is re-worked within one idle poll, a refused rework
 * fails with the reason, and the sprint closes (on request, or by itself once every item is Done)
 * leaving no workflow of the sprint running. The sprint workflow is the same one throughout (its
 * continue-as-new chain), never a new start.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { resolveTemporalCli } from '../../src/temporal/dev-server';
import { itemStatusQuery, sprintStatusQuery, sprintWorkflow, type SprintStatus } from '../../src/workflows';
import { writeDemoPolicy } from '../../scripts/demo/settings';
import { connectTestTemporal, testAddress, type TestTemporal } from '../support/temporal';
import { startE2eRig, boardItem, type E2eRig } from '../support/e2e';
import { eventually } from '../support/item-harness';
import { runCli } from '../support/run-cli';
import { fetchHistories, replayHistories } from '../support/replay';

const ROOT = join(__dirname, '..', '..');
const SCRIPT = join(ROOT, 'scripts', 'recipes.sh');
const BASH = existsSync('/bin/bash') ? '/bin/bash' : 'bash';
const IDLE_POLL_S = 4;

const linkedPr = (issue: number, number: number) => ({
  number,
  issue_number: issue,
  head_ref: `executor/issue-${issue}`,
  body: `Work for #${issue}.\n\nRefs #${issue}\n\n<!-- EXECUTOR_RUN_V1\nissue: ${issue}\nproject_item_id: PVTI_${issue}\nrun_id: 6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f\n-->`,
});

describe('humans in the loop: awaiting-humans, rework by recipe, close (real server, emulators)', () => {
  let temporal: TestTemporal;
  let rig: E2eRig | undefined;
  const savedRepoRoot = process.env.ORCHESTRATOR_REPO_ROOT;

  beforeAll(async () => {
    temporal = await connectTestTemporal();
  });
  afterEach(async () => {
    await rig?.stop();
    rig = undefined;
  });
  afterAll(async () => {
    if (savedRepoRoot === undefined) delete process.env.ORCHESTRATOR_REPO_ROOT;
    else process.env.ORCHESTRATOR_REPO_ROOT = savedRepoRoot;
    await temporal.close();
  });

  /** A sprint of its own name (the recipes address `sprint-$SPRINT`); the policy copy allows it. */
  async function startRig(sprint: string, items: Array<[number, string]>, prs: Array<ReturnType<typeof linkedPr>>): Promise<E2eRig> {
    const policyDir = writeDemoPolicy(join(mkdtempSync(join(tmpdir(), 'sr-humans-')), 'policy-bundle'), sprint);
    process.env.ORCHESTRATOR_REPO_ROOT = policyDir;
    return startE2eRig(
      temporal,
      { policyDir, items: items.map(([issue, status]) => boardItem(issue, status, sprint)), prs },
      { ORCHESTRATOR_POLL_INTERVAL_MS: '300', SPRINT_IDLE_POLL_MINUTES: String(IDLE_POLL_S / 60), RUNNER_TRANSIENT_MAX_ATTEMPTS: '2' },
      { defaults: { thinkMs: 50 } },
    );
  }

  function recipe(name: string, vars: Record<string, string>): Promise<{ status: number; stdout: string; stderr: string }> {
    const temporalBin = resolveTemporalCli();
    return new Promise((resolve) => {
      execFile(
        BASH,
        [SCRIPT, name],
        {
          encoding: 'utf8',
          timeout: 60_000,
          env: { ...process.env, PATH: `${dirname(temporalBin)}:${process.env.PATH}`, TEMPORAL_ADDRESS: testAddress(), TASK_QUEUE: rig!.config.temporalTaskQueue, ...vars },
        },
        (error, stdout, stderr) => resolve({ status: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
  }

  /** A person moving a card on the board: the backend emulator's admin API. */
  async function moveCard(projectItemId: string, status: string): Promise<void> {
    const response = await fetch(`${rig!.backend.url}/__admin/items/${projectItemId}/status`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status }),
    });
    expect(response.status).toBe(200);
  }

  const boardStatus = (issue: number) => rig!.backend.board.listProjectItems().find((item) => item.issue_number === issue)?.fields.Status;
  const phaseOf = (handle: WorkflowHandle<typeof sprintWorkflow>) =>
    handle
      .query(sprintStatusQuery)
      .then((s) => s.phase)
      .catch(() => null);
  const runsFor = (issue: number, role: string) => rig!.events.filter((e) => e.type === 'WORKER_STARTED' && e.issue_number === issue && e.role === role).length;

  /** Every execution of the sprint's workflow id belongs to one continue-as-new chain: one running, the rest continued as new. */
  async function expectOneChain(workflowId: string): Promise<void> {
    const statuses: string[] = [];
    for await (const execution of temporal.client.workflow.list({ query: `WorkflowId="${workflowId}"` })) statuses.push(execution.status.name);
    expect(statuses.filter((s) => s === 'RUNNING')).toHaveLength(1);
    expect(statuses.filter((s) => s !== 'RUNNING' && s !== 'CONTINUED_AS_NEW')).toEqual([]);
  }

  it('start → awaiting-humans → rework by the recipe (also for an item that awaited a human before the sprint) → a card moved by hand → close', async () => {
    const sprint = `H${randomUUID().slice(0, 8)}`;
    rig = await startRig(
      sprint,
      [
        [1, 'Ready'],
        [2, 'Needs Human Approval'],
      ],
      [linkedPr(2, 20)],
    );
    const handle = await temporal.client.workflow.start(sprintWorkflow, {
      taskQueue: rig.config.temporalTaskQueue,
      workflowId: `sprint-${sprint}`,
      args: [{ sprint, mode: 'loop' }],
    });
    await eventually(
      () => phaseOf(handle),
      (phase) => phase === 'awaiting-humans',
      90_000,
    );
    expect([boardStatus(1), boardStatus(2)]).toEqual(['Needs Human Approval', 'Needs Human Approval']);
    // #2 awaited a human before the sprint started: the runner never ran anything for it, yet it has its workflow.
    expect(runsFor(2, 'EXECUTOR') + runsFor(2, 'REVIEWER')).toBe(0);
    const item2 = temporal.client.workflow.getHandle(`sprint-${sprint}-item-2`);
    expect((await item2.query(itemStatusQuery)).boardStatus).toBe('Needs Human Approval');

    for (const issue of [1, 2]) {
      const executorsBefore = runsFor(issue, 'EXECUTOR');
      const reviewersBefore = runsFor(issue, 'REVIEWER');
      const reworked = await recipe('request-rework', { SPRINT: sprint, ISSUE: String(issue), REASON: `Rework #${issue}: handle the empty case`, STEP: 'Add a test' });
      expect(reworked).toMatchObject({ status: 0, stderr: '' });
      expect(reworked.stdout).toContain('In Review');
      // No other command: the sprint wakes, the fix-up and the re-review run, the item awaits a human again.
      await eventually(
        async () => ({ board: boardStatus(issue), phase: await phaseOf(handle), executors: runsFor(issue, 'EXECUTOR'), reviewers: runsFor(issue, 'REVIEWER') }),
        (s) => s.board === 'Needs Human Approval' && s.phase === 'awaiting-humans' && s.executors > executorsBefore && s.reviewers > reviewersBefore,
        90_000,
      );
      const log = rig.backend.board
        .effectLog()
        .filter((e) => e.kind === 'transition' && e.issue_number === issue)
        .map((e) => `${e.from}->${e.to}`);
      expect(log.slice(-2)).toEqual(['Needs Human Approval->In Review', 'In Review->Needs Human Approval']);
    }
    expect(rig.events.filter((e) => e.type === 'SPRINT_RUNNING_AGAIN').length).toBeGreaterThanOrEqual(2);

    // A human moves a card back by hand on the board (the old runner's way): noticed within one idle poll.
    const movedAt = Date.now();
    const startedBefore = runsFor(1, 'EXECUTOR') + runsFor(1, 'REVIEWER');
    await moveCard('PVTI_1', 'In Review');
    await eventually(
      () => runsFor(1, 'EXECUTOR') + runsFor(1, 'REVIEWER'),
      (n) => n > startedBefore,
      (IDLE_POLL_S + 10) * 1000,
    );
    expect(Date.now() - movedAt).toBeLessThan((IDLE_POLL_S + 10) * 1000);
    await eventually(
      async () => ({ board: boardStatus(1), phase: await phaseOf(handle) }),
      (s) => s.board === 'Needs Human Approval' && s.phase === 'awaiting-humans',
      90_000,
    );

    await expectOneChain(handle.workflowId);

    // Close by the recipe: the sprint and every item workflow of it end.
    const closed = await recipe('close-sprint', { SPRINT: sprint, REASON: 'reviewed and merged' });
    expect(closed).toMatchObject({ status: 0, stderr: '' });
    expect(closed.stdout).toContain('closed');
    await expect(handle.result()).resolves.toMatchObject({ reason: 'closed', closeReason: 'reviewed and merged' });
    await eventually(
      async () => {
        const running: string[] = [];
        for await (const execution of temporal.client.workflow.list({ query: `Sprint="${sprint}" AND ExecutionStatus="Running"` })) running.push(execution.workflowId);
        return running;
      },
      (running) => running.length === 0,
      30_000,
    );
    const ids = [handle.workflowId, `sprint-${sprint}-item-1`, `sprint-${sprint}-item-2`];
    await expect(replayHistories(await fetchHistories(temporal.client, ids))).resolves.toBe(ids.length);
  }, 300_000);

  it('a rework the backend refuses fails with the reason: `sprint-runner rework` exits 1 and prints it, the board is unchanged', async () => {
    const sprint = `H${randomUUID().slice(0, 8)}`;
    rig = await startRig(sprint, [[5, 'Needs Human Approval']], [linkedPr(5, 50)]);
    const handle = await temporal.client.workflow.start(sprintWorkflow, {
      taskQueue: rig.config.temporalTaskQueue,
      workflowId: `sprint-${sprint}`,
      args: [{ sprint, mode: 'loop' }],
    });
    await eventually(
      () => phaseOf(handle),
      (phase) => phase === 'awaiting-humans',
      60_000,
    );
    await eventually(
      () =>
        temporal.client.workflow
          .getHandle(`sprint-${sprint}-item-5`)
          .query(itemStatusQuery)
          .catch(() => null),
      (s) => s?.boardStatus === 'Needs Human Approval',
    );
    rig.backend.faults.add({ route: '/internal/project-item/update-field', mode: 'http500', count: 10 });
    const env = { TEMPORAL_ADDRESS: testAddress(), TEMPORAL_NAMESPACE: temporal.client.options.namespace, TEMPORAL_TASK_QUEUE: rig.config.temporalTaskQueue };
    const refused = await runCli(['rework', '--sprint', sprint, '--issue', '5', '--reason', 'Add the missing test'], env);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(`rework rejected for #5: backend refused the rework of #5`);
    expect(refused.stdout).toBe('');
    expect(boardStatus(5)).toBe('Needs Human Approval');
    expect(rig.backend.board.effectLog().filter((e) => e.kind === 'transition' && e.issue_number === 5)).toEqual([]);
    const status: SprintStatus = await handle.query(sprintStatusQuery);
    expect(status.phase).toBe('awaiting-humans');
    await handle.executeUpdate('close', { args: [{ reason: 'test over' }] });
  }, 180_000);

  it('every item Done: the sprint closes by itself, its result lists every item, and nothing of the sprint is left running', async () => {
    const sprint = `H${randomUUID().slice(0, 8)}`;
    rig = await startRig(
      sprint,
      [
        [7, 'Ready'],
        [8, 'Needs Human Approval'],
      ],
      [linkedPr(8, 80)],
    );
    const handle = await temporal.client.workflow.start(sprintWorkflow, {
      taskQueue: rig.config.temporalTaskQueue,
      workflowId: `sprint-${sprint}`,
      args: [{ sprint, mode: 'loop' }],
    });
    await eventually(
      () => phaseOf(handle),
      (phase) => phase === 'awaiting-humans',
      90_000,
    );
    // Humans merge and move both cards to Done.
    await moveCard('PVTI_7', 'Done');
    await moveCard('PVTI_8', 'Done');
    const result = await handle.result();
    expect(result.reason).toBe('completed');
    expect(result.items.map((item) => [item.issueNumber, item.boardStatus]).sort()).toEqual([
      [7, 'Done'],
      [8, 'Done'],
    ]);
    await eventually(
      async () => {
        const running: string[] = [];
        for await (const execution of temporal.client.workflow.list({ query: `Sprint="${sprint}" AND ExecutionStatus="Running"` })) running.push(execution.workflowId);
        return running;
      },
      (running) => running.length === 0,
      30_000,
    );
  }, 180_000);
});
