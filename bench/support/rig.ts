/**
 * Bench rig: the real product (createWorkers from src/worker.ts, in this process) against the
 * emulators — backend over HTTP (startBackendEmulator), the orchestrator CLI as a child process per
 * tick, the Codex agent emulator as CODEX_BIN — on a bench-owned dev server. Counts the runner's own
 * backend HTTP calls (its activities run in this process; the orchestrator and agents are children).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type RunnerConfig } from '../../src/config';
import { createWorkers, type WorkerSet } from '../../src/worker';
import { setEventWriter, type RunnerEvent } from '../../src/logging';
import { startBackendEmulator, type BackendEmulator, type BackendEmulatorOptions } from '../../emulators/backend';
import { ROOT, workflowBundle, type BenchTemporal } from './temporal';

export const AGENT_BIN = join(ROOT, 'emulators', 'agent', 'codex-emulator.js');
/** The orchestrator tap: its bundle from `npm run build` when current (no transpile per tick), else tsx. */
export function tapOrchestratorCmd(): string {
  const { freshEmulatorBundle } = require('../../scripts/build-freshness.js') as { freshEmulatorBundle(name: string): string | null };
  const compiled = freshEmulatorBundle('orchestrator-tap');
  return compiled ? `${process.execPath} ${compiled} --loop` : `${process.execPath} --require tsx/cjs ${join(ROOT, 'bench', 'support', 'orchestrator-tap.ts')} --loop`;
}
export const IDLE_ORCHESTRATOR_CMD = `/bin/sh ${join(ROOT, 'bench', 'support', 'idle-orchestrator.sh')}`;

export interface TimedEvent extends RunnerEvent {
  at_ms: number;
}

export interface BenchRig {
  backend: BackendEmulator;
  config: RunnerConfig;
  /** The runner configuration as environment variables (for a worker in a child process). */
  configEnv: Record<string, string>;
  workers: WorkerSet;
  /** Workflow events (sinks) and process events (activities), with the time this process saw them. */
  events: TimedEvent[];
  /** The runner's own backend HTTP calls, per route (method + path). */
  runnerCalls: Record<string, number>;
  dir: string;
  stop(): Promise<void>;
}

// ---- the runner's backend calls: its activities use global fetch in this process ----
const callCounters = new Map<string, Record<string, number>>();
let fetchPatched = false;
function patchFetch(): void {
  if (fetchPatched) return;
  fetchPatched = true;
  const original = globalThis.fetch;
  globalThis.fetch = (async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    for (const [base, counts] of callCounters) {
      if (url.startsWith(`${base}/internal/`)) {
        const key = `${init?.method ?? 'GET'} ${new URL(url).pathname}`;
        counts[key] = (counts[key] ?? 0) + 1;
      }
    }
    return original(input, init);
  }) as typeof fetch;
}

export interface RigOptions {
  board: BackendEmulatorOptions;
  /** Runner configuration (as environment variables) on top of the bench defaults. */
  config?: Record<string, string>;
  /** process.env entries for the children (orchestrator, agent) while the rig runs; restored on stop. */
  childEnv?: Record<string, string>;
  /** Queues this process polls (default all four). */
  roles?: Array<'main' | 'executor' | 'reviewer' | 'orchestrator'>;
  /** Do not start workers in this process (a child worker process polls instead). */
  noWorkers?: boolean;
}

export async function startBenchRig(temporal: BenchTemporal, options: RigOptions): Promise<BenchRig> {
  patchFetch();
  const dir = mkdtempSync(join(tmpdir(), 'sr-bench-'));
  const backend = await startBackendEmulator(options.board);
  const saved: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(options.childEnv ?? {})) {
    saved[key] = process.env[key];
    process.env[key] = value;
  }
  const configEnv = benchConfigEnv(temporal, backend.url, dir, options.config);
  const config = loadConfig(configEnv);
  const runnerCalls: Record<string, number> = {};
  callCounters.set(backend.url, runnerCalls);
  const events: TimedEvent[] = [];
  const record = (event: RunnerEvent) => {
    events.push({ ...event, at_ms: Date.now() });
    // Failures go to the bench log (stderr is captured by bench/run.ts).
    if (/HARD_STOP|FAILED|REJECTED/.test(event.type)) process.stderr.write(`${JSON.stringify(event).slice(0, 2000)}\n`);
  };
  setEventWriter(record);
  const workers = options.noWorkers
    ? { workers: [], run: async () => undefined, shutdown: () => undefined }
    : await createWorkers({
        config,
        connection: temporal.nativeConnection,
        workflowBundle: { codePath: await workflowBundle() },
        onEvent: record,
        shutdownGraceTime: '2s',
        roles: options.roles,
      });
  const running = workers.run();
  return {
    backend,
    config,
    configEnv,
    workers,
    events,
    runnerCalls,
    dir,
    async stop() {
      workers.shutdown();
      await running.catch(() => undefined);
      await backend.close();
      callCounters.delete(backend.url);
      setEventWriter(() => undefined);
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The runner environment every benchmark starts from (then overridden per benchmark). */
export function benchConfigEnv(temporal: BenchTemporal, backendUrl: string, dir: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_TASK_QUEUE: 'bench',
    BACKEND_BASE_URL: backendUrl,
    ORCHESTRATOR_STATE_PATH: join(dir, 'orchestrator-state.json'),
    RUNNER_ORCHESTRATOR_CMD: tapOrchestratorCmd(),
    CODEX_BIN: AGENT_BIN,
    ORCHESTRATOR_POLL_INTERVAL_MS: '500',
    CODEX_TOOLS_CALL_TIMEOUT_S: '120',
    BACKEND_TIMEOUT_S: '30',
    ...overrides,
  };
}

/** A project item in the orchestrator's items-file format (../../docs/spec/backend-orchestrator-contract.md §B.1). */
export function boardItem(issue: number, status: string, sprint = 'M1') {
  return {
    project_item_id: `PVTI_${issue}`,
    issue_number: issue,
    issue_url: `https://github.com/acme/app/issues/${issue}`,
    fields: { Status: status, Size: 'S', Area: 'api', Priority: 'P1', Sprint: sprint },
  };
}

/** An open PR linked to its issue the way the emulated executor links it (Refs + run marker). */
export function linkedPr(issue: number, number: number) {
  return {
    number,
    issue_number: issue,
    head_ref: `executor/issue-${issue}`,
    body: `Work for #${issue}.\n\nRefs #${issue}\n\n<!-- EXECUTOR_RUN_V1\nissue: ${issue}\nproject_item_id: PVTI_${issue}\nrun_id: 6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f\n-->`,
  };
}
