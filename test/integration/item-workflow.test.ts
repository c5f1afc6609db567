/**
 * The item workflow's state machine on the real server, with recording stand-ins for the
 * activities (the end-to-end versions with the emulators live in item-e2e tests).
 */
import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { loadConfig } from '../../src/config';
import { createWorkers, type WorkerSet } from '../../src/worker';
import { taskQueuesFor } from '../../src/temporal/task-queues';
import type { RunnerEvent } from '../../src/logging';
import {
  boardObservedSignal, itemStatusQuery, itemWorkflow, requestReworkUpdate, runIntentSignal, type DeliveredIntent, type Role,
} from '../../src/workflows';
import type { ItemSettings } from '../../src/workflows/item/item-state';
import type { CodexRunInput, WorkerResult } from '../../src/workflows/item/ports';
import { connectTestTemporal, uniqueTaskQueue, type TestTemporal } from '../support/temporal';
import { fetchHistories, replayHistories } from '../support/replay';

type Call = { name: string; input: unknown };
type Script = (input: CodexRunInput, attempt: number) => Promise<WorkerResult>;

const ok = (input: CodexRunInput, extra: Partial<WorkerResult> = {}): WorkerResult => ({
  run_id: input.intent.run_id, role: input.intent.role, status: 'succeeded', outcome: null, summary: 'done', urls: {}, errors: [], marker_verified: null, ...extra,
});

function fail(code: string, classification: string, nonRetryable = true): never {
  throw ApplicationFailure.create({ type: 'CodexWorkerError', message: `failed: ${code}`, nonRetryable, details: [{ code, classification }] });
}

class Harness {
  calls: Call[] = [];
  events: RunnerEvent[] = [];
  script: Script = async (input) => ok(input);
  runContextStatus = 'In Progress';
  workers!: WorkerSet;
  running!: Promise<void>;
  base = uniqueTaskQueue('item');

  constructor(private readonly temporal: TestTemporal) {}

  record(name: string) {
    return async (input: unknown) => {
      this.calls.push({ name, input });
      return { backend_payload: { ok: true }, pr_url: 'https://github.com/acme/app/pull/7', project_item_id: 'PVTI_42', reviewCycleCount: 1, recorded: true };
    };
  }

  async start() {
    const activities = {
      runCodexWorker: async (input: CodexRunInput) => {
        this.calls.push({ name: 'runCodexWorker', input });
        return this.script(input, Context.current().info.attempt);
      },
      lookupRunContext: async () => ({ issueNumber: 42, projectItemId: 'PVTI_42', status: this.runContextStatus }),
      recordReviewerOutcome: this.record('recordReviewerOutcome'),
      recordExecutorResponse: this.record('recordExecutorResponse'),
      handoffToHumanApproval: this.record('handoffToHumanApproval'),
      blockItem: this.record('blockItem'),
      retryBlockedItem: this.record('retryBlockedItem'),
      blockAtReviewCycleCap: this.record('blockAtReviewCycleCap'),
      requestHumanRework: this.record('requestHumanRework'),
    };
    this.workers = await createWorkers({
      config: loadConfig({ TEMPORAL_TASK_QUEUE: this.base }),
      connection: this.temporal.nativeConnection,
      workflowBundle: { codePath: process.env.TEMPORAL_TEST_WORKFLOW_BUNDLE! },
      activities,
      onEvent: (event) => this.events.push(event),
      shutdownGraceTime: '1s',
    });
    this.running = this.workers.run();
  }

  settings(overrides: Partial<ItemSettings> = {}): ItemSettings {
    return {
      dryRun: false, watchdogTimeoutS: 60, toolsCallTimeoutS: 60, blockedRetryCooldownMs: 60_000, blockedRetryMaxAttempts: 3,
      reviewStallMs: 600_000, transientMaxAttempts: 3, taskQueues: taskQueuesFor(this.base), ...overrides,
    };
  }

  async startItem(overrides: Partial<ItemSettings> = {}) {
    return this.temporal.client.workflow.start(itemWorkflow, {
      taskQueue: this.base,
      workflowId: `sprint-T-item-42-${randomUUID()}`,
      args: [{ sprint: 'T', issueNumber: 42, projectItemId: 'PVTI_42', title: '[TASK] Add login', settings: this.settings(overrides) }],
    });
  }

  named(name: string) {
    return this.calls.filter((call) => call.name === name);
  }

  types() {
    return this.events.map((event) => event.type);
  }

  async stop() {
    this.workers.shutdown();
    await this.running;
  }
}

function intent(role: Role, runId = randomUUID()): DeliveredIntent {
  const endpoint = role === 'EXECUTOR' ? '/internal/executor/claim-ready-item' : '/internal/reviewer/resolve-linked-pr';
  const body = role === 'EXECUTOR' ? { role, run_id: runId, sprint: 'T' } : { role, issue_number: 42, run_id: runId };
  return { intent: { type: 'RUN_INTENT', role, run_id: runId, endpoint, body }, intentHash: 'h', routedAtMs: Date.now() };
}

async function eventually<T>(probe: () => Promise<T> | T, accept: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not reached; last value: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('itemWorkflow state machine (real server)', () => {
  let temporal: TestTemporal;
  let h: Harness;
  const workflowIds: string[] = [];

  beforeAll(async () => {
    temporal = await connectTestTemporal();
  });
  beforeEach(async () => {
    h = new Harness(temporal);
    await h.start();
  });
  afterEach(async () => h.stop());
  afterAll(async () => {
    await expect(replayHistories(await fetchHistories(temporal.client, workflowIds))).resolves.toBe(workflowIds.length);
    await temporal.close();
  });

  it('REVIEWER PASS → resolve-linked-pr + Needs Human Approval handoff; itemStatus reflects it', async () => {
    h.script = async (input) => ok(input, { outcome: 'PASS' });
    const handle = await h.startItem();
    workflowIds.push(handle.workflowId);
    await handle.signal(boardObservedSignal, { status: 'In Review', projectItemId: 'PVTI_42' });
    await handle.signal(runIntentSignal, intent('REVIEWER'));
    const status = await eventually(() => handle.query(itemStatusQuery), (s) => s.boardStatus === 'Needs Human Approval');
    expect(h.named('handoffToHumanApproval')).toHaveLength(1);
    expect(h.named('recordReviewerOutcome')[0]!.input).toMatchObject({ issueNumber: 42, outcome: 'PASS' });
    expect(status).toMatchObject({ lastOutcome: 'PASS', prUrl: 'https://github.com/acme/app/pull/7', currentRun: null, queuedIntents: [] });
    expect(h.types()).toEqual(expect.arrayContaining(['INTENT_RECEIVED', 'WORKER_STARTED', 'REVIEW_OUTCOME', 'WORKER_FINISHED']));
  });

  it('FAIL ×5 → Blocked at the review cycle cap, once', async () => {
    h.script = async (input) => ok(input, { outcome: 'FAIL' });
    const handle = await h.startItem();
    workflowIds.push(handle.workflowId);
    await handle.signal(boardObservedSignal, { status: 'In Review', projectItemId: 'PVTI_42' });
    for (let i = 0; i < 6; i += 1) await handle.signal(runIntentSignal, intent('REVIEWER'));
    await eventually(() => handle.query(itemStatusQuery), (s) => s.completedRuns === 6);
    expect(h.named('blockAtReviewCycleCap')).toHaveLength(1);
    expect(h.named('blockAtReviewCycleCap')[0]!.input).toMatchObject({ reviewCycleCount: 5 });
    expect(h.types().filter((t) => t === 'REVIEW_CYCLE_CAP_BLOCKED')).toHaveLength(1);
  });

  it('the same intent delivered twice runs once', async () => {
    const handle = await h.startItem();
    workflowIds.push(handle.workflowId);
    const twice = intent('EXECUTOR');
    await handle.signal(runIntentSignal, twice);
    await handle.signal(runIntentSignal, twice);
    await eventually(() => handle.query(itemStatusQuery), (s) => s.completedRuns === 1 && s.queuedIntents.length === 0);
    await handle.signal(runIntentSignal, twice);
    await eventually(() => h.types(), (types) => types.includes('LEDGER_SKIP'));
    expect(h.named('runCodexWorker')).toHaveLength(1);
  });

  it('executor ITEM_STOP failure → Blocked (B3) without an automatic retry', async () => {
    h.script = async () => fail('worker_invalid_output', 'ITEM_STOP');
    const handle = await h.startItem();
    workflowIds.push(handle.workflowId);
    await handle.signal(runIntentSignal, intent('EXECUTOR'));
    const status = await eventually(() => handle.query(itemStatusQuery), (s) => s.boardStatus === 'Blocked');
    expect(h.named('blockItem')[0]!.input).toMatchObject({ classification: 'ITEM_STOP', fromStatus: 'In Progress', projectItemId: 'PVTI_42' });
    expect(status.pendingTimer).toBeNull();
  });

  it('transient failure is retried by the activity policy, then succeeds', async () => {
    h.script = async (input, attempt) => (attempt < 3 ? fail('mcp_stdio_unavailable', 'TRANSIENT', false) : ok(input));
    const handle = await h.startItem();
    workflowIds.push(handle.workflowId);
    await handle.signal(runIntentSignal, intent('EXECUTOR'));
    await eventually(() => handle.query(itemStatusQuery), (s) => s.completedRuns === 1);
    expect(h.named('runCodexWorker')).toHaveLength(3);
    expect(h.named('blockItem')).toHaveLength(0);
  });

  it('retryable executor failure → Blocked, then the durable cooldown moves it back to Ready; capped', async () => {
    h.script = async () => fail('mcp_timeout', 'ITEM_STOP');
    const handle = await h.startItem({ blockedRetryCooldownMs: 1500, blockedRetryMaxAttempts: 1 });
    workflowIds.push(handle.workflowId);
    await handle.signal(runIntentSignal, intent('EXECUTOR'));
    const blocked = await eventually(() => handle.query(itemStatusQuery), (s) => s.pendingTimer?.kind === 'blocked-retry');
    expect(blocked.pendingTimer!.summary).toBe('Blocked cooldown 1.5s, attempt 1/1');
    await eventually(() => handle.query(itemStatusQuery), (s) => s.boardStatus === 'Ready');
    expect(h.named('retryBlockedItem')[0]!.input).toMatchObject({ classification: 'ITEM_STOP', errorCode: 'mcp_timeout' });
    // Second failure: the cap (1) is reached, no new timer.
    await handle.signal(runIntentSignal, intent('EXECUTOR'));
    await eventually(() => h.types(), (types) => types.includes('BLOCKED_RETRY_EXHAUSTED'));
    expect((await handle.query(itemStatusQuery)).pendingTimer).toBeNull();
    expect(h.named('retryBlockedItem')).toHaveLength(1);
  });

  it('watchdog: a run past RUNNER_WATCHDOG_TIMEOUT_S is cancelled and the item Blocked (HARD_STOP)', async () => {
    let cancelled = false;
    h.script = async () => {
      const ctx = Context.current();
      for (;;) {
        ctx.heartbeat();
        try {
          await ctx.sleep(200);
        } catch (err) {
          cancelled = true;
          throw err;
        }
      }
    };
    const handle = await h.startItem({ watchdogTimeoutS: 2 });
    workflowIds.push(handle.workflowId);
    await handle.signal(runIntentSignal, intent('EXECUTOR'));
    await eventually(() => handle.query(itemStatusQuery), (s) => s.boardStatus === 'Blocked');
    expect(cancelled).toBe(true);
    expect(h.named('blockItem')[0]!.input).toMatchObject({ classification: 'HARD_STOP', message: 'Worker exceeded watchdog timeout (2s).' });
    expect(h.types()).toContain('WORKER_WATCHDOG_TIMEOUT');
  });

  it('review stall escalates once after two unanswered reviewer dispatches', async () => {
    h.script = async () => fail('mcp_timeout', 'ITEM_STOP');
    const handle = await h.startItem({ reviewStallMs: 1500 });
    workflowIds.push(handle.workflowId);
    await handle.signal(boardObservedSignal, { status: 'In Review', projectItemId: 'PVTI_42' });
    await handle.signal(runIntentSignal, intent('REVIEWER'));
    await handle.signal(runIntentSignal, intent('REVIEWER'));
    await eventually(() => handle.query(itemStatusQuery), (s) => s.boardStatus === 'Needs Human Approval');
    expect(h.named('handoffToHumanApproval')).toHaveLength(1);
    expect(h.named('handoffToHumanApproval')[0]!.input).toMatchObject({ reason: 'Escalated by orchestrator after repeated In Review stall; manual decision required.' });
    expect(h.types().filter((t) => t === 'REVIEW_STALL_ESCALATED')).toHaveLength(1);
  });

  it('requestRework: rejected outside Needs Human Approval; accepted inside → In Review via HUMAN', async () => {
    const handle = await h.startItem();
    workflowIds.push(handle.workflowId);
    await handle.signal(boardObservedSignal, { status: 'In Review', projectItemId: 'PVTI_42' });
    await expect(handle.executeUpdate(requestReworkUpdate, { args: [{ reason: 'tighten tests' }] })).rejects.toThrow(WorkflowUpdateFailedError);
    await expect(handle.executeUpdate(requestReworkUpdate, { args: [{ reason: '' }] })).rejects.toThrow(WorkflowUpdateFailedError);
    expect(h.named('requestHumanRework')).toHaveLength(0);
    await handle.signal(boardObservedSignal, { status: 'Needs Human Approval', projectItemId: 'PVTI_42' });
    const result = await handle.executeUpdate(requestReworkUpdate, { args: [{ reason: 'tighten tests', steps: ['add a failing case'] }] });
    expect(result.status).toBe('In Review');
    expect(h.named('requestHumanRework')[0]!.input).toEqual({ issueNumber: 42, projectItemId: 'PVTI_42', reason: 'tighten tests', steps: ['add a failing case'] });
  });
});
