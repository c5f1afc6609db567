/**
 * End-to-end rig: the real product (workers, workflows, activities) against the emulators of
 * everything outside it — backend over HTTP, the orchestrator CLI as a child process, the Codex
 * agent as an MCP server over stdio — on the shared real Temporal server.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type RunnerConfig } from '../../src/config';
import { createWorkers, type WorkerSet } from '../../src/worker';
import type { RunnerEvent } from '../../src/logging';
import { startBackendEmulator, type BackendEmulator, type BackendEmulatorOptions } from '../../emulators/backend';
import { uniqueTaskQueue, type TestTemporal } from './temporal';

const ROOT = join(__dirname, '..', '..');
export const AGENT_BIN = join(ROOT, 'emulators', 'agent', 'codex-emulator.js');
export const ORCHESTRATOR_CMD = `${process.execPath} --require tsx/cjs ${join(ROOT, 'emulators', 'orchestrator', 'cli.ts')} --loop`;

export interface E2eRig {
  backend: BackendEmulator;
  config: RunnerConfig;
  workers: WorkerSet;
  events: RunnerEvent[];
  stop(): Promise<void>;
}

export async function startE2eRig(temporal: TestTemporal, board: BackendEmulatorOptions, env: Record<string, string> = {}, agentScript: unknown = {}): Promise<E2eRig> {
  const dir = mkdtempSync(join(tmpdir(), 'sr-e2e-'));
  const backend = await startBackendEmulator(board);
  process.env.AGENT_SCRIPT_JSON = JSON.stringify(agentScript);
  const config = loadConfig({
    TEMPORAL_NAMESPACE: temporal.client.options.namespace,
    TEMPORAL_TASK_QUEUE: uniqueTaskQueue('e2e'),
    BACKEND_BASE_URL: backend.url,
    ORCHESTRATOR_STATE_PATH: join(dir, 'orchestrator-state.json'),
    RUNNER_ORCHESTRATOR_CMD: ORCHESTRATOR_CMD,
    CODEX_BIN: AGENT_BIN,
    ORCHESTRATOR_POLL_INTERVAL_MS: '300',
    CODEX_TOOLS_CALL_TIMEOUT_S: '60',
    BACKEND_TIMEOUT_S: '10',
    ...env,
  });
  const events: RunnerEvent[] = [];
  const workers = await createWorkers({
    config,
    connection: temporal.nativeConnection,
    workflowBundle: { codePath: process.env.TEMPORAL_TEST_WORKFLOW_BUNDLE! },
    onEvent: (event) => events.push(event),
    shutdownGraceTime: '2s',
  });
  const running = workers.run();
  return {
    backend,
    config,
    workers,
    events,
    async stop() {
      // Item workflow ids (sprint-M1-item-N) are shared between tests: end this rig's ones.
      const ids = new Set(events.map((event) => event.workflow_id).filter((id): id is string => typeof id === 'string'));
      await Promise.all(
        [...ids].map((id) =>
          temporal.client.workflow
            .getHandle(id)
            .terminate('test rig stopped')
            .catch(() => undefined),
        ),
      );
      workers.shutdown();
      await running;
      await backend.close();
    },
  };
}

/** A project item in the orchestrator's items-file format (../../docs/spec/backend-orchestrator-contract.md §B.1). */
export function boardItem(issue: number, status: string, sprint = 'M1') {
  return {
    project_item_id: `PVTI_${issue}`,
    issue_number: issue,
    issue_url: `https://github.com/acme/app/issues/${issue}`,
    fields: { Status: status, Size: 'S', Area: 'api', Priority: 'P0', Sprint: sprint },
  };
}
