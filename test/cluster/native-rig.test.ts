/**
 * The production topology on the native rig (scripts/cluster/rig.ts): PostgreSQL 15 + the Temporal
 * server 1.29.1 with SQL visibility, three `sprint-runner worker` processes as docker-compose.yml
 * runs them (main+orchestrator, two executor+reviewer), the backend/orchestrator/agent emulators.
 *
 * 1. A 30-item sprint started with the `start-sprint` recipe; a Codex worker is SIGKILLed while its
 *    Codex runs are in flight (its group watcher reaps them; the other Codex worker retries them
 *    after the 60 s heartbeat timeout) and the Temporal server process is SIGKILLed and started
 *    again mid-sprint. Every item reaches Needs Human Approval with exactly the transitions of an
 *    undisturbed run, none applied twice per run_id; no Codex process is left; `status` and the
 *    visibility recipes work against SQL visibility.
 * 2. The rig restarted with an mTLS frontend (same database): a smaller sprint whose workers, client,
 *    `status` and recipes connect only through the connection profile the rig wrote.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, type WorkflowHandle } from '@temporalio/client';
import { startBackendEmulator, type BackendEmulator } from '../../emulators/backend';
import { clusterDown, clusterUp, isAlive, restartServer, rigClientEnv, type RigState } from '../../scripts/cluster/rig';
import { WORKER_SERVICES } from '../../scripts/cluster/topology';
import { connectClient, resolveConnectionSettings } from '../../src/temporal/connection';
import { closeUpdate, sprintStatusQuery } from '../../src/workflows/sprint/messages';
import { AGENT_BIN, ORCHESTRATOR_CMD } from '../support/e2e';
import { boardStatuses, cmdline, duplicateTransitions, transitionLog } from '../support/fault-rig';
import { killPids, waitFor } from '../support/worker-process';
import { mixedBoard, recipe, sprintRunner, startRigWorker, type RigWorker } from './rig-support';

const log = (what: string, data?: unknown) =>
  process.env.RIG_DEBUG && process.stdout.write(`[rig ${new Date().toISOString()}] ${what} ${data === undefined ? '' : JSON.stringify(data)}\n`);

/** The agent emulator's tools/call records ({pid, tool, run_id, role}). */
function agentCalls(file: string): Array<{ pid: number; tool: string; run_id: string | null; role: string | null }> {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

describe('native production rig: PostgreSQL + Temporal server 1.29.1, three worker processes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sr-rig-'));
  let rig: RigState;
  let backend: BackendEmulator | undefined;
  let workers: RigWorker[] = [];
  let client: Client | undefined;
  let closeConnection: (() => Promise<void>) | undefined;
  let rigStartMs = 0;

  beforeAll(async () => {
    const t0 = Date.now();
    rig = await clusterUp({ dir, port: 0, uiPort: 0, log: (line) => log(line) });
    rigStartMs = Date.now() - t0;
    process.stdout.write(`[native-rig] rig up (PostgreSQL + Temporal ${rig.address} + Web UI ${rig.uiUrl}) in ${rigStartMs} ms\n`);
  }, 300_000);

  afterEach(async () => {
    await Promise.all(workers.map((worker) => worker.stop(3000)));
    for (const worker of workers) killPids(worker.descendants());
    workers = [];
    await closeConnection?.();
    closeConnection = undefined;
    client = undefined;
    await backend?.close();
    backend = undefined;
  });

  afterAll(async () => {
    await clusterDown({ dir, purge: true });
  }, 60_000);

  async function connect(env: Record<string, string>): Promise<Client> {
    const settings = resolveConnectionSettings({ temporalAddress: 'unset.invalid:1', temporalNamespace: 'unset' }, env);
    const connection = await connectClient(settings);
    closeConnection = () => connection.close();
    return new Client({ connection, namespace: settings.namespace });
  }

  /** Env of every worker: the emulators and short timings (as the fault rig), plus how to reach Temporal. */
  function workerEnv(temporal: Record<string, string>, taskQueue: string, stateDir: string, agentLog: string): Record<string, string> {
    return {
      ...temporal,
      TEMPORAL_TASK_QUEUE: taskQueue,
      BACKEND_BASE_URL: backend!.url,
      ORCHESTRATOR_STATE_PATH: join(stateDir, 'orchestrator-state.json'),
      RUNNER_ORCHESTRATOR_CMD: ORCHESTRATOR_CMD,
      ORCHESTRATOR_POLL_INTERVAL_MS: '300',
      ORCHESTRATOR_MAX_EXECUTORS: '4',
      ORCHESTRATOR_MAX_REVIEWERS: '4',
      RUNNER_MAX_EXECUTORS: '3',
      RUNNER_MAX_REVIEWERS: '3',
      CODEX_BIN: AGENT_BIN,
      CODEX_TOOLS_CALL_TIMEOUT_S: '60',
      BACKEND_TIMEOUT_S: '10',
      RUNNER_SHUTDOWN_GRACE_S: '2',
      RUNNER_TRANSIENT_MAX_ATTEMPTS: '8',
      // One Worker Deployment per sprint here, so each test's first version becomes current by itself.
      RUNNER_DEPLOYMENT_NAME: `deployment-${taskQueue}`,
      SPRINT_RUNNER_BUILD_ID: `build-${taskQueue}`,
      // Codex runs start a SIGTERM-ignoring child, like a real codex command; reviews take longer
      // than claims, so reviewer runs are still in flight once every claim has landed.
      AGENT_SCRIPT_JSON: JSON.stringify({ defaults: { thinkMs: 1000, childProcess: true }, roles: { REVIEWER: { thinkMs: 5000 } } }),
      AGENT_EVENTS_LOG: agentLog,
    };
  }

  /** The compose topology's processes: one main+orchestrator worker, then the Codex workers. */
  async function startTopology(env: Record<string, string>, codexWorkers: number): Promise<{ main: RigWorker; codex: RigWorker[] }> {
    const [orchestratorService, codexService] = WORKER_SERVICES;
    const main = await startRigWorker('orchestrator-worker', orchestratorService!.roles, env);
    workers.push(main);
    const codex = await Promise.all(Array.from({ length: codexWorkers }, (_, i) => startRigWorker(`codex-worker-${i + 1}`, codexService!.roles, env)));
    workers.push(...codex);
    return { main, codex };
  }

  /** `explain`: what the failure shows of the items that did not get there. */
  async function waitAwaitingHumans(handle: WorkflowHandle, timeoutMs: number, explain: () => unknown = () => null): Promise<void> {
    await waitFor(
      () =>
        handle.query(sprintStatusQuery).then(
          (s) => s.phase,
          (err: Error) => `query failed: ${err.message}`,
        ),
      (phase) => phase === 'awaiting-humans',
      timeoutMs,
      500,
    ).catch((err: Error) => {
      const tails = workers.map((w) => `${w.name}: ${w.lines.slice(-6).join('\n  ')}`).join('\n');
      throw new Error(`${err.message}\nworkers:\n${tails}\nboard: ${JSON.stringify(backend ? boardStatuses(backend) : null)}\nitems: ${JSON.stringify(explain(), null, 1)}`);
    });
  }

  it('30 items: kill -9 of a Codex worker and a Temporal server restart mid-sprint; status and recipes on SQL visibility', async () => {
    const sprint = 'M1';
    const taskQueue = `rig-${Date.now()}`;
    const { issues, board, expected } = mixedBoard(9101, 30, sprint);
    backend = await startBackendEmulator(board);
    const stateDir = mkdtempSync(join(tmpdir(), 'sr-rig-state-'));
    const env = workerEnv(rigClientEnv(rig), taskQueue, stateDir, join(stateDir, 'agent-calls.jsonl'));
    const t0 = Date.now();
    const { codex } = await startTopology(env, 2);
    log('workers ready', { ms: Date.now() - t0 });
    client = await connect(rigClientEnv(rig));
    const recipeEnv = { TEMPORAL_ADDRESS: rig.address, TASK_QUEUE: taskQueue, SPRINT: sprint };

    // Started the way an operator does: the start-sprint recipe (the plain temporal CLI).
    const started = await recipe(['start-sprint'], recipeEnv);
    expect(started).toMatchObject({ status: 0 });
    const sprintStartedAt = Date.now();
    const handle = client.workflow.getHandle(`sprint-${sprint}`);

    // kill -9 of the first Codex worker while it has EXECUTOR claim runs (at least one whose claim has
    // landed) and REVIEWER runs in flight. Claim runs are not bound to an item on the backend, so a
    // lost run may hold another item than the one it was routed to; each lost claim is resumed on the
    // item its run really holds (released and claimed again by the same run_id: issue #14, stop 13).
    // The kill comes once those claims are recorded in their item workflows (CLAIM_RECORDED), as any
    // kill does but one within the milliseconds between a claim's answer and its record (docs/many-hosts.md).
    const victim = codex[0]!;
    const agentLog = join(stateDir, 'agent-calls.jsonl');
    const runningOnVictim = async () => {
      const pids = victim.descendants();
      const calls = agentCalls(agentLog).filter((c) => c.tool === 'codex' && pids.includes(c.pid));
      const claimedBy = new Set<string | null | undefined>(
        transitionLog(backend!)
          .filter((e) => e.from === 'Ready' && e.to === 'In Progress')
          .map((e) => e.run_id),
      );
      const reviewedBy = new Set<string | null | undefined>(
        transitionLog(backend!)
          .filter((e) => e.from === 'In Progress' && e.to === 'In Review')
          .map((e) => e.run_id),
      );
      const executors = calls.filter((c) => c.role === 'EXECUTOR');
      const observed = new Set(victim.events.filter((e) => e.type === 'CLAIM_RECORDED').map((e) => e.run_id));
      const landed = executors.filter((c) => claimedBy.has(c.run_id) && !reviewedBy.has(c.run_id));
      const prsOpened = new Set<string | null | undefined>(
        backend!.board
          .effectLog()
          .filter((e) => e.kind === 'pr_opened')
          .map((e) => e.run_id),
      );
      return {
        pids,
        landedClaims: landed.length,
        unobserved: landed.filter((c) => !observed.has(c.run_id)).length,
        withPr: landed.filter((c) => prsOpened.has(c.run_id)).length,
        reviewers: calls.filter((c) => c.role === 'REVIEWER').length,
      };
    };
    // A claim run that already opened its PR is not what this kill exercises: run again after the
    // resume, it opens a second one and the item's linkage is ambiguous (README, Known limitations).
    const killable = (s: Awaited<ReturnType<typeof runningOnVictim>>) => s.landedClaims >= 1 && s.unobserved === 0 && s.withPr === 0 && s.reviewers >= 1;
    const signalAll = (pids: number[], signal: NodeJS.Signals) =>
      pids.forEach((pid) => {
        try {
          process.kill(pid, signal);
        } catch {
          // gone
        }
      });
    let inFlight: number[] = [];
    for (const deadline = Date.now() + 120_000; inFlight.length === 0;) {
      await waitFor(runningOnVictim, killable, Math.max(1, deadline - Date.now()), 20);
      // Freeze the worker and its processes, let backend calls already sent land, and look again: a
      // claim that landed in between is not recorded yet, so thaw and wait for the next moment.
      const frozen = [victim.pid, ...victim.descendants()];
      signalAll(frozen, 'SIGSTOP');
      await new Promise((resolve) => setTimeout(resolve, 300));
      const now = await runningOnVictim();
      if (killable(now)) inFlight = now.pids;
      else signalAll(frozen, 'SIGCONT');
    }
    log('kill -9 codex worker', { pid: victim.pid, inFlight: inFlight.length });
    await victim.kill9();
    // Only its group watcher wakes up again: it reaps the (still stopped) Codex process groups.
    signalAll(
      victim.descendants().filter((pid) => cmdline(pid).includes("process.kill(-group, 'SIGKILL')")),
      'SIGCONT',
    );
    // Its group watcher SIGKILLs every Codex process group it owned, then exits: nothing orphaned.
    const left = await waitFor(
      () => victim.descendants(),
      (pids) => pids.length === 0,
      15_000,
    ).catch(() => victim.descendants());
    expect(left.map((pid) => `${pid} ${cmdline(pid)}`)).toEqual([]);

    // Mid-sprint: more transitions landed, then the server process is SIGKILLed and started again.
    await waitFor(
      () => transitionLog(backend!).length,
      (n) => n >= 40,
      120_000,
      100,
    );
    const beforeRestart = transitionLog(backend!).length;
    log('restart server', { transitions: beforeRestart });
    const restartedAt = Date.now();
    rig = await restartServer(rig);
    log('server back', { ms: Date.now() - restartedAt });
    expect(isAlive(rig.pids.server)).toBe(true);
    // Work goes on after the restart (the workers and the client reconnected by themselves).
    await waitFor(
      () => transitionLog(backend!).length,
      (n) => n > beforeRestart,
      120_000,
      100,
    );

    // An item's events: those naming it, and those of the runs that moved it (a failed run's events name only its run).
    const runIdsOf = (issue: number) => new Set(transitionLog(backend!, issue).map((e) => String(e.run_id)));
    const diagnose = (issue: number) => ({
      issue,
      status: boardStatuses(backend!)[issue],
      transitions: transitionLog(backend!, issue).map((e) => `${e.from}->${e.to} (${e.role}) ${e.run_id}`),
      prsOpened: backend!.board
        .effectLog()
        .filter((e) => e.kind === 'pr_opened' && e.issue_number === issue)
        .map((e) => `#${e.pr_number} by ${e.run_id}`),
      events: workers.flatMap((w) =>
        w.events
          .filter((e) => (e.issue_number === issue || runIdsOf(issue).has(String(e.run_id))) && !/^(CODEX_SESSION_STARTED|INTAKE_ROUTED)$/.test(String(e.type)))
          .map((e) => `${w.name} ${JSON.stringify(e).slice(0, 400)}`),
      ),
    });
    await waitAwaitingHumans(handle, 300_000, () => issues.filter((n) => boardStatuses(backend!)[n] !== 'Needs Human Approval').map(diagnose));
    const sprintMs = Date.now() - sprintStartedAt;
    process.stdout.write(`[native-rig] 30-item sprint with both faults reached awaiting-humans in ${sprintMs} ms\n`);

    const statuses = boardStatuses(backend);
    const notDone = issues.filter((n) => statuses[n] !== 'Needs Human Approval');
    expect(notDone.map(diagnose)).toEqual([]);
    // The killed worker's Codex runs were run again (same run_id) by a Codex process of the other worker.
    const calls = agentCalls(agentLog).filter((c) => c.tool === 'codex');
    const killedRunIds = new Set(calls.filter((c) => inFlight.includes(c.pid)).map((c) => c.run_id));
    const killedClaims = new Set<string | null | undefined>(calls.filter((c) => inFlight.includes(c.pid) && c.role === 'EXECUTOR').map((c) => c.run_id));
    // No transition lost or repeated: each item's log is its undisturbed path, except an item whose
    // claim run was killed after its claim landed: that run released it (Blocked → Ready) and claimed it again.
    const resumedPath = (path: string[]) => [path[0]!, 'In Progress->Blocked', 'Blocked->Ready', ...path];
    const paths = issues.map((issue) => {
      const entries = transitionLog(backend!, issue);
      const resumed = entries.length > 0 && killedClaims.has(entries[0]!.run_id) && entries[1]?.to === 'Blocked';
      return { issue, resumed, transitions: entries.map((e) => `${e.from}->${e.to}`), runIds: entries.map((e) => e.run_id) };
    });
    expect(paths.filter((p) => p.transitions.join() !== (p.resumed ? resumedPath(expected[p.issue]!) : expected[p.issue]!).join())).toEqual([]);
    const resumed = paths.filter((p) => p.resumed);
    log('claims killed', { killedClaims: killedClaims.size, resumed: resumed.map((p) => p.issue) });
    // A killed claim is resumed, or (its worker froze just after its work landed) counted as done.
    const workLanded = workers.flatMap((w) => w.events.filter((e) => e.type === 'CLAIM_WORK_LANDED').map((e) => Number(e.issue_number)));
    log('claims whose work landed', { workLanded });
    expect(resumed.length + workLanded.length).toBeGreaterThanOrEqual(1);
    // Release and re-claim are the holding run's own: the run that claimed the item released it and
    // claimed it again. That re-claim is the only transition a run_id applies twice.
    expect(resumed.filter((p) => new Set(p.runIds.slice(0, 4)).size !== 1)).toEqual([]);
    // A lost claim's retry did not run Codex while its item was held (that claim would take a second
    // item): it released the item first, and no run_id claimed two items.
    const notRunAgain = new Set(workers.flatMap((w) => w.events.filter((e) => e.type === 'CLAIM_RETRY_NOT_RUN').map((e) => String(e.run_id))));
    expect(resumed.filter((p) => !notRunAgain.has(String(p.runIds[0])))).toEqual([]);
    const itemsClaimedBy = new Map<string, Set<number>>();
    for (const e of transitionLog(backend).filter((t) => t.from === 'Ready' && t.to === 'In Progress')) {
      itemsClaimedBy.set(String(e.run_id), (itemsClaimedBy.get(String(e.run_id)) ?? new Set<number>()).add(Number(e.issue_number)));
    }
    expect([...itemsClaimedBy].filter(([, claimed]) => claimed.size > 1).map(([runId, claimed]) => `${runId}: #${[...claimed].join(', #')}`)).toEqual([]);
    expect(duplicateTransitions(backend).sort()).toEqual(resumed.map((p) => `#${p.issue} Ready->In Progress run ${p.runIds[0]}`).sort());
    const otherPids = new Set(calls.filter((c) => !inFlight.includes(c.pid)).map((c) => c.pid));
    expect(killedRunIds.size).toBeGreaterThan(0);
    expect([...killedRunIds].filter((runId) => !calls.some((c) => c.run_id === runId && otherPids.has(c.pid)))).toEqual([]);

    // SQL visibility: `status` lists every item (visibility query on our search attributes) ...
    const status = await waitFor(
      () => sprintRunner(['status', '--sprint', sprint, '--json'], rigClientEnv(rig)),
      (run) => run.status === 0 && JSON.parse(run.stdout).items.length === 30,
      30_000,
      1000,
    );
    const table = JSON.parse(status.stdout) as { phase: string; items: Array<{ issueNumber: number; boardStatus: string }> };
    expect(table.phase).toBe('awaiting-humans');
    expect(table.items.map((i) => i.issueNumber).sort()).toEqual([...issues].sort());
    expect(table.items.every((i) => i.boardStatus === 'Needs Human Approval')).toBe(true);
    // ... and so do the visibility recipes (BoardStatus is upserted by the items as they move).
    const awaiting = await waitFor(
      () => recipe(['list-awaiting-approval'], recipeEnv),
      (run) => run.status === 0 && (run.stdout.match(/sprint-M1-item-\d+/g) ?? []).length === 30,
      30_000,
      1000,
    );
    expect(new Set(awaiting.stdout.match(/sprint-M1-item-\d+/g)).size).toBe(30);
    const listed = await recipe(['list-items', 'list-blocked'], recipeEnv);
    expect(listed.status).toBe(0);
    expect((listed.stdout.match(/sprint-M1-item-\d+/g) ?? []).length).toBe(30);
    const queried = await recipe(['sprint-status', 'item-status'], { ...recipeEnv, ISSUE: String(issues[0]) });
    expect(queried.status).toBe(0);
    expect(queried.stdout).toContain('"awaiting-humans"');
    expect(queried.stdout).toContain('"Needs Human Approval"');

    // The close-sprint recipe ends the sprint and its item workflows.
    const closed = await recipe(['close-sprint'], { ...recipeEnv, REASON: 'rig test done' });
    expect(closed.status).toBe(0);
    const result = (await handle.result()) as { reason: string };
    expect(result.reason).toBe('closed');
    // No Codex or orchestrator process is left by any worker once the runs are over.
    await waitFor(
      () => workers.flatMap((w) => w.descendants().filter((pid) => !cmdline(pid).includes("process.kill(-group, 'SIGKILL')"))),
      (pids) => pids.length === 0,
      15_000,
    );
  }, 420_000);

  it('the same sprint (8 items) through the mTLS connection profile the rig writes', async () => {
    rig = await clusterUp({ dir, mtls: true, uiPort: 0, log: (line) => log(line) });
    expect(rig.mtls).toBe(true);
    expect(rig.profileFile).toBeTruthy();
    const profileEnv = rigClientEnv(rig);
    expect(Object.keys(profileEnv).sort()).toEqual(['TEMPORAL_CONFIG_FILE', 'TEMPORAL_PROFILE']);
    // Without the profile's client certificate the frontend refuses the connection: the profile is what gets through.
    await expect(connectClient(resolveConnectionSettings({ temporalAddress: rig.address, temporalNamespace: 'default' }, {}), '3s')).rejects.toThrow(/cannot reach Temporal at/);

    const sprint = 'M2';
    const taskQueue = `rig-mtls-${Date.now()}`;
    const { issues, board, expected } = mixedBoard(9201, 8, sprint);
    backend = await startBackendEmulator(board);
    const stateDir = mkdtempSync(join(tmpdir(), 'sr-rig-state-'));
    await startTopology(workerEnv(profileEnv, taskQueue, stateDir, join(stateDir, 'agent-calls.jsonl')), 1);
    client = await connect(profileEnv);
    const recipeEnv = { ...profileEnv, TEMPORAL_ADDRESS: rig.address, TASK_QUEUE: taskQueue, SPRINT: sprint };
    const t0 = Date.now();
    expect(await recipe(['start-sprint'], recipeEnv)).toMatchObject({ status: 0 });
    const handle = client.workflow.getHandle(`sprint-${sprint}`);
    await waitAwaitingHumans(handle, 180_000);
    process.stdout.write(`[native-rig] 8-item sprint over mTLS reached awaiting-humans in ${Date.now() - t0} ms\n`);
    for (const issue of issues) {
      expect({ issue, transitions: transitionLog(backend, issue).map((e) => `${e.from}->${e.to}`) }).toEqual({ issue, transitions: expected[issue] });
    }
    expect(duplicateTransitions(backend)).toEqual([]);
    const status = await waitFor(
      () => sprintRunner(['status', '--sprint', sprint, '--json'], profileEnv),
      (run) => run.status === 0 && JSON.parse(run.stdout).items.length === 8,
      30_000,
      1000,
    );
    expect((JSON.parse(status.stdout) as { items: Array<{ boardStatus: string }> }).items.every((i) => i.boardStatus === 'Needs Human Approval')).toBe(true);
    const awaiting = await waitFor(
      () => recipe(['list-awaiting-approval'], recipeEnv),
      (run) => run.status === 0 && (run.stdout.match(/sprint-M2-item-\d+/g) ?? []).length === 8,
      30_000,
      1000,
    );
    expect(awaiting.status).toBe(0);
    await handle.executeUpdate(closeUpdate, { args: [{ reason: 'rig mTLS test done' }] });
    expect(((await handle.result()) as { reason: string }).reason).toBe('closed');
  }, 300_000);
});
