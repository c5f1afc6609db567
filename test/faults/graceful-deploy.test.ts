/**
 * Graceful deploys (issue #16, docs/upgrading.md): SIGTERM to a worker with a Codex run in flight.
 * The worker stops polling at once; the run may finish within RUNNER_SHUTDOWN_GRACE_S and its result
 * is recorded as usual; past the grace the activity is cancelled — its Codex process group killed —
 * and fails as retryable, so the next worker retries it (a new Codex run, attempt 2) without waiting
 * for a heartbeat timeout. Worker processes run the product's createWorkers (test/support/worker-entry.ts)
 * with the agent emulator as Codex.
 */
import type { Client } from '@temporalio/client';
import { boardItem } from '../support/e2e';
import { boardStatuses, cmdline, linkedPr, startFaultRig, transitionLog, type FaultRig } from '../support/fault-rig';
import { closeWhenAwaitingHumans } from '../support/sprint-phase';
import { connectTestTemporal, testAddress, type TestTemporal } from '../support/temporal';
import { waitFor } from '../support/worker-process';
import { completedAttempts } from '../support/history';

/** The identity (`<pid>@<host>`) of the worker that started each attempt of an activity type. */
async function activityIdentities(client: Client, workflowId: string, activityType: string): Promise<string[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const scheduled = new Set<string>();
  const out: string[] = [];
  for (const event of history.events ?? []) {
    if (event.activityTaskScheduledEventAttributes?.activityType?.name === activityType) scheduled.add(String(event.eventId));
    const started = event.activityTaskStartedEventAttributes;
    if (started && scheduled.has(String(started.scheduledEventId))) out.push(started.identity ?? '');
  }
  return out;
}

describe('SIGTERM with a Codex run in flight (graceful deploy)', () => {
  let temporal: TestTemporal;
  let rig: FaultRig | undefined;
  beforeAll(async () => {
    temporal = await connectTestTemporal();
  });
  afterEach(async () => {
    await rig?.stop(temporal.client);
    rig = undefined;
  });
  afterAll(async () => temporal.close());

  const codexCalls = (r: FaultRig) => r.agentCalls().filter((call) => call.tool === 'codex');

  it('a run shorter than the grace finishes on the stopping worker; the next worker carries on', async () => {
    const issue = 9101;
    rig = await startFaultRig(
      testAddress(),
      { items: [boardItem(issue, 'In Review')], prs: [linkedPr(issue, issue * 10)] },
      { RUNNER_SHUTDOWN_GRACE_S: '30' },
      { issues: { [issue]: { roles: { REVIEWER: { thinkMs: 6000 } } } } },
    );
    const r = rig;
    const first = await r.startWorker();
    const handle = await r.startSprint(temporal.client);
    await waitFor(
      () => codexCalls(r).length,
      (n) => n >= 1,
      60_000,
      50,
    );
    const stoppedAt = Date.now();
    first.child.kill('SIGTERM');
    // The next worker is up while the old one drains; it must not run the review again.
    const second = await r.startWorker();
    const exit = await first.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    // It waited for the run (≈ 6 s of thinking) rather than cancelling it, and well within the grace.
    const drainedMs = Date.now() - stoppedAt;
    expect(drainedMs).toBeGreaterThan(2_000);
    expect(drainedMs).toBeLessThan(30_000);
    // The activity ran and completed on the stopping worker (its identity is `<pid>@<host>`); the
    // workflow task that follows runs on the next worker, so the review's events come from there.
    const itemId = `sprint-M1-item-${issue}`;
    expect(await activityIdentities(temporal.client, itemId, 'runCodexWorker')).toEqual([expect.stringMatching(new RegExp(`^${first.pid}@`))]);
    await waitFor(() => r.events().find((e) => e.type === 'REVIEW_OUTCOME'), Boolean, 30_000);
    expect(r.events().find((e) => e.type === 'REVIEW_OUTCOME')).toMatchObject({ outcome: 'PASS' });
    expect(r.events().some((e) => e.type === 'WORKER_CANCELLED')).toBe(false);

    const result = await closeWhenAwaitingHumans(handle);
    expect(result.reason).toBe('closed');
    expect(boardStatuses(r.backend)[issue]).toBe('Needs Human Approval');
    expect(transitionLog(r.backend, issue).map((e) => `${e.from}->${e.to}`)).toEqual(['In Review->Needs Human Approval']);
    expect(codexCalls(r)).toHaveLength(1);
    expect(await completedAttempts(temporal.client, itemId, 'runCodexWorker')).toEqual([1]);
    expect(second.events.some((e) => e.type === 'WORKER_STARTED')).toBe(false);
  }, 150_000);

  it('a run longer than the grace is cancelled (process group killed) and retried by the next worker', async () => {
    const issue = 9111;
    rig = await startFaultRig(
      testAddress(),
      { items: [boardItem(issue, 'In Review')], prs: [linkedPr(issue, issue * 10)] },
      { RUNNER_SHUTDOWN_GRACE_S: '2' },
      // Attempt 1 thinks for a minute and starts a SIGTERM-ignoring child (like a command codex runs); attempt 2 is quick.
      { issues: { [issue]: { attempts: { REVIEWER: [{ thinkMs: 60_000, childProcess: true }, { thinkMs: 100 }] } } } },
    );
    const r = rig;
    const first = await r.startWorker();
    const handle = await r.startSprint(temporal.client);
    await waitFor(
      () => codexCalls(r).length,
      (n) => n >= 1,
      60_000,
      50,
    );
    await waitFor(
      () => r.codexPids().length,
      (n) => n >= 2,
      10_000,
      50,
    ); // agent + its child
    const stoppedAt = Date.now();
    first.child.kill('SIGTERM');
    const exit = await first.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    // Grace (2 s) plus the cancellation reaching the activity, far less than the 60 s run.
    expect(Date.now() - stoppedAt).toBeLessThan(15_000);
    // Cancelled cleanly: the Codex process group is gone with the worker, nothing recorded for the run.
    const left = await waitFor(
      () => r.codexPids(),
      (pids) => pids.length === 0,
      10_000,
    ).catch(() => r.codexPids());
    expect(left.map((pid) => `${pid} ${cmdline(pid)}`)).toEqual([]);
    expect(first.events.some((e) => e.type === 'REVIEW_OUTCOME')).toBe(false);
    expect(transitionLog(r.backend, issue)).toEqual([]);

    // The next worker retries the same run (attempt 2) — soon, not after the 60 s heartbeat timeout.
    const retriedAt = Date.now();
    const second = await r.startWorker();
    await waitFor(
      () => boardStatuses(r.backend)[issue],
      (s) => s === 'Needs Human Approval',
      60_000,
    );
    expect(Date.now() - retriedAt).toBeLessThan(45_000);
    expect(second.events.find((e) => e.type === 'REVIEW_OUTCOME')).toMatchObject({ outcome: 'PASS' });
    const runIds = codexCalls(r).map((call) => call.run_id);
    expect(runIds).toHaveLength(2);
    expect(runIds[1]).toBe(runIds[0]);
    expect(await completedAttempts(temporal.client, `sprint-M1-item-${issue}`, 'runCodexWorker')).toEqual([2]);

    const result = await closeWhenAwaitingHumans(handle);
    expect(result.reason).toBe('closed');
    expect(transitionLog(r.backend, issue).map((e) => `${e.from}->${e.to}`)).toEqual(['In Review->Needs Human Approval']);
  }, 180_000);
});
