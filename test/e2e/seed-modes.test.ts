/**
 * ../../docs/spec/runner-behaviour.md §13 test_runner_cli_modes (1) and test_runner_dry_run (1) in Temporal form,
 * through the real `sprint-runner run` process. (Cases 2–4 of cli_modes, the flag rules, are in
 * run-command.test.ts.)
 */
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBackendEmulator, type BackendEmulator } from '../../emulators/backend';
import { AGENT_BIN, ORCHESTRATOR_CMD, boardItem } from '../support/e2e';
import { runCli } from '../support/run-cli';
import { connectTestTemporal, testAddress, uniqueTaskQueue, type TestTemporal } from '../support/temporal';

describe("the old runner's CLI modes and dry run through `sprint-runner run`", () => {
  let temporal: TestTemporal;
  let backend: BackendEmulator;
  let dir: string;
  beforeAll(async () => {
    temporal = await connectTestTemporal('sr-modes');
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sr-modes-'));
  });
  afterEach(async () => {
    await temporal.client.workflow
      .getHandle('sprint-M1-item-401')
      .terminate()
      .catch(() => undefined);
    // A `--loop` sprint stays open awaiting humans: the next test starts its own.
    for (const id of ['sprint-M1', 'sprint-M2'])
      await temporal.client.workflow
        .getHandle(id)
        .terminate('test done')
        .catch(() => undefined);
    await backend?.close();
  });
  afterAll(async () => temporal.close());

  // ../../docs/spec/runner-behaviour.md §2.2
  it("cli_modes 1: `--loop --dry-run --sprint M1` with only BACKEND_BASE_URL set — the orchestrator gets the old runner's environment, exit 0", async () => {
    backend = await startBackendEmulator({});
    // A stand-in orchestrator that records its argv and environment and reports an empty, completed sprint.
    const stub = join(dir, 'orchestrator-stub.js');
    writeFileSync(
      stub,
      `#!/usr/bin/env node
require('fs').writeFileSync(${JSON.stringify(join(dir, 'seen.json'))}, JSON.stringify({ argv: process.argv.slice(2), env: process.env }));
process.stderr.write(JSON.stringify({ type: 'DISPATCH_SUMMARY', sprint: 'M1', status_counts: {}, processed_items: [], completed: true }) + '\\n');
`,
    );
    chmodSync(stub, 0o755);
    const out = await runCli(['run', '--loop', '--dry-run', '--sprint', 'M1'], {
      BACKEND_BASE_URL: backend.url,
      TEMPORAL_ADDRESS: testAddress(),
      TEMPORAL_NAMESPACE: 'sr-modes',
      TEMPORAL_TASK_QUEUE: uniqueTaskQueue('modes'),
      RUNNER_ORCHESTRATOR_CMD: `${process.execPath} ${stub} --loop`,
      ORCHESTRATOR_STATE_PATH: join(dir, 'state.json'),
    });
    expect(out.status).toBe(0);
    // Nothing is left for the runner: `--loop` exits 0 as the old runner did, the sprint stays open awaiting humans.
    expect(JSON.parse(out.stdout.trim())).toMatchObject({ sprint: 'M1', reason: 'awaiting-humans' });
    expect(out.events.find((e) => e.type === 'SPRINT_AWAITING_HUMANS')).toMatchObject({ sprint: 'M1', close: expect.stringContaining('sprint-runner close --sprint M1') });
    expect((await temporal.client.workflow.getHandle('sprint-M1').describe()).status.name).toBe('RUNNING');
    const seen = JSON.parse(readFileSync(join(dir, 'seen.json'), 'utf8'));
    expect(seen.env).toMatchObject({ ORCHESTRATOR_SPRINT: 'M1', ORCHESTRATOR_MAX_EXECUTORS: '3', ORCHESTRATOR_MAX_REVIEWERS: '2', ORCHESTRATOR_BACKEND_BASE_URL: backend.url });
    // Deviation: one orchestrator cycle per durable-timer tick, so `--loop` is switched to `--once`.
    expect(seen.argv).toEqual(['--once']);
  });

  it('dry_run 1: an EXECUTOR claim intent is only reported (DRY_RUN_WOULD_EXECUTE) — no bundle fetch, no Codex, no board write', async () => {
    backend = await startBackendEmulator({ items: [boardItem(401, 'Ready')] });
    const agentLog = join(dir, 'agent.jsonl');
    const out = await runCli(['run', '--once', '--dry-run', '--sprint', 'M1'], {
      BACKEND_BASE_URL: backend.url,
      TEMPORAL_ADDRESS: testAddress(),
      TEMPORAL_NAMESPACE: 'sr-modes',
      TEMPORAL_TASK_QUEUE: uniqueTaskQueue('modes'),
      RUNNER_ORCHESTRATOR_CMD: ORCHESTRATOR_CMD,
      ORCHESTRATOR_STATE_PATH: join(dir, 'state.json'),
      CODEX_BIN: AGENT_BIN,
      AGENT_EVENTS_LOG: agentLog,
    });
    expect(out.status).toBe(0);
    const reported = out.events.filter((event) => event.type === 'DRY_RUN_WOULD_EXECUTE');
    expect(reported).toHaveLength(1);
    expect(reported[0]).toMatchObject({ role: 'EXECUTOR', endpoint: '/internal/executor/claim-ready-item', body: { role: 'EXECUTOR', sprint: 'M1' } });
    expect(backend.faults.stats().calls['/internal/agent-context'] ?? 0).toBe(0);
    expect(backend.board.effectLog()).toHaveLength(0);
    expect(() => readFileSync(agentLog)).toThrow();
  });
});
