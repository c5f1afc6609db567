/**
 * A Temporal dev server restart mid-sprint: our own server on a SQLite file, a sprint whose Codex
 * runs are in flight, the server SIGKILLed and started again on the same port and file. The
 * in-process workers and the client reconnect by themselves and the sprint completes with the
 * board and transition log of an undisturbed run.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { startBackendEmulator, type BackendEmulator } from '../../emulators/backend';
import { loadConfig } from '../../src/config';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server';
import { createWorkers } from '../../src/worker';
import { setEventWriter, type RunnerEvent } from '../../src/logging';
import { sprintWorkflow, sprintWorkflowId } from '../../src/workflows';
import { AGENT_BIN, ORCHESTRATOR_CMD, boardItem } from '../support/e2e';
import { connectTestTemporal } from '../support/temporal';
import { boardStatuses, duplicateTransitions, linkedPr, transitionLog } from '../support/fault-rig';
import { size, waitFor } from '../support/worker-process';
import { closeWhenAwaitingHumans } from '../support/sprint-phase';

/** A sprint on its own SQLite-backed dev server, with in-process workers whose events are collected. */
interface RestartableSprint {
  client: Client;
  events: RunnerEvent[];
  handle: WorkflowHandleWithFirstExecutionRunId;
  /** SIGKILL of the server, `downMs` of outage, then a new server on the same port and file. */
  killAndRestart(downMs: number): Promise<{ outageStart: number; outageEnd: number }>;
  cleanup(): Promise<void>;
}

describe('Temporal dev server restart mid-sprint (SQLite persistence)', () => {
  let server: DevServer | undefined;
  let backend: BackendEmulator | undefined;
  beforeAll(async () => {
    await connectTestTemporal(); // installs the test Runtime (WARN logger) once
  });
  afterEach(async () => {
    await server?.stop();
    await backend?.close();
  });

  async function startSprint(dir: string, taskQueue: string, env: Record<string, string>): Promise<RestartableSprint> {
    const dbFile = join(dir, 'temporal.db');
    server = await startDevServer({ dbFile, logLevel: 'error' });
    const port = Number(server.address.split(':').pop());
    const config = loadConfig({
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_TASK_QUEUE: taskQueue,
      BACKEND_BASE_URL: backend!.url,
      ORCHESTRATOR_STATE_PATH: join(dir, 'orchestrator-state.json'),
      RUNNER_ORCHESTRATOR_CMD: ORCHESTRATOR_CMD,
      CODEX_BIN: AGENT_BIN,
      ORCHESTRATOR_POLL_INTERVAL_MS: '300',
      CODEX_TOOLS_CALL_TIMEOUT_S: '60',
      BACKEND_TIMEOUT_S: '10',
      ...env,
    });
    const nativeConnection = await NativeConnection.connect({ address: server.address });
    const connection = await Connection.connect({ address: server.address });
    const client = new Client({ connection, namespace: 'default' });
    const events: RunnerEvent[] = [];
    const workers = await createWorkers({
      config,
      connection: nativeConnection,
      workflowBundle: { codePath: process.env.TEMPORAL_TEST_WORKFLOW_BUNDLE! },
      onEvent: (event) => events.push(event),
      shutdownGraceTime: '2s',
    });
    // Activity events (intake, orchestrator diagnostics) go to the same list instead of stderr.
    setEventWriter((event) => events.push(event));
    const running = workers.run();
    const handle = await client.workflow.start(sprintWorkflow, {
      taskQueue: config.temporalTaskQueue,
      workflowId: sprintWorkflowId('M1'),
      args: [{ sprint: 'M1', mode: 'loop' }],
    });
    return {
      client,
      events,
      handle,
      async killAndRestart(downMs) {
        const old = server!;
        const outageStart = Date.now();
        old.process.kill('SIGKILL');
        await new Promise((resolve) => old.process.once('exit', resolve));
        await new Promise((resolve) => setTimeout(resolve, downMs));
        const outageEnd = Date.now();
        server = await startDevServer({ dbFile, port, logLevel: 'error' });
        return { outageStart, outageEnd };
      },
      async cleanup() {
        workers.shutdown();
        await running.catch(() => undefined);
        await nativeConnection.close().catch(() => undefined);
        await connection.close().catch(() => undefined);
        setEventWriter(null);
      },
    };
  }

  const restarts = size(1, 3);
  it(`the sprint completes after ${restarts} kill -9 + restart(s) of its server`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sr-devserver-'));
    backend = await startBackendEmulator({ items: [boardItem(7301, 'Ready'), boardItem(7302, 'In Review')], prs: [linkedPr(7302, 73020)] });
    process.env.AGENT_SCRIPT_JSON = JSON.stringify({ defaults: { thinkMs: 3000 } });
    const sprint = await startSprint(dir, 'restart', {});
    try {
      const { events, handle } = sprint;
      for (let restart = 1; restart <= restarts; restart += 1) {
        // Kill while Codex runs are in flight (restart 1) or later in the sprint.
        await waitFor(
          () => events.filter((e) => e.type === 'WORKER_STARTED').length,
          (n) => n >= restart,
          60_000,
          50,
        );
        await sprint.killAndRestart(1000);
      }
      const result = await closeWhenAwaitingHumans(handle);
      expect(result.reason).toBe('closed');
      expect(boardStatuses(backend)).toEqual({ 7301: 'Needs Human Approval', 7302: 'Needs Human Approval' });
      expect(transitionLog(backend, 7301).map((e) => `${e.from}->${e.to}`)).toEqual(['Ready->In Progress', 'In Progress->In Review', 'In Review->Needs Human Approval']);
      expect(transitionLog(backend, 7302).map((e) => `${e.from}->${e.to}`)).toEqual(['In Review->Needs Human Approval']);
      expect(duplicateTransitions(backend)).toEqual([]);
      // The history written before the restart is still there (SQLite), not a fresh run.
      const description = await handle.describe();
      expect(description.runId).toBe(handle.firstExecutionRunId);
    } finally {
      await sprint.cleanup();
      delete process.env.AGENT_SCRIPT_JSON;
    }
  }, 180_000);

  // Issue #14: Codex runs that finish while the server is down are not run again.
  it('the server stopped for 10 s while Codex runs finish: no run twice, every item reaches Needs Human Approval', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sr-outage-'));
    const issues = [7311, 7312, 7313, 7314];
    backend = await startBackendEmulator({ items: issues.map((issue) => boardItem(issue, 'In Review')), prs: issues.map((issue) => linkedPr(issue, issue * 10)) });
    // The runs think for 4 s: they finish during the 10-s outage that starts once they are all running.
    process.env.AGENT_SCRIPT_JSON = JSON.stringify({ defaults: { thinkMs: 4000 } });
    const agentLog = join(dir, 'agent-calls.jsonl');
    process.env.AGENT_EVENTS_LOG = agentLog;
    const sprint = await startSprint(dir, 'outage', { RUNNER_MAX_REVIEWERS: String(issues.length), ORCHESTRATOR_MAX_REVIEWERS: String(issues.length) });
    try {
      const { events, handle } = sprint;
      await waitFor(
        () => events.filter((e) => e.type === 'CODEX_SESSION_STARTED').length,
        (n) => n >= issues.length,
        60_000,
        50,
      );
      const { outageStart, outageEnd } = await sprint.killAndRestart(10_000);
      const result = await closeWhenAwaitingHumans(handle);
      expect(result.reason).toBe('closed');
      expect(boardStatuses(backend)).toEqual(Object.fromEntries(issues.map((issue) => [issue, 'Needs Human Approval'])));
      expect(duplicateTransitions(backend)).toEqual([]);
      // Codex process spawns per run_id: each run once, although its result was ready while the server was down.
      const spawns = new Map<string, number>();
      for (const e of events.filter((e) => e.type === 'CODEX_SESSION_STARTED')) spawns.set(String(e.run_id), (spawns.get(String(e.run_id)) ?? 0) + 1);
      expect([...spawns.values()]).toEqual(issues.map(() => 1));
      // Each of those runs answered (4 s after its tools/call) while the server was down.
      const calls = readFileSync(agentLog, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { tool: string; run_id: string; at: number });
      const answeredAt = calls.filter((call) => call.tool === 'codex').map((call) => call.at + 4000);
      expect(answeredAt).toHaveLength(issues.length);
      expect(answeredAt.every((at) => at > outageStart && at < outageEnd)).toBe(true);
    } finally {
      await sprint.cleanup();
      delete process.env.AGENT_SCRIPT_JSON;
      delete process.env.AGENT_EVENTS_LOG;
    }
  }, 240_000);
});
