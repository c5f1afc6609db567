// WIP (not run by jest: no .test.ts suffix): passes in ~110 s but hung past 240 s in 2 of 3 runs; see the issue #7 report.
/**
 * kill -9 of the worker process in the middle of every activity kind, then a fresh worker: every
 * item reaches its status, no transition is lost or applied twice for a run_id (backend transition
 * log), and no Codex process is left behind.
 *
 * One SIGKILL lands while, at the same time, a Codex run is thinking (agent thinkMs), another run is
 * fetching its role bundle (latency on /internal/agent-context), an orchestrator tick is running
 * (latency on the orchestrator's preflight) and — long variant only — a board transition is on the
 * wire (latency on update-field). A killed activity is only retried after its timeout: 60 s
 * heartbeat timeout for Codex runs and ticks, but 5 min start-to-close for board activities (they
 * do not heartbeat), which is why the board-transition kill runs in the long variant only.
 */
import { itemStatusQuery } from '../../src/workflows';
import { connectTestTemporal, testAddress, type TestTemporal } from '../support/temporal';
import { boardItem } from '../support/e2e';
import { boardStatuses, duplicateTransitions, linkedPr, startFaultRig, transitionLog, type FaultRig } from '../support/fault-rig';
import { readFileSync } from 'node:fs';
import { LONG, killPids, size, waitFor } from '../support/worker-process';

const cmdline = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
};

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
    'repetition %i: Codex run, bundle fetch and orchestrator tick in flight → a new worker finishes the sprint',
    async (repetition) => {
      const base = 7100 + repetition * 10;
      const [executorIssue, reviewerIssue, handoffIssue] = [base + 1, base + 2, base + 3];
      const items = [boardItem(executorIssue, 'Ready'), boardItem(reviewerIssue, 'In Review')];
      const prs = [linkedPr(reviewerIssue, reviewerIssue * 10)];
      if (LONG) {
        items.push(boardItem(handoffIssue, 'In Review'));
        prs.push(linkedPr(handoffIssue, handoffIssue * 10));
      }
      const issues: Record<string, unknown> = {};
      // Codex runs think long enough to be killed mid-run, and start a SIGTERM-ignoring child like a real codex command.
      if (LONG) issues[String(handoffIssue)] = { roles: { REVIEWER: { thinkMs: 200 } } };
      rig = await startFaultRig(testAddress(), { items, prs }, { RUNNER_TRANSIENT_MAX_ATTEMPTS: '5' }, {
        defaults: { thinkMs: 8000, childProcess: true }, issues,
      });
      // The first bundle fetch hangs for 12 s; every orchestrator tick takes ≥ 2.5 s (its preflight).
      rig.backend.faults.add({ route: '/internal/agent-context', mode: 'latency', latencyMs: 12_000, nth: 1, count: 1 });
      rig.backend.faults.add({ route: '/internal/preflight', mode: 'latency', latencyMs: 2500 });
      // Long: the PASS handoff of the third item is on the wire (the backend applies it after 6 s).
      if (LONG) rig.backend.faults.add({ route: '/internal/project-item/update-field', mode: 'latency', latencyMs: 6000, nth: 1, count: 1 });

      const t0 = Date.now();
      const log = (what: string, data?: unknown) => process.env.FAULT_DEBUG && process.stdout.write(`[${Date.now() - t0}ms] ${what} ${JSON.stringify(data ?? '')}\n`);
      const first = await rig.startWorker();
      const handle = await rig.startSprint(temporal.client);
      const r = rig;
      await waitFor(
        () => ({
          codexCalls: r.agentCalls().filter((c) => c.tool === 'codex').length,
          bundleFetches: r.backend.faults.stats().calls['/internal/agent-context'] ?? 0,
          started: first.events.filter((e) => e.type === 'WORKER_STARTED').length,
          orchestrators: r.orchestratorPids().length,
          updates: r.backend.faults.stats().calls['/internal/project-item/update-field'] ?? 0,
        }),
        (s) => s.codexCalls >= 1 && s.bundleFetches >= 2 && s.started >= 2 && s.orchestrators >= 1 && (!LONG || s.updates >= 1),
        90_000, 50,
      );
      const inFlight = { codex: rig.codexPids().length, orchestrator: rig.orchestratorPids().length };
      log('kill', { inFlight, stats: rig.backend.faults.stats(), events: first.events.map((e) => e.type) });
      await first.kill9();
      expect(inFlight.codex).toBeGreaterThan(0);
      expect(inFlight.orchestrator).toBeGreaterThan(0);
      // Nothing may have finished before the kill.
      expect(first.events.filter((e) => e.type === 'WORKER_FINISHED' || e.type === 'REVIEW_OUTCOME')).toHaveLength(LONG ? 1 : 0);

      // The Codex processes of the dead worker must go away (the agent exits on stdin EOF; its children must not outlive it).
      const leftovers = await waitFor(() => r.codexPids(), (pids) => pids.length === 0, 10_000).catch(() => r.codexPids());

      log('leftovers', leftovers);
      const second = await rig.startWorker();
      const progress = setInterval(() => log('progress', { statuses: boardStatuses(r.backend), events: second.events.map((e) => e.type).slice(-8), codex: r.codexPids().length }), 10_000);
      const result = await handle.result().finally(() => clearInterval(progress));
      expect(result.reason).toBe('completed');
      const statuses = boardStatuses(rig.backend);
      expect(statuses[executorIssue]).toBe('Needs Human Approval');
      expect(statuses[reviewerIssue]).toBe('Needs Human Approval');
      expect(transitions(rig, executorIssue)).toEqual([
        'Ready->In Progress (EXECUTOR)', 'In Progress->In Review (EXECUTOR)', 'In Review->Needs Human Approval (ORCHESTRATOR)',
      ]);
      expect(transitions(rig, reviewerIssue)).toEqual(['In Review->Needs Human Approval (ORCHESTRATOR)']);
      if (LONG) {
        expect(statuses[handoffIssue]).toBe('Needs Human Approval');
        expect(transitions(rig, handoffIssue)).toEqual(['In Review->Needs Human Approval (ORCHESTRATOR)']);
        const item = await temporal.client.workflow.getHandle(`sprint-M1-item-${handoffIssue}`).query(itemStatusQuery);
        expect(item.boardStatus).toBe('Needs Human Approval');
      }
      expect(duplicateTransitions(rig.backend)).toEqual([]);
      // Each killed run was retried in a fresh Codex process: more tools/call than runs, never a double effect.
      expect(rig.agentCalls().filter((c) => c.tool === 'codex').length).toBeGreaterThanOrEqual(3);
      await waitFor(() => r.codexPids().filter((pid) => !leftovers.includes(pid)), (pids) => pids.length === 0, 15_000);
      expect(rig.orchestratorPids()).toEqual([]);
      // KNOWN GAP (issue #7 report): the agent emulator itself exits on stdin EOF, but a child it
      // started (SIGTERM-ignoring, like a command codex runs) outlives a SIGKILLed worker: the Codex
      // process group is only killed on graceful shutdown or cancellation. Until the transport
      // kills its group on parent death, pin that exactly this — and nothing else — is left over.
      const survivors = leftovers.map((pid) => cmdline(pid));
      expect(survivors.every((cmd) => cmd.includes("process.on('SIGTERM'"))).toBe(true);
      expect(survivors.some((cmd) => cmd.includes('codex-emulator'))).toBe(false);
      killPids(leftovers);
    },
    LONG ? 900_000 : 240_000,
  );
});
