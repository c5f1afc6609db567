/**
 * Issue #17 part 4, end to end: a real `sprint-runner worker` process with RUNNER_METRICS_ADDRESS
 * runs a small sprint against the emulators — a reviewer FAIL and its fix-up, a claim run whose
 * Codex crashes twice (→ Blocked → the blocked retry), a human rework that lands and one that is
 * refused. Its Prometheus endpoint is scraped during the sprint and once nothing runs any more;
 * every sprint_runner_* value is checked against what the backend logged (transitions, comments,
 * pushes) or the worker wrote on stderr, and the SDK's own metrics come out of the same endpoint.
 * Every stderr line of the worker is one JSON object.
 *
 * Tokens: each role's runs report a scripted total; the counter per role and kind is checked against
 * what the emulator reports for that total (read from a reference session of the same emulator, not
 * computed here) times the Codex processes that answered.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { WorkflowHandle } from '@temporalio/client';
import { startBackendEmulator, type BackendEmulator } from '../../emulators/backend';
import { writeDemoPolicy } from '../../scripts/demo/settings';
import { freePort } from '../../src/temporal/dev-server';
import { requestReworkUpdate, sprintStatusQuery, sprintWorkflow } from '../../src/workflows';
import { openCodexSession } from '../../src/activities/codex-mcp';
import { AGENT_EMULATOR } from '../codex/support';
import { AGENT_BIN, ORCHESTRATOR_CMD, boardItem } from '../support/e2e';
import { linkedPr, transitionLog } from '../support/fault-rig';
import { eventually } from '../support/item-harness';
import { connectTestTemporal, testAddress, uniqueTaskQueue, type TestTemporal } from '../support/temporal';
import { isJsonObjectLine } from '../support/worker-process';
import { parsePrometheus, sumOf, type Sample } from './prometheus';

const BIN = join(__dirname, '..', '..', 'bin', 'sprint-runner.js');
const FAIL_FINDING = 'R1: metrics test finding, please add the empty case';
/** total_tokens each role's Codex runs report (agent script `tokens`). */
const TOKENS = { EXECUTOR: 1733, REVIEWER: 2411 } as const;

/** What the agent emulator reports (token_count total_token_usage) for a one-turn run of `tokens` total tokens. */
async function emulatorReport(tokens: number): Promise<{ input: number; output: number; total: number }> {
  let report: Record<string, number> | null = null;
  const session = await openCodexSession({
    command: AGENT_EMULATOR,
    args: ['mcp-server'],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', AGENT_SCRIPT_JSON: JSON.stringify({ defaults: { tokens } }) },
    onEvent: (msg) => {
      if (msg.type === 'token_count') report = (msg['info'] as { total_token_usage: Record<string, number> }).total_token_usage;
    },
  });
  try {
    await session.callCodex({ prompt: 'reference', 'approval-policy': 'never', sandbox: 'read-only' }, { timeoutMs: 30_000 });
  } finally {
    await session.close();
  }
  const got = report as Record<string, number> | null;
  if (!got) throw new Error('the agent emulator reported no token_count');
  return { input: got.input_tokens!, output: got.output_tokens!, total: got.total_tokens! };
}

describe('worker metrics endpoint during a sprint (real worker process, real server, emulators)', () => {
  let temporal: TestTemporal;
  let backend: BackendEmulator;
  let worker: ChildProcess | undefined;
  const stderr: string[] = [];
  const sprint = `T${randomUUID().slice(0, 8)}`;
  let metricsUrl = '';
  let handle: WorkflowHandle<typeof sprintWorkflow>;
  const duringSprint: Sample[][] = [];
  let final: Sample[] = [];

  const scrape = async (): Promise<Sample[]> => parsePrometheus(await (await fetch(metricsUrl)).text());
  const events = () => stderr.filter(isJsonObjectLine).map((line) => JSON.parse(line) as Record<string, unknown>);
  const statusOf = (issue: number) => backend.board.listProjectItems().find((i) => i.issue_number === issue)?.fields.Status;
  /** Run ids started and not yet finished or failed (the worker's events). */
  const runsInFlight = () => {
    const started = new Set(
      events()
        .filter((e) => e.type === 'WORKER_STARTED')
        .map((e) => e.run_id),
    );
    for (const e of events()) if (e.type === 'WORKER_FINISHED' || e.type === 'WORKER_FAILED') started.delete(e.run_id);
    return started.size;
  };
  /** Quiet: no run in flight for 3 s (values compared only when nothing is moving). */
  const quiet = async () => {
    await eventually(
      () => runsInFlight(),
      (n) => n === 0,
      60_000,
      200,
    );
    await new Promise((resolve) => setTimeout(resolve, 3000));
    return runsInFlight() === 0;
  };
  const transitions = (from: string | null, to: string, role?: string) =>
    transitionLog(backend).filter((t) => (from === null || t.from === from) && t.to === to && (role === undefined || t.role === role)).length;

  let dir = '';

  beforeAll(async () => {
    temporal = await connectTestTemporal();
    dir = mkdtempSync(join(tmpdir(), 'sr-metrics-'));
    const policyDir = writeDemoPolicy(join(dir, 'policy-bundle'), sprint);
    backend = await startBackendEmulator({
      policyDir,
      // One Ready item and no Backlog: a claim (and its retry) always lands on #1.
      items: [boardItem(1, 'Ready', sprint), boardItem(2, 'In Review', sprint), boardItem(3, 'Needs Human Approval', sprint)],
      prs: [linkedPr(2, 20), linkedPr(3, 30)],
    });
    const port = await freePort();
    metricsUrl = `http://127.0.0.1:${port}/metrics`;
    const taskQueue = uniqueTaskQueue('metrics');
    const agentScript = {
      defaults: { thinkMs: 50 },
      roles: { EXECUTOR: { tokens: TOKENS.EXECUTOR }, REVIEWER: { outcome: 'PASS', tokens: TOKENS.REVIEWER } },
      issues: {
        // #1's claim run crashes right after its claim (TRANSIENT, both activity attempts) → Blocked →
        // the blocked retry (→ Ready); the crashed run's claim marker keeps a new claim off #1, so it stays Ready.
        '1': { roles: { EXECUTOR: { mode: 'crash' } } },
        // The first review fails: an executor fix-up, then a PASS.
        '2': { attempts: { REVIEWER: [{ outcome: 'FAIL', comment: FAIL_FINDING }, { outcome: 'PASS' }] } },
      },
    };
    worker = spawn(process.execPath, [BIN, 'worker'], {
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: testAddress(),
        TEMPORAL_NAMESPACE: 'default',
        TEMPORAL_TASK_QUEUE: taskQueue,
        BACKEND_BASE_URL: backend.url,
        BACKEND_TIMEOUT_S: '10',
        ORCHESTRATOR_STATE_PATH: join(dir, 'orchestrator-state.json'),
        ORCHESTRATOR_REPO_ROOT: policyDir,
        RUNNER_ORCHESTRATOR_CMD: ORCHESTRATOR_CMD,
        ORCHESTRATOR_POLL_INTERVAL_MS: '300',
        CODEX_BIN: AGENT_BIN,
        CODEX_TOOLS_CALL_TIMEOUT_S: '60',
        AGENT_SCRIPT_JSON: JSON.stringify(agentScript),
        RUNNER_READY_BUFFER: '1',
        RUNNER_TRANSIENT_MAX_ATTEMPTS: '2',
        BLOCKED_RETRY_MINUTES: '0.05',
        BLOCKED_RETRY_MAX_ATTEMPTS: '1',
        SPRINT_IDLE_POLL_MINUTES: String(4 / 60),
        RUNNER_METRICS_ADDRESS: `127.0.0.1:${port}`,
        RUNNER_LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    createInterface({ input: worker.stderr! }).on('line', (line) => stderr.push(line));
    await eventually(() => events().some((e) => e.type === 'RUNNER_WORKER_READY') || worker!.exitCode !== null, Boolean, 120_000, 200);
    if (worker.exitCode !== null) throw new Error(`worker exited (${worker.exitCode}): ${stderr.slice(-5).join(' | ')}`);

    handle = await temporal.client.workflow.start(sprintWorkflow, { taskQueue, workflowId: `sprint-${sprint}`, args: [{ sprint, mode: 'loop' }] });
    // Scrape while the sprint runs, until #2 awaits a human and #1 came back from Blocked.
    await eventually(
      async () => {
        duringSprint.push(await scrape());
        return { blockedRetries: transitions('Blocked', 'Ready'), item2: statusOf(2) };
      },
      (s) => s.blockedRetries >= 1 && s.item2 === 'Needs Human Approval',
      150_000,
      1000,
    ).catch((err: Error) => {
      writeFileSync(join(dir, 'worker-stderr.log'), stderr.join('\n'));
      throw new Error(
        `${err.message} (worker stderr: ${join(dir, 'worker-stderr.log')})\nboard: ${JSON.stringify(backend.board.listProjectItems().map((i) => [i.issue_number, i.fields.Status]))}\nworker stderr (last 30):\n${stderr.slice(-30).join('\n')}`,
      );
    });

    // A human rework that lands (#3), and one the item refuses while it is back In Review.
    const item3 = temporal.client.workflow.getHandle(`sprint-${sprint}-item-3`);
    await item3.executeUpdate(requestReworkUpdate, { args: [{ reason: 'Metrics test: handle the empty case', steps: ['Add a test'] }] });
    await expect(item3.executeUpdate(requestReworkUpdate, { args: [{ reason: 'Twice in a row' }] })).rejects.toThrow();
    await eventually(() => transitions('In Review', 'Needs Human Approval') >= 2 && statusOf(3) === 'Needs Human Approval', Boolean, 120_000, 500);
    await eventually(quiet, Boolean, 90_000, 0);
    final = await scrape();
  }, 420_000);

  afterAll(async () => {
    // What a failing assertion is checked against, for the reader of a red run.
    if (dir) {
      writeFileSync(join(dir, 'worker-stderr.log'), stderr.join('\n'));
      writeFileSync(join(dir, 'backend-transitions.json'), JSON.stringify(backend ? transitionLog(backend) : [], null, 1));
      writeFileSync(
        join(dir, 'metrics-final.json'),
        JSON.stringify(
          final.filter((s) => !s.name.startsWith('temporal_') || s.name.endsWith('_count')),
          null,
          1,
        ),
      );
      writeFileSync(join(dir, 'metric-names.txt'), [...new Set(final.map((s) => s.name))].sort().join('\n'));
      process.stdout.write(`metrics test artifacts: ${dir}\n`);
    }
    await handle?.terminate('metrics test done').catch(() => undefined);
    for (const issue of [1, 2, 3])
      await temporal.client.workflow
        .getHandle(`sprint-${sprint}-item-${issue}`)
        .terminate('metrics test done')
        .catch(() => undefined);
    if (worker && worker.exitCode === null) {
      const exited = new Promise((resolve) => worker!.once('exit', resolve));
      worker.kill('SIGTERM');
      await exited;
    }
    await backend?.close();
    await temporal?.close();
  }, 60_000);

  it('the sprint did what the scenario scripts: #1 came back from Blocked, #2 and #3 await a human', () => {
    expect([statusOf(2), statusOf(3)]).toEqual(['Needs Human Approval', 'Needs Human Approval']);
    // #1's claim run crashes after claiming: Blocked, then Ready again (at once when its lost claim is
    // resumed with the same run_id, after the cooldown otherwise) — at least once each.
    expect(transitions(null, 'Blocked')).toBeGreaterThanOrEqual(1);
    expect(transitions('Blocked', 'Ready')).toBeGreaterThanOrEqual(1);
    expect(transitions('Needs Human Approval', 'In Review', 'HUMAN')).toBe(1);
  });

  it('Codex runs by role and outcome match the backend log', () => {
    const runs = (tags: Record<string, string>) => sumOf(final, 'sprint_runner_codex_runs', tags);
    // A reviewer PASS hands its item to a human: one In Review → Needs Human Approval transition each.
    expect(runs({ role: 'REVIEWER', outcome: 'PASS' })).toBe(transitions('In Review', 'Needs Human Approval'));
    expect(runs({ role: 'REVIEWER', outcome: 'PASS' })).toBeGreaterThanOrEqual(2);
    // A reviewer FAIL posts its findings on the issue.
    const failComments = backend.board.listIssueComments(2).filter((c) => c.body.includes(FAIL_FINDING)).length;
    expect(failComments).toBe(1);
    expect(runs({ role: 'REVIEWER', outcome: 'FAIL' })).toBe(failComments);
    // Each fix-up (after the FAIL, after the rework) pushed a commit; every answered executor run is counted.
    const pushes = backend.board.effectLog().filter((e) => e.kind === 'pr_pushed').length;
    expect(pushes).toBe(2);
    expect(runs({ role: 'EXECUTOR', status: 'succeeded' })).toBeGreaterThanOrEqual(pushes);
    // Only #1's executor crashes: every error run is an EXECUTOR run classified TRANSIENT, and each
    // Blocked transition follows at least one of them.
    const crashes = runs({ status: 'error' });
    expect(crashes).toBeGreaterThanOrEqual(transitions(null, 'Blocked'));
    expect(runs({ role: 'EXECUTOR', status: 'error', classification: 'TRANSIENT' })).toBe(crashes);
    // Every run has its duration observed, per role.
    for (const role of ['EXECUTOR', 'REVIEWER']) {
      expect(sumOf(final, 'sprint_runner_codex_run_duration_count', { role })).toBe(runs({ role }));
    }
  });

  it('tokens by role and kind: what the emulator reported, summed over the Codex processes that answered', async () => {
    const runs = (tags: Record<string, string>) => sumOf(final, 'sprint_runner_codex_runs', tags);
    for (const role of ['EXECUTOR', 'REVIEWER'] as const) {
      const report = await emulatorReport(TOKENS[role]);
      expect(report.total).toBe(TOKENS[role]);
      // Codex processes that answered: every session the worker started for the role, less the crashed
      // ones (each error run here is a scripted crash: its emulator dies before its token_count). A
      // run attempt that succeeds without asking Codex (a recovered result) reports no tokens.
      const sessions = events().filter((e) => e.type === 'CODEX_SESSION_STARTED' && e.role === role).length;
      const answered = sessions - runs({ role, status: 'error' }) - runs({ role, status: 'cancelled' });
      expect(answered).toBeGreaterThanOrEqual(2);
      const tokens = (kind?: string) => sumOf(final, 'sprint_runner_codex_tokens', kind ? { role, kind } : { role });
      expect({ input: tokens('input'), output: tokens('output'), other: tokens('other') }).toEqual({
        input: answered * report.input,
        output: answered * report.output,
        other: answered * (report.total - report.input - report.output),
      });
      expect(tokens()).toBe(answered * TOKENS[role]);
    }
  });

  it('blocked retries and rework requests match the backend transitions', () => {
    expect(sumOf(final, 'sprint_runner_blocked_retries', { result: 'landed' })).toBe(transitions('Blocked', 'Ready'));
    expect(sumOf(final, 'sprint_runner_blocked_retries', { result: 'landed', classification: 'TRANSIENT' })).toBe(transitions('Blocked', 'Ready'));
    expect(sumOf(final, 'sprint_runner_rework_requests', { result: 'landed' })).toBe(transitions('Needs Human Approval', 'In Review', 'HUMAN'));
    expect(sumOf(final, 'sprint_runner_rework_requests', { result: 'rejected' })).toBe(1);
  });

  it("intents routed match the sprint's own count and the worker's INTAKE_ROUTED events; board items per status follow the orchestrator's counts", async () => {
    const routedEvents = events()
      .filter((e) => e.type === 'INTAKE_ROUTED' && e.sprint === sprint)
      .reduce((n, e) => n + Number(e.intents), 0);
    const { intentsRouted } = await handle.query(sprintStatusQuery);
    expect(intentsRouted).toBeGreaterThan(0);
    expect(sumOf(final, 'sprint_runner_intents_routed', { sprint })).toBe(intentsRouted);
    // Events are at least once: a routing attempt retried on a loaded machine reports its intents again.
    expect(routedEvents).toBeGreaterThanOrEqual(intentsRouted);
    // Scraped during the sprint: the counter never went down, and the gauge always counted the three items.
    const seen = duringSprint.filter((samples) => samples.some((s) => s.name === 'sprint_runner_board_items' && s.labels.sprint === sprint));
    expect(seen.length).toBeGreaterThan(0);
    for (const samples of seen) expect(sumOf(samples, 'sprint_runner_board_items', { sprint })).toBe(3);
    const routedOverTime = duringSprint.map((samples) => sumOf(samples, 'sprint_runner_intents_routed', { sprint }));
    expect(routedOverTime).toEqual([...routedOverTime].sort((a, b) => a - b));
    expect(sumOf(final, 'sprint_runner_board_items', { sprint })).toBe(3);
  });

  it("the SDK's own metrics come out of the same endpoint", () => {
    const names = new Set(final.map((s) => s.name));
    for (const name of [
      'temporal_request',
      'temporal_worker_task_slots_available',
      'temporal_activity_execution_latency_count',
      'temporal_workflow_task_execution_latency_count',
    ]) {
      expect(names.has(name)).toBe(true);
    }
    // Two independent counts of the same thing: the SDK's runCodexWorker executions and our Codex runs.
    expect(sumOf(final, 'sprint_runner_codex_runs')).toBeGreaterThan(0);
    expect(sumOf(final, 'temporal_activity_execution_latency_count', { activity_type: 'runCodexWorker' })).toBe(sumOf(final, 'sprint_runner_codex_runs'));
  });

  it('every stderr line of the worker is one JSON object', () => {
    expect(stderr.length).toBeGreaterThan(10);
    expect(stderr.filter((line) => !isJsonObjectLine(line))).toEqual([]);
  });
});
