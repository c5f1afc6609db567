/**
 * Item lifecycles end to end (issue: item workflow): the real product against the backend,
 * orchestrator and agent emulators on the real Temporal server. Each test asserts the final board
 * and the backend's ordered transition log.
 */
import { existsSync, readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { itemStatusQuery, itemWorkflow, itemWorkflowId, requestReworkUpdate, runIntentSignal, sprintWorkflow, sprintWorkflowId } from '../../src/workflows';
import { sprintSettingsFrom } from '../../src/activities/sprint';
import { connectTestTemporal, type TestTemporal } from '../support/temporal';
import { startE2eRig, type E2eRig, boardItem } from '../support/e2e';
import { eventually } from '../support/item-harness';
import { closeWhenAwaitingHumans } from '../support/sprint-phase';
import { sprintStatusQuery } from '../../src/workflows/sprint/messages';

const linkedPr = (issue: number, number: number) => ({
  number,
  issue_number: issue,
  head_ref: `executor/issue-${issue}`,
  body: `Work for #${issue}.\n\nRefs #${issue}\n\n<!-- EXECUTOR_RUN_V1\nissue: ${issue}\nproject_item_id: PVTI_${issue}\nrun_id: 6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f\n-->`,
});

function statusTransitions(rig: E2eRig, issue: number) {
  return rig.backend.board
    .effectLog()
    .filter((entry) => entry.kind === 'transition' && entry.issue_number === issue)
    .map((entry) => `${entry.from}->${entry.to} (${entry.role})`);
}

function boardStatus(rig: E2eRig, issue: number): string | undefined {
  return rig.backend.board.listProjectItems().find((i) => i.issue_number === issue)?.fields.Status;
}

function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

describe('item lifecycles end to end', () => {
  let temporal: TestTemporal;
  let rig: E2eRig;
  beforeAll(async () => {
    temporal = await connectTestTemporal();
  });
  afterEach(async () => rig?.stop());
  afterAll(async () => temporal.close());

  async function runSprint(mode: 'loop' | 'once' = 'loop') {
    return temporal.client.workflow.start(sprintWorkflow, {
      taskQueue: rig.config.temporalTaskQueue,
      workflowId: `${sprintWorkflowId('M1')}-${rig.config.temporalTaskQueue}`,
      args: [{ sprint: 'M1', mode }],
    });
  }

  it('FAIL ×5 → Blocked once (review cycle cap), through the real orchestrator dispatch loop', async () => {
    rig = await startE2eRig(temporal, { items: [boardItem(5, 'In Review')], prs: [linkedPr(5, 50)] }, {}, { roles: { REVIEWER: { outcome: 'FAIL' } } });
    const result = await closeWhenAwaitingHumans(await runSprint());
    expect(result.reason).toBe('closed');
    expect(boardStatus(rig, 5)).toBe('Blocked');
    expect(statusTransitions(rig, 5)).toEqual(['In Review->Blocked (ORCHESTRATOR)']);
    const reviews = rig.events.filter((e) => e.type === 'REVIEW_OUTCOME');
    expect(reviews).toHaveLength(5);
    expect(rig.events.filter((e) => e.type === 'REVIEW_CYCLE_CAP_BLOCKED')).toHaveLength(1);
  });

  it('executor failure → Blocked (B3) with its classification', async () => {
    rig = await startE2eRig(
      temporal,
      { items: [boardItem(6, 'Ready')] },
      { BLOCKED_RETRY_MAX_ATTEMPTS: '1', BLOCKED_RETRY_MINUTES: '60' },
      {
        roles: { EXECUTOR: { status: 'failed', summary: 'tests do not build' } },
      },
    );
    await (await runSprint('once')).result();
    await eventually(
      () => boardStatus(rig, 6),
      (s) => s === 'Blocked',
    );
    expect(statusTransitions(rig, 6)).toEqual(['Ready->In Progress (EXECUTOR)', 'In Progress->Blocked (ORCHESTRATOR)']);
    const comment = rig.backend.board
      .listIssueComments(6)
      .map((c) => c.body)
      .join('\n');
    expect(comment).toContain('Failure classification: ITEM_STOP');
    expect(comment).toContain('tests do not build');
  });

  it('transient backend outage (502 on agent-context) is retried, then the run succeeds', async () => {
    rig = await startE2eRig(temporal, { items: [boardItem(7, 'In Review')], prs: [linkedPr(7, 70)] }, { RUNNER_TRANSIENT_MAX_ATTEMPTS: '5' });
    rig.backend.faults.add({ route: '/internal/agent-context', mode: 'http502', count: 2 });
    const result = await closeWhenAwaitingHumans(await runSprint());
    expect(result.reason).toBe('closed');
    expect(boardStatus(rig, 7)).toBe('Needs Human Approval');
    expect(statusTransitions(rig, 7)).toEqual(['In Review->Needs Human Approval (ORCHESTRATOR)']);
    expect(rig.backend.faults.stats().faults['/internal/agent-context']).toBe(2);
  });

  it('watchdog: a hung Codex run is cancelled, its whole process group killed, and the item Blocked (HARD_STOP)', async () => {
    const eventsLog = join(mkdtempSync(join(tmpdir(), 'sr-agent-')), 'agent-events.jsonl');
    process.env.AGENT_EVENTS_LOG = eventsLog;
    try {
      rig = await startE2eRig(
        temporal,
        { items: [boardItem(8, 'Ready')] },
        { RUNNER_WATCHDOG_TIMEOUT_S: '3', BLOCKED_RETRY_MAX_ATTEMPTS: '1' },
        {
          roles: { EXECUTOR: { mode: 'hang', childProcess: true } },
        },
      );
      await (await runSprint('once')).result();
      await eventually(
        () => boardStatus(rig, 8),
        (s) => s === 'Blocked',
        60_000,
      );
      expect(rig.events.some((e) => e.type === 'WORKER_WATCHDOG_TIMEOUT')).toBe(true);
      const comment = rig.backend.board
        .listIssueComments(8)
        .map((c) => c.body)
        .join('\n');
      expect(comment).toContain('Worker exceeded watchdog timeout (3s).');
      expect(comment).toContain('Failure classification: HARD_STOP');
      const calls = readFileSync(eventsLog, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { pid: number });
      expect(calls.length).toBeGreaterThan(0);
      await eventually(
        () => calls.map((call) => pidAlive(call.pid)),
        (alive) => alive.every((a) => !a),
        10_000,
      );
    } finally {
      delete process.env.AGENT_EVENTS_LOG;
    }
  });

  it('rework: PASS → Needs Human Approval → requestRework → In Review → fix-up → re-review → Needs Human Approval', async () => {
    rig = await startE2eRig(temporal, { items: [boardItem(9, 'In Review')], prs: [linkedPr(9, 90)] });
    // The sprint awaits humans once the item awaits a human; its workflow stays open...
    const sprint = await runSprint();
    await eventually(
      () => sprint.query(sprintStatusQuery).catch(() => null),
      (s) => s?.phase === 'awaiting-humans',
      60_000,
    );
    const itemHandle = temporal.client.workflow.getHandle(itemWorkflowId('M1', 9));
    expect((await itemHandle.query(itemStatusQuery)).boardStatus).toBe('Needs Human Approval');
    const accepted = await itemHandle.executeUpdate(requestReworkUpdate, { args: [{ reason: 'Add a test for the empty body case' }] });
    expect(accepted.status).toBe('In Review');
    // ...and wakes by itself to process the rework: fix-up on the existing PR, then re-review.
    await eventually(
      () => statusTransitions(rig, 9).length,
      (n) => n === 3,
      60_000,
    );
    expect((await closeWhenAwaitingHumans(sprint)).reason).toBe('closed');
    expect(statusTransitions(rig, 9)).toEqual([
      'In Review->Needs Human Approval (ORCHESTRATOR)',
      'Needs Human Approval->In Review (HUMAN)',
      'In Review->Needs Human Approval (ORCHESTRATOR)',
    ]);
    const roles = rig.events.filter((e) => e.type === 'WORKER_STARTED').map((e) => `${e.role} ${e.endpoint}`);
    expect(roles).toEqual(['REVIEWER /internal/reviewer/resolve-linked-pr', 'EXECUTOR /internal/reviewer/resolve-linked-pr', 'REVIEWER /internal/reviewer/resolve-linked-pr']);
    expect(rig.backend.board.effectLog().filter((e) => e.kind === 'pr_pushed' && e.issue_number === 9)).toHaveLength(1);
    expect(existsSync(rig.config.orchestratorStatePath)).toBe(true);
  });

  it('the same intent delivered twice runs once: one Codex run, one backend transition', async () => {
    rig = await startE2eRig(temporal, { items: [boardItem(11, 'In Review')], prs: [linkedPr(11, 110)] });
    const runId = randomUUID();
    const intent = {
      type: 'RUN_INTENT' as const,
      role: 'REVIEWER' as const,
      run_id: runId,
      endpoint: '/internal/reviewer/resolve-linked-pr',
      body: { role: 'REVIEWER', issue_number: 11, run_id: runId },
    };
    const settings = sprintSettingsFrom(rig.config, false).itemSettings;
    const deliver = () =>
      temporal.client.workflow.signalWithStart(itemWorkflow, {
        workflowId: itemWorkflowId('M1', 11),
        taskQueue: rig.config.temporalTaskQueue,
        args: [{ sprint: 'M1', issueNumber: 11, projectItemId: 'PVTI_11', settings }],
        signal: runIntentSignal,
        signalArgs: [{ version: 1, intent, intentHash: 'a'.repeat(64), routedAtMs: Date.now() }],
      });
    const handle = await deliver();
    await deliver();
    await eventually(
      () => handle.query(itemStatusQuery),
      (s) => s.boardStatus === 'Needs Human Approval' && s.queuedIntents.length === 0,
    );
    await deliver();
    await eventually(
      () => rig.events.filter((e) => e.type === 'LEDGER_SKIP').length,
      (n) => n >= 1,
    );
    expect(rig.events.filter((e) => e.type === 'WORKER_STARTED')).toHaveLength(1);
    expect(statusTransitions(rig, 11)).toEqual(['In Review->Needs Human Approval (ORCHESTRATOR)']);
    expect(rig.backend.faults.stats().calls['/internal/project-item/update-field']).toBe(1);
  });

  it('an EXECUTOR that reports a PR without verifying its marker is stopped (ITEM_STOP) and Blocked', async () => {
    rig = await startE2eRig(temporal, { items: [boardItem(13, 'Ready')] }, { BLOCKED_RETRY_MAX_ATTEMPTS: '1' }, { roles: { EXECUTOR: { mode: 'markerUnverified' } } });
    await (await runSprint('once')).result();
    await eventually(
      () => boardStatus(rig, 13),
      (s) => s === 'Blocked',
    );
    expect(rig.events.find((e) => e.type === 'WORKER_FAILED')).toMatchObject({ classification: 'ITEM_STOP', error_code: 'worker_invalid_output' });
    expect(statusTransitions(rig, 13)).toEqual(['Ready->In Progress (EXECUTOR)', 'In Progress->In Review (EXECUTOR)', 'In Review->Blocked (ORCHESTRATOR)']);
  });
});
