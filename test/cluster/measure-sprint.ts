/**
 * The README's figures: the same 30-item sprint (no faults) with the same three worker processes on
 * the native rig (PostgreSQL + Temporal server 1.29.1) and on the dev server (SQLite, in memory),
 * plus the rig's cold start time. Not a test: `npx tsx test/cluster/measure-sprint.ts [items]`.
 * Prints one JSON line per target.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startBackendEmulator } from '../../emulators/backend';
import { clusterDown, clusterUp } from '../../scripts/cluster/rig';
import { WORKER_SERVICES } from '../../scripts/cluster/topology';
import { startDevServer } from '../../src/temporal/dev-server';
import { sprintStatusQuery } from '../../src/workflows/sprint/messages';
import { AGENT_BIN, ORCHESTRATOR_CMD } from '../support/e2e';
import { boardStatuses } from '../support/fault-rig';
import { waitFor } from '../support/worker-process';
import { mixedBoard, recipe, startRigWorker, type RigWorker } from './rig-support';

async function sprintOn(target: string, address: string, count: number): Promise<Record<string, unknown>> {
  const { board, issues } = mixedBoard(9501, count, 'M1');
  const backend = await startBackendEmulator(board);
  const dir = mkdtempSync(join(tmpdir(), 'sr-measure-'));
  const taskQueue = `measure-${Date.now()}`;
  const env = {
    TEMPORAL_ADDRESS: address,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: taskQueue,
    BACKEND_BASE_URL: backend.url,
    ORCHESTRATOR_STATE_PATH: join(dir, 'orchestrator-state.json'),
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
    RUNNER_DEPLOYMENT_NAME: `deployment-${taskQueue}`,
    SPRINT_RUNNER_BUILD_ID: `build-${taskQueue}`,
    AGENT_SCRIPT_JSON: JSON.stringify({ defaults: { thinkMs: 1000, childProcess: true }, roles: { REVIEWER: { thinkMs: 5000 } } }),
  };
  const workers: RigWorker[] = [];
  const connection = await Connection.connect({ address });
  try {
    const [orchestrator, codex] = WORKER_SERVICES;
    workers.push(await startRigWorker('orchestrator-worker', orchestrator!.roles, env));
    for (let i = 1; i <= codex!.replicas; i += 1) workers.push(await startRigWorker(`codex-worker-${i}`, codex!.roles, env));
    const client = new Client({ connection, namespace: 'default' });
    const t0 = Date.now();
    const started = await recipe(['start-sprint'], { TEMPORAL_ADDRESS: address, TASK_QUEUE: taskQueue, SPRINT: 'M1' });
    if (started.status !== 0) throw new Error(`start-sprint failed: ${started.stderr}`);
    const handle = client.workflow.getHandle('sprint-M1');
    await waitFor(
      () =>
        handle.query(sprintStatusQuery).then(
          (s) => s.phase,
          () => 'unavailable',
        ),
      (phase) => phase === 'awaiting-humans',
      600_000,
      250,
    );
    const wallMs = Date.now() - t0;
    const statuses = boardStatuses(backend);
    return { target, items: count, wallMs, allAwaitingHumans: issues.every((n) => statuses[n] === 'Needs Human Approval') };
  } finally {
    await Promise.all(workers.map((w) => w.stop(3000)));
    await connection.close();
    await backend.close();
  }
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 30);
  const dir = mkdtempSync(join(tmpdir(), 'sr-measure-rig-'));
  const t0 = Date.now();
  const rig = await clusterUp({ dir, port: 0, ui: false, log: () => undefined });
  const rigStartMs = Date.now() - t0;
  try {
    process.stdout.write(`${JSON.stringify({ ...(await sprintOn('native rig (PostgreSQL, Temporal 1.29.1)', rig.address, count)), rigStartMs })}\n`);
  } finally {
    await clusterDown({ dir, purge: true });
  }
  const t1 = Date.now();
  const dev = await startDevServer({ logLevel: 'error' });
  const devStartMs = Date.now() - t1;
  try {
    process.stdout.write(`${JSON.stringify({ ...(await sprintOn('dev server (SQLite in memory)', dev.address, count)), devStartMs })}\n`);
  } finally {
    await dev.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
