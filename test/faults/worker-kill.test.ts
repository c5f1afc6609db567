/**
 * kill -9 of the worker process in the middle of every activity kind, then a fresh worker: every
 * item reaches its status, no transition is lost or applied twice for a run_id (backend effect log),
 * and no Codex process is left behind (the per-worker group watcher, src/activities/group-reaper.ts,
 * SIGKILLs the Codex process groups of a worker killed with -9).
 *
 * One SIGKILL lands while, at the same time:
 *  - an EXECUTOR claim run is fetching its role bundle (latency on /internal/agent-context): its
 *    Codex process is up, the claim has not happened yet;
 *  - a REVIEWER run (resolve-linked-pr, bound to its issue) is thinking inside `tools/call codex`;
 *  - an orchestrator tick is running (latency on the orchestrator's preflight);
 *  - long variant only: a PASS handoff (board transition) is on the wire (latency on update-field).
 * Each killed activity is retried by the new worker once its heartbeat timeout expires (60 s for
 * Codex runs and ticks, 30 s for board activities), so the short variant takes ≈ 100 s.
 *
 * Which Codex run gets the slow bundle fetch is made deterministic: only the Ready item is in the
 * sprint at first; the In Review items are moved into the sprint (Sprint field, not a status
 * transition) once the claim run's fetch hangs, so their runs come one tick later.
 *
 * A second case kills the worker *after* an EXECUTOR claim landed (the claim run hangs right after
 * claiming: the item is In Progress, no PR). The retried activity (same run_id) finds no Ready item
 * and reports "no claimable item". The item workflow resumes the lost claim (issue #14): In Progress
 * → Blocked → Ready at once, and the same intent runs again with the same run_id, which the backend
 * answers with the same item (the live claim marker names that run_id: ../../docs/spec/backend-orchestrator-contract.md §A.6). So the item is
 * worked on again one heartbeat timeout (60 s) after the kill plus a few seconds — not after a
 * blocked-retry cooldown (15 min by default) and the lost claim's lease.
 */
import { itemStatusQuery } from '../../src/workflows';
import { connectTestTemporal, testAddress, type TestTemporal } from '../support/temporal';
import { boardItem } from '../support/e2e';
import { boardStatuses, cmdline, duplicateTransitions, linkedPr, startFaultRig, transitionLog, type FaultRig } from '../support/fault-rig';
import { LONG, size, waitFor } from '../support/worker-process';
import { closeWhenAwaitingHumans } from '../support/sprint-phase';
import { completedAttempts } from '../support/history';

const transitions = (rig: FaultRig, issue: number) => transitionLog(rig.backend, issue).map((e) => `${e.from}->${e.to} (${e.role})`);

describe('kill -9 of the worker mid-activity', () => {
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

  const repetitions = size(1, 3);
  it.each(Array.from({ length: repetitions }, (_, i) => i + 1))(
    `repetition %i: claim-run bundle fetch, reviewer Codex run and orchestrator tick${LONG ? ' and PASS handoff' : ''} in flight → a new worker finishes the sprint`,
    async (repetition) => {
      const base = 7100 + repetition * 10;
      const [claimIssue, reviewIssue, handoffIssue] = [base + 1, base + 2, base + 3];
      // The In Review items start outside the sprint (M2) and are moved in once the claim run's bundle fetch hangs.
      const items = [boardItem(claimIssue, 'Ready'), boardItem(reviewIssue, 'In Review', 'M2')];
      const prs = [linkedPr(reviewIssue, reviewIssue * 10)];
      const late = [reviewIssue];
      if (LONG) {
        items.push(boardItem(handoffIssue, 'In Review', 'M2'));
        prs.push(linkedPr(handoffIssue, handoffIssue * 10));
        late.push(handoffIssue);
      }
      const issues: Record<string, unknown> = {};
      // Codex runs think 8 s (killed mid-run) and start a SIGTERM-ignoring child like a real codex command.
      if (LONG) issues[String(handoffIssue)] = { roles: { REVIEWER: { thinkMs: 200 } } };
      rig = await startFaultRig(
        testAddress(),
        { items, prs },
        // The hanging bundle fetch must outlast the kill without hitting the runner's HTTP timeout.
        { RUNNER_TRANSIENT_MAX_ATTEMPTS: '5', BACKEND_TIMEOUT_S: '60' },
        { defaults: { thinkMs: 8000, childProcess: true }, issues },
      );
      // The first bundle fetch (the claim run's: the only item in the sprint) hangs for 30 s; every
      // orchestrator tick takes ≥ 2.5 s (its preflight), so a tick is almost always in flight.
      rig.backend.faults.add({ route: '/internal/agent-context', mode: 'latency', latencyMs: 30_000, nth: 1, count: 1 });
      rig.backend.faults.add({ route: '/internal/preflight', mode: 'latency', latencyMs: 2500 });
      // Long: the PASS handoff of the third item is on the wire (the first update-field call; the backend applies it after 6 s).
      if (LONG) rig.backend.faults.add({ route: '/internal/project-item/update-field', mode: 'latency', latencyMs: 6000, nth: 1, count: 1 });

      const t0 = Date.now();
      const log = (what: string, data?: unknown) => process.env.FAULT_DEBUG && process.stdout.write(`[${Date.now() - t0}ms] ${what} ${JSON.stringify(data ?? '')}\n`);
      const r = rig;
      const first = await r.startWorker();
      const handle = await r.startSprint(temporal.client);
      const stats = () => r.backend.faults.stats().calls;
      await waitFor(
        () => stats()['/internal/agent-context'] ?? 0,
        (n) => n >= 1,
        60_000,
        50,
      );
      const fetchStartedAt = Date.now();
      for (const issue of late) r.backend.board.setField(`PVTI_${issue}`, 'Sprint', 'M1');
      await waitFor(
        () => ({
          codexCalls: r.agentCalls().filter((c) => c.tool === 'codex').length,
          started: first.events.filter((e) => e.type === 'WORKER_STARTED').length,
          orchestrators: r.orchestratorPids().length,
          updates: stats()['/internal/project-item/update-field'] ?? 0,
        }),
        (s) => s.codexCalls >= late.length && s.started >= 1 + late.length && s.orchestrators >= 1 && (!LONG || s.updates >= 1),
        25_000,
        50,
      );
      const inFlight = { codex: r.codexPids(), orchestrator: r.orchestratorPids(), watchers: r.watcherPids() };
      log('kill', { inFlight, stats: r.backend.faults.stats(), events: first.events.map((e) => e.type) });
      await first.kill9();
      // Every kill point was really in flight: the claim run's fetch still hangs (nothing claimed), the
      // reviewer run(s) had called Codex, a tick's orchestrator ran; nothing else had finished.
      expect(Date.now() - fetchStartedAt).toBeLessThan(30_000);
      expect(transitions(r, claimIssue)).toEqual([]);
      expect(inFlight.codex.length).toBeGreaterThanOrEqual(1 + late.length);
      expect(inFlight.orchestrator.length).toBeGreaterThan(0);
      expect(inFlight.watchers).toHaveLength(1);
      expect(first.events.filter((e) => e.type === 'WORKER_FINISHED' || e.type === 'REVIEW_OUTCOME')).toHaveLength(LONG ? 1 : 0);

      // No orphan: the dead worker's group watcher SIGKILLs every Codex process group it owned (agent
      // emulators and their SIGTERM-ignoring children), then exits itself.
      const orphans = await waitFor(
        () => ({ codex: r.codexPids(), watchers: r.watcherPids() }),
        (p) => p.codex.length === 0 && p.watchers.length === 0,
        10_000,
      ).catch(() => ({ codex: r.codexPids(), watchers: r.watcherPids() }));
      expect({ codex: orphans.codex.map((pid) => `${pid} ${cmdline(pid)}`), watchers: orphans.watchers }).toEqual({ codex: [], watchers: [] });
      log('reaped', { afterMs: Date.now() - t0 });

      const second = await r.startWorker();
      const progress = setInterval(
        () => log('progress', { statuses: boardStatuses(r.backend), events: second.events.map((e) => e.type).slice(-8), codex: r.codexPids().length }),
        10_000,
      );
      const result = await closeWhenAwaitingHumans(handle).finally(() => clearInterval(progress));
      log('done', { result });
      expect(result.reason).toBe('closed');
      const statuses = boardStatuses(r.backend);
      expect(statuses[claimIssue]).toBe('Needs Human Approval');
      expect(statuses[reviewIssue]).toBe('Needs Human Approval');
      expect(transitions(r, claimIssue)).toEqual(['Ready->In Progress (EXECUTOR)', 'In Progress->In Review (EXECUTOR)', 'In Review->Needs Human Approval (ORCHESTRATOR)']);
      expect(transitions(r, reviewIssue)).toEqual(['In Review->Needs Human Approval (ORCHESTRATOR)']);
      if (LONG) {
        expect(statuses[handoffIssue]).toBe('Needs Human Approval');
        expect(transitions(r, handoffIssue)).toEqual(['In Review->Needs Human Approval (ORCHESTRATOR)']);
        const item = await temporal.client.workflow.getHandle(`sprint-M1-item-${handoffIssue}`).query(itemStatusQuery);
        expect(item.boardStatus).toBe('Needs Human Approval');
      }
      expect(duplicateTransitions(r.backend)).toEqual([]);
      // The killed activities were retried (attempt 2 on the new worker), not re-dispatched: the
      // claim run and the first reviewer run completed on their second attempt, and so did a tick.
      expect((await completedAttempts(temporal.client, `sprint-M1-item-${claimIssue}`, 'runCodexWorker'))[0]).toBe(2);
      expect((await completedAttempts(temporal.client, `sprint-M1-item-${reviewIssue}`, 'runCodexWorker'))[0]).toBe(2);
      const tickAttempts = [
        ...(await completedAttempts(temporal.client, handle.workflowId, 'runOrchestrator')),
        ...(await completedAttempts(temporal.client, handle.workflowId, 'routeIntents')),
      ];
      expect(tickAttempts).toContain(2);
      expect(r.agentCalls().filter((c) => c.tool === 'codex').length).toBeGreaterThanOrEqual(late.length + 3);
      // Nothing but the live worker's own watcher is left: no Codex process, no orchestrator.
      await waitFor(
        () => ({ codex: r.codexPids(), orchestrator: r.orchestratorPids() }),
        (p) => p.codex.length === 0 && p.orchestrator.length === 0,
        15_000,
      );
    },
    LONG ? 900_000 : 180_000,
  );

  it('EXECUTOR claim run killed after its claim landed → released and re-claimed with the same run_id, no cooldown', async () => {
    const issue = 7201;
    // Attempt 1 of the issue's EXECUTOR (the first claim) hangs right after claiming, with a
    // SIGTERM-ignoring child; every other run (the retry that claims nothing, the new claim, the
    // reviewer) answers at once.
    // The lost claim's lease (a claim-marker comment, 15 min by default) outlives the worker; the
    // blocked-retry cooldown is its default 15 min: neither is waited for.
    rig = await startFaultRig(
      testAddress(),
      { items: [boardItem(issue, 'Ready')] },
      { RUNNER_TRANSIENT_MAX_ATTEMPTS: '5' },
      { defaults: { thinkMs: 200, childProcess: true }, issues: { [String(issue)]: { attempts: { EXECUTOR: [{ mode: 'hang', at: 'start' }] } } } },
    );
    const t0 = Date.now();
    const log = (what: string, data?: unknown) => process.env.FAULT_DEBUG && process.stdout.write(`[${Date.now() - t0}ms] ${what} ${JSON.stringify(data ?? '')}\n`);
    const r = rig;
    const first = await r.startWorker();
    const handle = await r.startSprint(temporal.client);
    // The claim landed (Ready → In Progress on the backend) and its Codex run is hanging afterwards.
    const [claim] = await waitFor(
      () => transitionLog(r.backend, issue),
      (entries) => entries.length >= 1,
      60_000,
      50,
    );
    expect(`${claim!.from}->${claim!.to} (${claim!.role})`).toBe('Ready->In Progress (EXECUTOR)');
    const claimRunId = claim!.run_id;
    expect(claimRunId).toBeTruthy();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const inFlight = { codex: r.codexPids(), watchers: r.watcherPids() };
    log('kill', { inFlight, claimRunId, events: first.events.map((e) => e.type) });
    const killedAt = Date.now();
    await first.kill9();
    expect(transitions(r, issue)).toEqual(['Ready->In Progress (EXECUTOR)']);
    expect(r.backend.board.listPullRequests().filter((pr) => pr.issue_number === issue)).toEqual([]);
    expect(inFlight.codex.length).toBeGreaterThanOrEqual(1);
    expect(inFlight.watchers).toHaveLength(1);
    expect(first.events.filter((e) => e.type === 'WORKER_FINISHED' || e.type === 'WORKER_FAILED')).toEqual([]);

    // The dead worker's group watcher reaps the hanging claim run and its child.
    const orphans = await waitFor(
      () => ({ codex: r.codexPids(), watchers: r.watcherPids() }),
      (p) => p.codex.length === 0 && p.watchers.length === 0,
      10_000,
    ).catch(() => ({ codex: r.codexPids(), watchers: r.watcherPids() }));
    expect({ codex: orphans.codex.map((pid) => `${pid} ${cmdline(pid)}`), watchers: orphans.watchers }).toEqual({ codex: [], watchers: [] });

    const second = await r.startWorker();
    const progress = setInterval(
      () =>
        log('progress', {
          transitions: transitions(r, issue),
          codex: r.codexPids().length,
          events: second.events.map((e) => e.type).filter((type) => type !== 'DISPATCH_SUMMARY' && type !== 'INTAKE_ROUTED'),
        }),
      10_000,
    );
    const result = await closeWhenAwaitingHumans(handle).finally(() => clearInterval(progress));
    log('done', { result, afterMs: Date.now() - t0 });
    expect(result.reason).toBe('closed');
    expect(boardStatuses(r.backend)[issue]).toBe('Needs Human Approval');
    expect(transitions(r, issue)).toEqual([
      'Ready->In Progress (EXECUTOR)',
      'In Progress->Blocked (ORCHESTRATOR)',
      'Blocked->Ready (ORCHESTRATOR)',
      'Ready->In Progress (EXECUTOR)',
      'In Progress->In Review (EXECUTOR)',
      'In Review->Needs Human Approval (ORCHESTRATOR)',
    ]);
    // Release and re-claim are the lost claim's run: the same run_id claims the same item again.
    const entries = transitionLog(r.backend, issue);
    expect(entries.slice(0, 4).map((e) => e.run_id)).toEqual([claimRunId, claimRunId, claimRunId, claimRunId]);
    // Worked on again within one Codex heartbeat timeout (60 s) of the kill, plus the retry's own
    // short run and the two releasing transitions — not after a cooldown or the 15-min lease.
    const reclaimedAfterMs = Date.parse(entries[3]!.at) - killedAt;
    log('reclaimed', { reclaimedAfterMs });
    expect(reclaimedAfterMs).toBeLessThan(60_000 + 15_000);
    // The one transition a run_id applies twice: the lost claim's own re-claim, after its release.
    expect(duplicateTransitions(r.backend)).toEqual([`#${issue} Ready->In Progress run ${claimRunId}`]);

    // The retried claim run (attempt 2 on the new worker, same run_id) claimed nothing; the item workflow resumed the claim.
    const events = second.events as unknown as Array<Record<string, unknown>>;
    expect(events.filter((e) => e.type === 'WORKER_FAILED')).toEqual([]);
    expect(events.filter((e) => e.type === 'CLAIM_RESUMED').map((e) => [e.run_id, e.attempt])).toEqual([[claimRunId, 2]]);
    const workflowId = `sprint-M1-item-${issue}`;
    // History: the lost claim run completed on attempt 2 (claimed nothing), the resumed claim and the reviewer run on attempt 1.
    expect(await completedAttempts(temporal.client, workflowId, 'runCodexWorker')).toEqual([2, 1, 1]);
    const item = await temporal.client.workflow.getHandle(workflowId).query(itemStatusQuery);
    expect({ boardStatus: item.boardStatus, blockedRetryAttempts: item.blockedRetryAttempts }).toEqual({ boardStatus: 'Needs Human Approval', blockedRetryAttempts: 0 });
    // Claim runs: the hanging first, its retry, the resumed claim; then the reviewer. The retry runs no
    // Codex when the first attempt's claim was recorded in the item workflow (it would claim again).
    const retryNotRun = events.filter((e) => e.type === 'CLAIM_RETRY_NOT_RUN').map((e) => e.run_id);
    expect(retryNotRun.filter((runId) => runId !== claimRunId)).toEqual([]);
    expect(
      r
        .agentCalls()
        .filter((c) => c.tool === 'codex')
        .map((c) => c.role),
    ).toEqual(['EXECUTOR', ...(retryNotRun.length === 1 ? [] : ['EXECUTOR']), 'EXECUTOR', 'REVIEWER']);
    await waitFor(
      () => ({ codex: r.codexPids(), orchestrator: r.orchestratorPids() }),
      (p) => p.codex.length === 0 && p.orchestrator.length === 0,
      15_000,
    );
  }, 180_000);
});
