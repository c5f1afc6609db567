/**
 * A tested upgrade (issue #16, docs/upgrading.md) on the real dev server with Worker Deployment
 * Versioning. Worker v1 is the product as it is (the test bundle); worker v2 is the same code plus a
 * real workflow change guarded by `patched('upgrade-probe')` at the start of itemWorkflow (a memo
 * upsert command and an UPGRADE_PROBE event, see test/support/workflow-variant.ts), bundled from a
 * copy of src/, under another build id of the same deployment.
 *
 * v1 becomes current (first version of the deployment) and runs a sprint until its items are in
 * several states at once: a REVIEWER Codex run in flight (#9201, a slow agent), a blocked-retry timer
 * pending (#9202: its fix-up crashed twice → Blocked), an item awaiting a human (#9203). Then v2
 * starts, is made current with the Temporal CLI (`worker deployment set-current-version`), and v1 is
 * stopped (its in-flight Codex run is cancelled and retried on v2). Every open workflow carries on
 * on v2 (AUTO_UPGRADE) with no workflow task failure: the review completes, the blocked-retry timer
 * fires, a human rework goes through, and a new item (#9204) takes the new path (its memo and
 * history have the probe; the workflows started on v1 do not). The sprint then closes.
 *
 * Phase-specific waits are kept loose on purpose (the sprint phases may still be reshaped).
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBackendEmulator, type BackendEmulator } from '../../emulators/backend';
import { loadConfig, type RunnerConfig } from '../../src/config';
import type { RunnerEvent } from '../../src/logging';
import { describeDeployment, promoteIfFirst } from '../../src/temporal/deployment';
import { resolveTemporalCli } from '../../src/temporal/dev-server';
import { createWorkers, type WorkerSet } from '../../src/worker';
import { itemWorkflowId, requestReworkUpdate, sprintWorkflow, sprintWorkflowId } from '../../src/workflows';
import { closeUpdate } from '../../src/workflows/sprint/messages';
import { AGENT_BIN, boardItem, ORCHESTRATOR_CMD } from '../support/e2e';
import { linkedPr, transitionLog } from '../support/fault-rig';
import { eventually } from '../support/item-harness';
import { replayFixtures } from '../support/replay';
import { connectTestTemporal, testAddress, uniqueTaskQueue, type TestTemporal } from '../support/temporal';
import { itemWorkflowVariantBundle, PATCHED_PROBE } from '../support/workflow-variant';

const [RUNNING, BLOCKED, AWAITING, NEWCOMER] = [9201, 9202, 9203, 9204];

describe('v1 → v2 upgrade with Worker Deployment Versioning (AUTO_UPGRADE + patched)', () => {
  let temporal: TestTemporal;
  let backend: BackendEmulator;
  let config: RunnerConfig;
  let v2Bundle: string;
  const deploymentName = `sr-upgrade-${randomUUID().slice(0, 8)}`;
  const v1 = { deploymentName, buildId: 'v1' };
  const v2 = { deploymentName, buildId: 'v2-patched' };
  const events = { v1: [] as RunnerEvent[], v2: [] as RunnerEvent[] };
  const started: Array<{ set: WorkerSet; running: Promise<void> }> = [];
  const workflowIds = new Set<string>();

  beforeAll(async () => {
    temporal = await connectTestTemporal();
    v2Bundle = await itemWorkflowVariantBundle('patched-probe', PATCHED_PROBE);
    backend = await startBackendEmulator({
      items: [boardItem(RUNNING, 'In Review'), boardItem(BLOCKED, 'In Review'), boardItem(AWAITING, 'In Review'), boardItem(NEWCOMER, 'In Review', 'M2')],
      prs: [linkedPr(RUNNING, RUNNING * 10), linkedPr(BLOCKED, BLOCKED * 10), linkedPr(AWAITING, AWAITING * 10), linkedPr(NEWCOMER, NEWCOMER * 10)],
    });
    process.env.AGENT_SCRIPT_JSON = JSON.stringify({
      defaults: { thinkMs: 100 },
      issues: {
        // Still thinking when v1 stops; its retry (attempt 2, on v2) is quick.
        [RUNNING]: { attempts: { REVIEWER: [{ thinkMs: 90_000, childProcess: true }, {}] } },
        // Review FAIL → the fix-up crashes on both transient attempts → Blocked with a blocked-retry timer.
        [BLOCKED]: { attempts: { REVIEWER: [{ outcome: 'FAIL' }, {}], EXECUTOR: [{ mode: 'crash' }, { mode: 'crash' }, {}] } },
      },
    });
    config = loadConfig({
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: uniqueTaskQueue('upgrade'),
      BACKEND_BASE_URL: backend.url,
      ORCHESTRATOR_STATE_PATH: join(mkdtempSync(join(tmpdir(), 'sr-upgrade-')), 'orchestrator-state.json'),
      RUNNER_SPRINT_PLAN_PATH: join(mkdtempSync(join(tmpdir(), 'sr-upgrade-plan-')), 'sprint-plan.json'),
      RUNNER_ORCHESTRATOR_CMD: ORCHESTRATOR_CMD,
      CODEX_BIN: AGENT_BIN,
      ORCHESTRATOR_POLL_INTERVAL_MS: '500',
      CODEX_TOOLS_CALL_TIMEOUT_S: '120',
      BACKEND_TIMEOUT_S: '10',
      RUNNER_TRANSIENT_MAX_ATTEMPTS: '2',
      BLOCKED_RETRY_MINUTES: '0.75',
      BLOCKED_RETRY_MAX_ATTEMPTS: '2',
      SPRINT_IDLE_POLL_MINUTES: '0.05',
    });
  }, 180_000);

  afterAll(async () => {
    await Promise.all(
      [...workflowIds].map((id) =>
        temporal.client.workflow
          .getHandle(id)
          .terminate('upgrade test done')
          .catch(() => undefined),
      ),
    );
    for (const { set, running } of started) {
      try {
        set.shutdown();
      } catch {
        // already stopped
      }
      await running.catch(() => undefined);
    }
    await backend?.close();
    await temporal?.close();
  });

  async function startVersion(version: typeof v1, bundle: string, sink: RunnerEvent[]) {
    const set = await createWorkers({
      config,
      connection: temporal.nativeConnection,
      workflowBundle: { codePath: bundle },
      versioning: { version, defaultBehavior: 'AUTO_UPGRADE' },
      shutdownGraceTime: '1s',
      onEvent: (event) => {
        sink.push(event);
        if (typeof event.workflow_id === 'string') workflowIds.add(event.workflow_id);
      },
    });
    const entry = { set, running: set.run() };
    started.push(entry);
    return entry;
  }

  /** The operator's command (docs/upgrading.md), retried while the server is still registering v2's pollers. */
  function setCurrentWithCli(buildId: string): Promise<string> {
    const args = ['worker', 'deployment', 'set-current-version', '--address', testAddress(), '--deployment-name', deploymentName, '--build-id', buildId, '--yes'];
    const once = () =>
      new Promise<{ ok: boolean; out: string }>((resolve) =>
        execFile(resolveTemporalCli(), args, { encoding: 'utf8', timeout: 30_000 }, (error, stdout, stderr) => resolve({ ok: !error, out: `${stdout}${stderr}` })),
      );
    return eventually(once, (r) => r.ok, 60_000).then((r) => r.out);
  }

  const status = (issue: number) => backend.board.listProjectItems().find((item) => item.issue_number === issue)?.fields.Status;

  it('every open workflow moves to v2 without a non-determinism error; new workflows take the patched path; the sprint closes', async () => {
    // v1 is the deployment's first version: it becomes current by itself (as `sprint-runner worker` does).
    const first = await startVersion(v1, process.env.TEMPORAL_TEST_WORKFLOW_BUNDLE!, events.v1);
    expect(await promoteIfFirst(temporal.client, v1)).toEqual({ promoted: true, reason: 'first_version' });

    const sprint = await temporal.client.workflow.start(sprintWorkflow, {
      taskQueue: config.temporalTaskQueue,
      workflowId: `${sprintWorkflowId('M1')}-${config.temporalTaskQueue}`,
      args: [{ sprint: 'M1', mode: 'loop' }],
    });
    workflowIds.add(sprint.workflowId);

    // The mix of states v1 leaves behind.
    await eventually(
      () => ({ awaiting: status(AWAITING), blocked: status(BLOCKED), reviewing: events.v1.filter((e) => e.type === 'WORKER_STARTED' && e.role === 'REVIEWER').length }),
      (s) => s.awaiting === 'Needs Human Approval' && s.blocked === 'Blocked' && s.reviewing >= 3,
      90_000,
    );
    expect(status(RUNNING)).toBe('In Review');
    expect(events.v1.some((e) => e.type === 'REVIEW_OUTCOME' && e.run_id && String(e.workflow_id).endsWith(`-${RUNNING}`))).toBe(false);
    expect(events.v1.some((e) => e.type === 'BLOCKED_RETRY')).toBe(false);

    // Deploy v2: start it, make it current with the CLI, stop v1.
    await startVersion(v2, v2Bundle, events.v2);
    await setCurrentWithCli(v2.buildId);
    expect((await describeDeployment(temporal.client, deploymentName)).currentBuildId).toBe(v2.buildId);
    first.set.shutdown();
    await first.running;

    // Work continues on v2: the review is retried and passes, the blocked-retry timer fires.
    await eventually(
      () => status(RUNNING),
      (s) => s === 'Needs Human Approval',
      90_000,
    );
    await eventually(
      () => events.v2.filter((e) => e.type === 'BLOCKED_RETRY').length,
      (n) => n >= 1,
      90_000,
    );
    expect(events.v2.some((e) => e.type === 'REVIEW_OUTCOME' && e.outcome === 'PASS')).toBe(true);

    // A human rework on an item workflow started by v1, handled by v2.
    const awaiting = temporal.client.workflow.getHandle(itemWorkflowId('M1', AWAITING));
    expect((await awaiting.executeUpdate(requestReworkUpdate, { args: [{ reason: 'Add a test for the upgrade' }] })).status).toBe('In Review');
    await eventually(
      () => transitionLog(backend, AWAITING).length,
      (n) => n >= 3,
      90_000,
    );

    // A new item joins the sprint: its workflow starts on v2 and takes the patched path.
    backend.board.setField(`PVTI_${NEWCOMER}`, 'Sprint', 'M1');
    await eventually(
      () => status(NEWCOMER),
      (s) => s === 'Needs Human Approval',
      90_000,
    );
    const probes = events.v2.filter((e) => e.type === 'UPGRADE_PROBE').map((e) => e.workflow_id);
    expect(probes).toContain(itemWorkflowId('M1', NEWCOMER));
    for (const old of [RUNNING, BLOCKED, AWAITING]) expect(probes).not.toContain(itemWorkflowId('M1', old));
    expect(events.v1.some((e) => e.type === 'UPGRADE_PROBE')).toBe(false);
    const memo = async (issue: number) => (await temporal.client.workflow.getHandle(itemWorkflowId('M1', issue)).describe()).memo ?? {};
    expect(await memo(NEWCOMER)).toMatchObject({ upgradeProbe: 'v2' });
    expect(await memo(AWAITING)).not.toHaveProperty('upgradeProbe');

    // The sprint (started on v1) closes on v2 and lists every item.
    await sprint.executeUpdate(closeUpdate, { args: [{ reason: 'upgrade test done' }] });
    const result = await sprint.result();
    expect(result.reason).toBe('closed');
    expect(result.items.map((item) => item.issueNumber).sort()).toEqual([RUNNING, BLOCKED, AWAITING, NEWCOMER]);

    // No workflow task failed anywhere (a non-determinism error fails the task), the open workflows
    // ran on both versions, and their full histories replay with v2's code.
    const ids = [sprint.workflowId, ...[RUNNING, BLOCKED, AWAITING, NEWCOMER].map((issue) => itemWorkflowId('M1', issue))];
    const histories = await Promise.all(ids.map(async (id) => ({ id, history: await temporal.client.workflow.getHandle(id).fetchHistory() })));
    for (const { id, history } of histories) {
      const failed = (history.events ?? []).filter((e) => e.workflowTaskFailedEventAttributes).map((e) => e.workflowTaskFailedEventAttributes!.failure?.message);
      expect({ id, failed }).toEqual({ id, failed: [] });
      const builds = new Set((history.events ?? []).map((e) => e.workflowTaskCompletedEventAttributes?.deploymentVersion?.buildId).filter(Boolean));
      if (id !== itemWorkflowId('M1', NEWCOMER)) expect({ id, builds: [...builds].sort() }).toEqual({ id, builds: [v1.buildId, v2.buildId] });
      else expect({ id, builds: [...builds] }).toEqual({ id, builds: [v2.buildId] });
    }
    // patched() records a marker whose details name the patch (payload data, base64 in JSON).
    const patchIds = (id: string) =>
      (histories.find((h) => h.id === id)!.history.events ?? [])
        .map((e) => e.markerRecordedEventAttributes)
        .filter((marker) => marker?.markerName === 'core_patch')
        .flatMap((marker) => Object.values(marker!.details ?? {}).flatMap((p) => (p.payloads ?? []).map((payload) => Buffer.from(payload.data ?? []).toString('utf8'))));
    expect(patchIds(itemWorkflowId('M1', NEWCOMER)).join(' ')).toContain('upgrade-probe');
    // Workflows that started on v1 replay past the probe without its marker (other patches they meet
    // after the upgrade, on code they have not run yet, do record theirs).
    for (const old of [RUNNING, BLOCKED, AWAITING]) expect(patchIds(itemWorkflowId('M1', old)).join(' ')).not.toContain('upgrade-probe');
    const replayed = await replayFixtures(
      histories.map(({ id, history }) => ({ file: id, workflowId: id, history })),
      v2Bundle,
    );
    expect(replayed.filter((r) => r.error).map((r) => `${r.file}: ${r.error!.message}`)).toEqual([]);
  }, 420_000);
});
