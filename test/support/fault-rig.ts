/**
 * Fault-test rig: the backend emulator in this process, the product's workers in a child process
 * (so they can be SIGKILLed and restarted), the orchestrator and agent emulators as that worker's
 * children. Every Codex/orchestrator process the worker starts carries CODEX_/ORCHESTRATOR_ marker
 * variables (both prefixes pass the child-env allowlist), so leftovers can be found in /proc.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { startBackendEmulator, type BackendEmulator, type BackendEmulatorOptions } from '../../emulators/backend';
import { sprintWorkflow, sprintWorkflowId } from '../../src/workflows';
import { AGENT_BIN, ORCHESTRATOR_CMD } from './e2e';
import { killPids, pidsWithEnv, startWorkerProcess, type WorkerProcess } from './worker-process';
import { uniqueTaskQueue } from './temporal';

export interface FaultRig {
  backend: BackendEmulator;
  dir: string;
  taskQueue: string;
  marker: string;
  env: Record<string, string>;
  agentLog: string;
  /** Workers started so far, in order (the last one is current). */
  workers: WorkerProcess[];
  startWorker(extraEnv?: Record<string, string>): Promise<WorkerProcess>;
  startSprint(client: Client, sprint?: string, mode?: 'loop' | 'once'): Promise<WorkflowHandle<typeof sprintWorkflow>>;
  /** Codex (agent emulator) processes alive, including their children (not the group watchers). */
  codexPids(): number[];
  orchestratorPids(): number[];
  /** The workers' Codex group watchers (src/activities/group-reaper.ts) alive. */
  watcherPids(): number[];
  /** Agent emulator tools/call records: {pid, tool, run_id, role, at}. */
  agentCalls(): Array<{ pid: number; tool: string; run_id: string | null; role: string | null; at: number }>;
  /** Every event of every worker of the rig. */
  events(): Array<Record<string, unknown>>;
  stop(client: Client): Promise<void>;
}

export async function startFaultRig(address: string, board: BackendEmulatorOptions, env: Record<string, string> = {}, agentScript: unknown = {}): Promise<FaultRig> {
  const dir = mkdtempSync(join(tmpdir(), 'sr-fault-'));
  const backend = await startBackendEmulator(board);
  const marker = randomUUID();
  const taskQueue = uniqueTaskQueue('fault');
  const agentLog = join(dir, 'agent-calls.jsonl');
  const rigEnv: Record<string, string> = {
    TEMPORAL_ADDRESS: address,
    TEMPORAL_TASK_QUEUE: taskQueue,
    BACKEND_BASE_URL: backend.url,
    ORCHESTRATOR_STATE_PATH: join(dir, 'orchestrator-state.json'),
    RUNNER_ORCHESTRATOR_CMD: ORCHESTRATOR_CMD,
    CODEX_BIN: AGENT_BIN,
    ORCHESTRATOR_POLL_INTERVAL_MS: '300',
    CODEX_TOOLS_CALL_TIMEOUT_S: '60',
    BACKEND_TIMEOUT_S: '10',
    AGENT_SCRIPT_JSON: JSON.stringify(agentScript),
    AGENT_EVENTS_LOG: agentLog,
    CODEX_FAULT_MARKER: marker,
    ORCHESTRATOR_FAULT_MARKER: marker,
    ...env,
  };
  const workers: WorkerProcess[] = [];
  const startedSprints: string[] = [];
  // Workers carry the markers too; everything else with them is a child (or grandchild) of a worker.
  const children = () => pidsWithEnv('CODEX_FAULT_MARKER', marker).filter((pid) => !workers.some((w) => w.pid === pid));
  const rig: FaultRig = {
    backend,
    dir,
    taskQueue,
    marker,
    env: rigEnv,
    agentLog,
    workers,
    async startWorker(extraEnv = {}) {
      const worker = await startWorkerProcess({ ...rigEnv, ...extraEnv });
      workers.push(worker);
      return worker;
    },
    async startSprint(client, sprint = 'M1', mode = 'loop') {
      const handle = await client.workflow.start(sprintWorkflow, {
        taskQueue,
        workflowId: `${sprintWorkflowId(sprint)}-${taskQueue}`,
        args: [{ sprint, mode }],
      });
      startedSprints.push(handle.workflowId);
      return handle;
    },
    codexPids: () => children().filter((pid) => !isOrchestrator(pid) && !isGroupWatcher(pid)),
    orchestratorPids: () => children().filter(isOrchestrator),
    watcherPids: () => children().filter(isGroupWatcher),
    agentCalls() {
      if (!existsSync(agentLog)) return [];
      return readFileSync(agentLog, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line));
    },
    events: () => workers.flatMap((worker) => worker.events as Array<Record<string, unknown>>),
    async stop(client) {
      // Item workflow ids (sprint-M1-item-N) are global: end the ones this rig started.
      const ids = new Set([
        ...startedSprints,
        ...rig
          .events()
          .map((e) => e.workflow_id)
          .filter((id): id is string => typeof id === 'string'),
      ]);
      await Promise.all(
        [...ids].map((id) =>
          client.workflow
            .getHandle(id)
            .terminate('fault rig stopped')
            .catch(() => undefined),
        ),
      );
      await Promise.all(workers.map((worker) => worker.stop(3000)));
      killPids(pidsWithEnv('CODEX_FAULT_MARKER', marker));
      await backend.close();
      // Issue #17: every stderr line of every worker is one JSON object, faults included.
      const notJson = workers.flatMap((worker) => worker.nonJsonStderr.map((line) => `worker ${worker.pid}: ${line.slice(0, 300)}`));
      if (notJson.length) throw new Error(`${notJson.length} worker stderr line(s) are not JSON:\n${notJson.slice(0, 10).join('\n')}`);
    },
  };
  return rig;
}

const isOrchestrator = (pid: number) => cmdline(pid).includes('orchestrator/cli.ts');
/** The group watcher is `node -e <source>`; its source kills the groups it was handed. */
const isGroupWatcher = (pid: number) => cmdline(pid).includes("process.kill(-group, 'SIGKILL')");

export function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

/** Status transitions of one issue from the backend's effect log, as "from->to (role) run". */
export function transitionLog(backend: BackendEmulator, issue?: number) {
  return backend.board.effectLog().filter((entry) => entry.kind === 'transition' && (issue === undefined || entry.issue_number === issue));
}

/** [from, to, run_id] keys applied more than once: a transition must never be applied twice for a run. */
export function duplicateTransitions(backend: BackendEmulator): string[] {
  const seen = new Map<string, number>();
  for (const entry of transitionLog(backend)) {
    if (!entry.run_id) continue;
    const key = `#${entry.issue_number} ${entry.from}->${entry.to} run ${entry.run_id}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  return [...seen].filter(([, n]) => n > 1).map(([key]) => key);
}

export function boardStatuses(backend: BackendEmulator): Record<number, string | undefined> {
  return Object.fromEntries(backend.board.listProjectItems().map((item) => [item.issue_number, item.fields.Status]));
}

export const linkedPr = (issue: number, number: number) => ({
  number,
  issue_number: issue,
  head_ref: `executor/issue-${issue}`,
  body: `Work for #${issue}.\n\nRefs #${issue}\n\n<!-- EXECUTOR_RUN_V1\nissue: ${issue}\nproject_item_id: PVTI_${issue}\nrun_id: 6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f\n-->`,
});
