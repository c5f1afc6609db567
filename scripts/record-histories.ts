/**
 * `npm run record-histories [-- --release NAME] [--out DIR] [--only a,b] [--parallel N]`: records the replay
 * corpus of a release (docs/upgrading.md). Starts its own Temporal dev server (in memory, one namespace
 * per scenario so fixed workflow ids never collide), runs each scenario with the real product (workers
 * of src/worker.ts on a bundle of src/workflows) against the backend, orchestrator and Codex-agent
 * emulators — the e2e rig of the tests — and writes every recorded workflow history as JSON
 * (`historyToJSON`, the format of `temporal workflow show -o json`) to
 * test/fixtures/histories/<release>/, with manifest.json naming each file's workflow id and scenario.
 * test/replay/committed-histories.test.ts replays all of them against the current workflow code.
 *
 * <release> defaults to `v<package version>-<short git commit>`. An existing release folder is never
 * overwritten (the script refuses): record before each release into a new folder, keep the last few.
 * Nothing is written unless every selected scenario succeeded. About 2–4 minutes on 2 cores.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { Client, Connection, type WorkflowHandle, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { startDevServer, type DevServer } from '../src/temporal/dev-server';
import { setEventWriter } from '../src/logging';
import { workflowBundleOptions } from '../src/workflow-bundle';
import { gitCommit, packageVersion } from '../src/temporal/deployment';
import { itemWorkflowId, requestReworkUpdate, sprintStatusQuery, sprintWorkflow, sprintWorkflowId, type SprintStatus } from '../src/workflows';
import { closeUpdate } from '../src/workflows/sprint/messages';
import { boardItem, startE2eRig, type E2eRig } from '../test/support/e2e';
import { linkedPr } from '../test/support/fault-rig';
import type { TestTemporal } from '../test/support/temporal';
import type { BackendEmulatorOptions } from '../emulators/backend';

const ROOT = resolve(__dirname, '..');
export const HISTORIES_DIR = join(ROOT, 'test', 'fixtures', 'histories');

/** One recorded history: the workflow id replay needs (histories do not carry it) and what it shows. */
export interface RecordedEntry {
  file: string;
  scenario: string;
  workflowId: string;
  runId: string;
  workflowType: string;
  status: string;
  events: number;
  description: string;
}

export interface HistoriesManifest {
  release: string;
  recordedAt: string;
  code: { version: string; commit: string | null };
  temporalCli: string;
  histories: RecordedEntry[];
}

interface ScenarioContext {
  temporal: TestTemporal;
  namespace: string;
  /** Starts the e2e rig (real workers, emulators) in this scenario's namespace. */
  rig(board: BackendEmulatorOptions, env?: Record<string, string>): Promise<E2eRig>;
  /** Starts sprint `M1` in loop mode (plus `extra` input) on the rig's queue. */
  startSprint(rig: E2eRig, extra?: Record<string, unknown>): Promise<WorkflowHandleWithFirstExecutionRunId<typeof sprintWorkflow>>;
  /** Fetches a workflow's history (latest run, or `runId`) for the corpus. */
  record(workflowId: string, description: string, runId?: string): Promise<void>;
}

interface Scenario {
  name: string;
  what: string;
  run(ctx: ScenarioContext): Promise<void>;
}

// One agent script for every scenario (the agent emulator reads it from this process's environment):
// each scenario owns its issue numbers. Kickoff creates issues 1… on its own board, so the others use 2xx.
const AGENT_SCRIPT = {
  defaults: { thinkMs: 50 },
  issues: {
    // review-fail-fixup: the first review fails, the fix-up's re-review passes.
    '211': { attempts: { REVIEWER: [{ outcome: 'FAIL', comment: 'R1: add a test for the empty body' }, { outcome: 'PASS' }] } },
    // blocked-retry: the fix-up hangs past the Codex deadline (mcp_timeout, retryable) → Blocked → timer → Ready.
    '221': { attempts: { REVIEWER: [{ outcome: 'FAIL' }, { outcome: 'PASS' }], EXECUTOR: [{ mode: 'hang' }, {}] } },
    // watchdog-timeout: the claim run hangs; the watchdog cancels it and the item is Blocked (HARD_STOP).
    '231': { roles: { EXECUTOR: { mode: 'hang' } } },
  },
};

const FAST = { ORCHESTRATOR_POLL_INTERVAL_MS: '500', SPRINT_IDLE_POLL_MINUTES: '0.05', RUNNER_TRANSIENT_MAX_ATTEMPTS: '3' };

async function waitUntil<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read().catch(() => undefined as T);
    if (value !== undefined && done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs / 1000}s (last: ${JSON.stringify(value)?.slice(0, 500)})`);
    await new Promise((resolveWait) => setTimeout(resolveWait, 250));
  }
}

const phase = (handle: WorkflowHandle<typeof sprintWorkflow>) => () => handle.query(sprintStatusQuery);
const awaitingHumans = (status: SprintStatus) => status.phase === 'awaiting-humans';

/**
 * Closes the sprint (by default once it awaits humans): its item workflows end, so their histories
 * are closed ones.
 */
async function closeSprint(handle: WorkflowHandle<typeof sprintWorkflow>, options: { awaitHumans?: boolean } = {}): Promise<void> {
  if (options.awaitHumans ?? true) await waitUntil(`${handle.workflowId} awaiting-humans`, phase(handle), awaitingHumans);
  await handle.executeUpdate(closeUpdate, { args: [{ reason: 'record-histories: scenario done' }] });
  await handle.result();
}

/** Item workflows of the (closed) sprint whose item reached `status`. */
async function itemIds(handle: WorkflowHandle<typeof sprintWorkflow>, status: string): Promise<string[]> {
  const result = await handle.result();
  return result.items.filter((item) => item.boardStatus === status).map((item) => itemWorkflowId('M1', item.issueNumber));
}

export const SCENARIOS: Scenario[] = [
  {
    name: 'executor-reviewer-pass',
    what: 'a Ready item: EXECUTOR claim run, REVIEWER PASS, Needs Human Approval; sprint closed',
    async run(ctx) {
      const rig = await ctx.rig({ items: [boardItem(201, 'Ready')] });
      const sprint = await ctx.startSprint(rig);
      await closeSprint(sprint);
      await ctx.record(sprint.workflowId, 'sprint: one item claimed, reviewed PASS, closed at awaiting-humans');
      await ctx.record(itemWorkflowId('M1', 201), 'item: EXECUTOR → REVIEWER PASS → Needs Human Approval, ended by the sprint close');
    },
  },
  {
    name: 'review-fail-fixup',
    what: 'an In Review item: REVIEWER FAIL, EXECUTOR fix-up, REVIEWER PASS',
    async run(ctx) {
      const rig = await ctx.rig({ items: [boardItem(211, 'In Review')], prs: [linkedPr(211, 2110)] });
      const sprint = await ctx.startSprint(rig);
      await closeSprint(sprint);
      await ctx.record(itemWorkflowId('M1', 211), 'item: REVIEWER FAIL → EXECUTOR fix-up → REVIEWER PASS → Needs Human Approval');
    },
  },
  {
    name: 'blocked-retry',
    what: 'a fix-up run hits the Codex deadline (mcp_timeout): Blocked, the blocked-retry timer fires, back to Ready',
    async run(ctx) {
      const rig = await ctx.rig(
        { items: [boardItem(221, 'In Review')], prs: [linkedPr(221, 2210)] },
        { CODEX_TOOLS_CALL_TIMEOUT_S: '3', BLOCKED_RETRY_MINUTES: '0.1', BLOCKED_RETRY_MAX_ATTEMPTS: '2' },
      );
      const sprint = await ctx.startSprint(rig);
      await waitUntil(
        'BLOCKED_RETRY of #221',
        async () => rig.events.filter((e) => e.type === 'BLOCKED_RETRY').length,
        (n) => n >= 1,
        120_000,
      );
      // What follows the retry (a new claim) is the pass scenario's story: close once the item is Ready.
      await waitUntil(
        '#221 back to Ready',
        async () => rig.backend.board.listProjectItems()[0]?.fields.Status,
        (s) => s === 'Ready',
        30_000,
      );
      await new Promise((done) => setTimeout(done, 2_000));
      await closeSprint(sprint, { awaitHumans: false });
      await ctx.record(itemWorkflowId('M1', 221), 'item: review FAIL → fix-up mcp_timeout → Blocked → blocked-retry timer → Ready; ended by the sprint close');
    },
  },
  {
    name: 'watchdog-timeout',
    what: 'a claim run hangs: the watchdog timer cancels it (process group killed) and the item is Blocked',
    async run(ctx) {
      const rig = await ctx.rig({ items: [boardItem(231, 'Ready')] }, { RUNNER_WATCHDOG_TIMEOUT_S: '3', BLOCKED_RETRY_MAX_ATTEMPTS: '1' });
      const sprint = await ctx.startSprint(rig);
      await waitUntil('WORKER_WATCHDOG_TIMEOUT of #231', async () => rig.events.some((e) => e.type === 'WORKER_WATCHDOG_TIMEOUT'), Boolean, 90_000);
      await closeSprint(sprint);
      await ctx.record(itemWorkflowId('M1', 231), 'item: EXECUTOR hang → watchdog → activity cancelled → Blocked (HARD_STOP)');
    },
  },
  {
    name: 'human-rework',
    what: 'an item in Needs Human Approval gets the requestRework update: fix-up, re-review, back to Needs Human Approval',
    async run(ctx) {
      const rig = await ctx.rig({ items: [boardItem(241, 'In Review')], prs: [linkedPr(241, 2410)] });
      const sprint = await ctx.startSprint(rig);
      await waitUntil('sprint awaiting-humans', phase(sprint), awaitingHumans);
      const item = ctx.temporal.client.workflow.getHandle(itemWorkflowId('M1', 241));
      await item.executeUpdate(requestReworkUpdate, { args: [{ reason: 'Add a test for the empty body case', steps: ['Cover the 4xx branch'] }] });
      const reviewed = () => rig.backend.board.effectLog().filter((e) => e.kind === 'transition' && e.issue_number === 241).length;
      await waitUntil(
        'rework re-reviewed',
        async () => reviewed(),
        (n) => n >= 3,
        90_000,
      );
      await closeSprint(sprint);
      await ctx.record(item.workflowId, 'item: PASS → Needs Human Approval → requestRework (update) → fix-up → re-review PASS');
      await ctx.record(sprint.workflowId, 'sprint: awaiting-humans woken by a rework, then closed');
    },
  },
  {
    name: 'sprint-kickoff',
    what: 'a sprint kicked off from a goal: Codex plan, plan-apply, ready set promoted, items through review',
    async run(ctx) {
      const rig = await ctx.rig({});
      const sprint = await ctx.startSprint(rig, { goal: 'Ship password login\n- Add the users table\n- Add the login form\n- Add the session API' });
      await closeSprint(sprint);
      await ctx.record(sprint.workflowId, 'sprint: kickoff (plan, plan-apply, ready set), ticks, awaiting-humans, closed');
      const ids = await itemIds(sprint, 'Needs Human Approval');
      if (ids.length === 0) throw new Error('no item of the kicked-off sprint reached Needs Human Approval');
      await ctx.record(ids[0]!, 'item of a kicked-off sprint (started from the sprint plan, with its title) through review');
    },
  },
  {
    name: 'sprint-continue-as-new',
    what: 'sprint and items continue as new (RUNNER_HISTORY_EVENTS_BEFORE_CONTINUE=40) and still finish',
    async run(ctx) {
      const rig = await ctx.rig({ items: [boardItem(261, 'Backlog'), boardItem(262, 'Backlog')] }, { RUNNER_READY_BUFFER: '1', RUNNER_HISTORY_EVENTS_BEFORE_CONTINUE: '40' });
      const sprint = await ctx.startSprint(rig);
      await closeSprint(sprint);
      const first = await ctx.temporal.client.workflow.getHandle(sprint.workflowId, sprint.firstExecutionRunId).describe();
      if (first.status.name !== 'CONTINUED_AS_NEW') throw new Error(`the sprint's first run did not continue as new (${first.status.name})`);
      await ctx.record(sprint.workflowId, 'sprint: first run, ends with continue-as-new', sprint.firstExecutionRunId);
      await ctx.record(sprint.workflowId, 'sprint: last run of the chain (carried state), closed');
      await ctx.record(itemWorkflowId('M1', 261), 'item: last run of its chain');
    },
  },
  {
    name: 'sprint-awaiting-humans',
    // Recorded OPEN: the sprint idles in phase awaiting-humans (board checks every SPRINT_IDLE_POLL_MINUTES).
    what: 'an open sprint idling in awaiting-humans after a few idle board checks, and its open item',
    async run(ctx) {
      const rig = await ctx.rig({ items: [boardItem(271, 'In Review')], prs: [linkedPr(271, 2710)] });
      const sprint = await ctx.startSprint(rig);
      await waitUntil('sprint awaiting-humans', phase(sprint), awaitingHumans);
      // A few idle polls (3 s each) into the history.
      await new Promise((done) => setTimeout(done, 8_000));
      await ctx.record(sprint.workflowId, 'sprint (open): awaiting-humans, idle board checks');
      await ctx.record(itemWorkflowId('M1', 271), 'item (open): waiting in Needs Human Approval');
      await sprint.executeUpdate(closeUpdate, { args: [{ reason: 'record-histories: recorded' }] });
    },
  },
];

interface Args {
  release: string | null;
  /** Base folder of the corpus (default test/fixtures/histories); the release folder goes inside. */
  out: string;
  only: string[] | null;
  parallel: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { release: null, out: HISTORIES_DIR, only: null, parallel: 3 };
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i];
    const value = () => {
      const next = argv[++i];
      if (!next) throw new Error(`${flag} needs a value`);
      return next;
    };
    if (flag === '--release') args.release = value();
    else if (flag === '--out') args.out = resolve(value());
    else if (flag === '--only')
      args.only = value()
        .split(',')
        .map((name) => name.trim())
        .filter(Boolean);
    else if (flag === '--parallel') args.parallel = Math.max(1, Number(value()) || 1);
    else if (flag === '--help' || flag === '-h') {
      process.stdout.write(`usage: npm run record-histories -- [--release NAME] [--out DIR] [--only ${SCENARIOS.map((s) => s.name).join(',')}] [--parallel N]\n`);
      process.exit(0);
    } else throw new Error(`unknown argument ${flag} (--help)`);
  }
  return args;
}

export function defaultReleaseName(): string {
  const commit = gitCommit();
  return `v${packageVersion()}${commit ? `-${commit.slice(0, 7)}` : ''}`;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const release = args.release ?? defaultReleaseName();
  if (!/^[\w.+-]+$/.test(release)) throw new Error(`--release ${JSON.stringify(release)}: use letters, digits, '.', '_', '+', '-' only`);
  const target = join(args.out, release);
  if (existsSync(target)) {
    throw new Error(
      `${relative(ROOT, target)} exists: a release's histories are never overwritten. Pass --release NEW_NAME (or delete the folder if it is yours and uncommitted).`,
    );
  }
  const unknown = (args.only ?? []).filter((name) => !SCENARIOS.some((s) => s.name === name));
  if (unknown.length) throw new Error(`unknown scenario(s) ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  const selected = args.only ? SCENARIOS.filter((s) => args.only!.includes(s.name)) : SCENARIOS;

  const say = (line: string) => process.stderr.write(`[record-histories] ${line}\n`);
  const startedAt = Date.now();
  Runtime.install({ logger: new DefaultLogger('WARN') });
  // Activity-side events would flood the terminal; the scenarios read the rig's own event list.
  if (!process.env.RECORD_HISTORIES_VERBOSE) setEventWriter(() => undefined);
  const namespaces = selected.map((s) => `rec-${s.name}`);
  let server: DevServer | null = null;
  const staging = mkdtempSync(join(tmpdir(), 'sr-histories-'));
  try {
    server = await startDevServer({ logLevel: 'error', namespaces });
    say(`dev server ${server.address}; bundling src/workflows…`);
    const bundle = await bundleWorkflowCode({
      ...workflowBundleOptions(),
      logger: { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} } as never,
    });
    const bundlePath = join(staging, 'workflow-bundle.js');
    writeFileSync(bundlePath, bundle.code);
    // The e2e rig (test/support/e2e.ts) reads the bundle and the agent script from the environment.
    process.env.TEMPORAL_TEST_WORKFLOW_BUNDLE = bundlePath;
    process.env.AGENT_SCRIPT_JSON = JSON.stringify(AGENT_SCRIPT);
    const histories = join(staging, 'histories');
    mkdirSync(histories);
    const entries: RecordedEntry[] = [];
    const failures: string[] = [];

    const runScenario = async (scenario: Scenario, namespace: string) => {
      const t0 = Date.now();
      const connection = await Connection.connect({ address: server!.address });
      const nativeConnection = await NativeConnection.connect({ address: server!.address });
      const temporal: TestTemporal = {
        client: new Client({ connection, namespace }),
        nativeConnection,
        close: async () => {
          await connection.close();
          await nativeConnection.close();
        },
      };
      const rigs: E2eRig[] = [];
      const ctx: ScenarioContext = {
        temporal,
        namespace,
        async rig(board, env = {}) {
          // startE2eRig overwrites AGENT_SCRIPT_JSON with its argument: pass the shared script. The sprint
          // plan file is per scenario (its default is in the working directory, shared by every sprint M1).
          const planPath = join(mkdtempSync(join(staging, `${scenario.name}-`)), 'sprint-plan.json');
          const rig = await startE2eRig(temporal, board, { ...FAST, RUNNER_SPRINT_PLAN_PATH: planPath, ...env }, AGENT_SCRIPT);
          rigs.push(rig);
          return rig;
        },
        startSprint(rig, extra = {}) {
          return temporal.client.workflow.start(sprintWorkflow, {
            taskQueue: rig.config.temporalTaskQueue,
            workflowId: sprintWorkflowId('M1'),
            args: [{ sprint: 'M1', mode: 'loop', ...extra }],
          });
        },
        async record(workflowId, description, runId) {
          const handle = temporal.client.workflow.getHandle(workflowId, runId);
          const [history, described] = await Promise.all([handle.fetchHistory(), handle.describe()]);
          const index = entries.filter((e) => e.scenario === scenario.name && e.workflowId === workflowId).length;
          const file = `${scenario.name}.${workflowId}${index ? `.run${index + 1}` : ''}.json`;
          writeFileSync(join(histories, file), `${historyToJSON(history)}\n`);
          entries.push({
            file,
            scenario: scenario.name,
            workflowId,
            runId: described.runId,
            workflowType: described.type,
            status: described.status.name,
            events: history.events?.length ?? 0,
            description,
          });
        },
      };
      try {
        await scenario.run(ctx);
        say(`ok   ${scenario.name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      } catch (err) {
        failures.push(`${scenario.name}: ${(err as Error).message}`);
        say(`FAIL ${scenario.name}: ${(err as Error).message}`);
      } finally {
        for (const rig of rigs) await rig.stop().catch(() => undefined);
        await temporal.close();
      }
    };

    // A small pool: every scenario spawns orchestrator and agent processes; 2 cores take ~3 at once.
    const queue = selected.map((scenario, i) => [scenario, namespaces[i]!] as const);
    await Promise.all(
      Array.from({ length: Math.min(args.parallel, queue.length) }, async () => {
        for (let next = queue.shift(); next; next = queue.shift()) await runScenario(...next);
      }),
    );
    if (failures.length) throw new Error(`nothing written; ${failures.length} scenario(s) failed:\n  ${failures.join('\n  ')}`);

    entries.sort((a, b) => a.file.localeCompare(b.file));
    const manifest: HistoriesManifest = {
      release,
      recordedAt: new Date().toISOString(),
      code: { version: packageVersion(), commit: gitCommit() },
      temporalCli: '1.5.1',
      histories: entries,
    };
    writeFileSync(join(histories, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    mkdirSync(args.out, { recursive: true });
    // The staging dir may be on another filesystem (no rename): copy, refusing to touch existing files.
    cpSync(histories, target, { recursive: true, errorOnExist: true, force: false });
    say(`wrote ${entries.length} histories to ${relative(ROOT, target)} in ${((Date.now() - startedAt) / 1000).toFixed(0)} s`);
  } finally {
    await server?.stop();
    rmSync(staging, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`[record-histories] ${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}
