/**
 * The item workflow's state machine on the real server, with recording stand-ins for the
 * activities (the end-to-end versions with the emulators live in item-e2e tests).
 */
import { Context } from '@temporalio/activity';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { boardObservedSignal, itemStatusQuery, requestReworkUpdate, runIntentSignal } from '../../src/workflows';
import { connectTestTemporal, type TestTemporal } from '../support/temporal';
import { eventually, fail, intent, ItemHarness, ok } from '../support/item-harness';
import { fetchHistories, replayHistories } from '../support/replay';

describe('itemWorkflow state machine (real server)', () => {
  let temporal: TestTemporal;
  let h: ItemHarness;
  const workflowIds: string[] = [];

  beforeAll(async () => {
    temporal = await connectTestTemporal();
  });
  beforeEach(async () => {
    h = new ItemHarness(temporal);
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
    await handle.signal(boardObservedSignal, { version: 1, status: 'In Review', projectItemId: 'PVTI_42' });
    await handle.signal(runIntentSignal, intent('REVIEWER'));
    const status = await eventually(
      () => handle.query(itemStatusQuery),
      (s) => s.boardStatus === 'Needs Human Approval',
    );
    expect(h.named('handoffToHumanApproval')).toHaveLength(1);
    expect(h.named('recordReviewerOutcome')[0]!.input).toMatchObject({ issueNumber: 42, outcome: 'PASS' });
    expect(status).toMatchObject({ lastOutcome: 'PASS', prUrl: 'https://github.com/acme/app/pull/7', currentRun: null, queuedIntents: [] });
    expect(h.types()).toEqual(expect.arrayContaining(['INTENT_RECEIVED', 'WORKER_STARTED', 'REVIEW_OUTCOME', 'WORKER_FINISHED']));
  });

  it('FAIL ×5 → Blocked at the review cycle cap, once', async () => {
    h.script = async (input) => ok(input, { outcome: 'FAIL' });
    const handle = await h.startItem();
    workflowIds.push(handle.workflowId);
    await handle.signal(boardObservedSignal, { version: 1, status: 'In Review', projectItemId: 'PVTI_42' });
    // As the orchestrator does: the next reviewer is dispatched once the previous outcome is known.
    for (let i = 0; i < 5; i += 1) {
      await handle.signal(runIntentSignal, intent('REVIEWER'));
      await eventually(
        () => handle.query(itemStatusQuery),
        (s) => s.completedRuns === i + 1,
      );
    }
    // A reviewer dispatched to the item now Blocked at the cap never starts Codex.
    await handle.signal(runIntentSignal, intent('REVIEWER'));
    await eventually(
      () => handle.query(itemStatusQuery),
      (s) => s.intentsSuperseded === 1 && s.boardStatus === 'Blocked',
    );
    expect(h.named('runCodexWorker')).toHaveLength(5);
    expect(h.named('blockAtReviewCycleCap')).toHaveLength(1);
    expect(h.named('blockAtReviewCycleCap')[0]!.input).toMatchObject({ reviewCycleCount: 5 });
    expect(h.types().filter((t) => t === 'REVIEW_CYCLE_CAP_BLOCKED')).toHaveLength(1);
    // Issue #18: search attributes and memo are upserted only when a value changes.
    expect(await redundantUpserts(handle)).toEqual([]);
  });

  it('the same intent delivered twice runs once', async () => {
    const handle = await h.startItem();
    workflowIds.push(handle.workflowId);
    const twice = intent('EXECUTOR');
    await handle.signal(runIntentSignal, twice);
    await handle.signal(runIntentSignal, twice);
    await eventually(
      () => handle.query(itemStatusQuery),
      (s) => s.completedRuns === 1 && s.queuedIntents.length === 0,
    );
    await handle.signal(runIntentSignal, twice);
    await eventually(
      () => h.types(),
      (types) => types.includes('LEDGER_SKIP'),
    );
    expect(h.named('runCodexWorker')).toHaveLength(1);
  });

  it('executor ITEM_STOP failure → Blocked (B3) without an automatic retry', async () => {
    h.script = async () => fail('worker_invalid_output', 'ITEM_STOP');
    const handle = await h.startItem();
    workflowIds.push(handle.workflowId);
    await handle.signal(runIntentSignal, intent('EXECUTOR'));
    const status = await eventually(
      () => handle.query(itemStatusQuery),
      (s) => s.boardStatus === 'Blocked',
    );
    expect(h.named('blockItem')[0]!.input).toMatchObject({ classification: 'ITEM_STOP', fromStatus: 'In Progress', projectItemId: 'PVTI_42' });
    expect(status.pendingTimer).toBeNull();
  });

  it('transient failure is retried by the activity policy, then succeeds', async () => {
    const pr = { urls: { pr_url: 'https://github.com/acme/app/pull/7' }, marker_verified: true };
    h.script = async (input, attempt) => (attempt < 3 ? fail('mcp_stdio_unavailable', 'TRANSIENT', false) : ok(input, pr));
    const handle = await h.startItem();
    workflowIds.push(handle.workflowId);
    await handle.signal(runIntentSignal, intent('EXECUTOR'));
    await eventually(
      () => handle.query(itemStatusQuery),
      (s) => s.completedRuns === 1,
    );
    expect(h.named('runCodexWorker')).toHaveLength(3);
    expect(h.named('blockItem')).toHaveLength(0);
  });

  it('a retried claim run that claimed nothing (its lost first attempt holds the claim) → Blocked for an automatic retry', async () => {
    h.script = async (input, attempt) => (attempt < 2 ? fail('mcp_stdio_unavailable', 'TRANSIENT', false) : ok(input, { summary: 'no claimable Ready item' }));
    const handle = await h.startItem({ blockedRetryCooldownMs: 60_000 });
    workflowIds.push(handle.workflowId);
    await handle.signal(runIntentSignal, intent('EXECUTOR'));
    const blocked = await eventually(
      () => handle.query(itemStatusQuery),
      (s) => s.pendingTimer?.kind === 'blocked-retry',
    );
    expect(blocked.completedRuns).toBe(0);
    expect(h.named('blockItem')[0]!.input).toMatchObject({ classification: 'TRANSIENT', fromStatus: 'In Progress' });
    expect(h.events.find((e) => e.type === 'WORKER_FAILED')).toMatchObject({ error_code: 'claim_lost_on_retry' });
  });

  it('a first-attempt claim run that finds nothing to claim is a plain success', async () => {
    h.script = async (input) => ok(input, { summary: 'no claimable Ready item' });
    const handle = await h.startItem();
    workflowIds.push(handle.workflowId);
    await handle.signal(runIntentSignal, intent('EXECUTOR'));
    await eventually(
      () => handle.query(itemStatusQuery),
      (s) => s.completedRuns === 1,
    );
    expect(h.named('blockItem')).toHaveLength(0);
  });

  it('retryable executor failure → Blocked, then the durable cooldown moves it back to Ready; capped', async () => {
    h.script = async () => fail('mcp_timeout', 'ITEM_STOP');
    const handle = await h.startItem({ blockedRetryCooldownMs: 1500, blockedRetryMaxAttempts: 1 });
    workflowIds.push(handle.workflowId);
    await handle.signal(runIntentSignal, intent('EXECUTOR'));
    const blocked = await eventually(
      () => handle.query(itemStatusQuery),
      (s) => s.pendingTimer?.kind === 'blocked-retry',
    );
    expect(blocked.pendingTimer!.summary).toBe('Blocked cooldown 1.5s, attempt 1/1');
    await eventually(
      () => handle.query(itemStatusQuery),
      (s) => s.boardStatus === 'Ready',
    );
    expect(h.named('retryBlockedItem')[0]!.input).toMatchObject({ classification: 'ITEM_STOP', errorCode: 'mcp_timeout' });
    // Second failure: the cap (1) is reached, no new timer.
    await handle.signal(runIntentSignal, intent('EXECUTOR'));
    await eventually(
      () => h.types(),
      (types) => types.includes('BLOCKED_RETRY_EXHAUSTED'),
    );
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
    await eventually(
      () => handle.query(itemStatusQuery),
      (s) => s.boardStatus === 'Blocked',
    );
    expect(cancelled).toBe(true);
    expect(h.named('blockItem')[0]!.input).toMatchObject({ classification: 'HARD_STOP', message: 'Worker exceeded watchdog timeout (2s).' });
    expect(h.types()).toContain('WORKER_WATCHDOG_TIMEOUT');
  });

  it('review stall escalates once after two unanswered reviewer dispatches', async () => {
    h.script = async () => fail('mcp_timeout', 'ITEM_STOP');
    const handle = await h.startItem({ reviewStallMs: 1500 });
    workflowIds.push(handle.workflowId);
    await handle.signal(boardObservedSignal, { version: 1, status: 'In Review', projectItemId: 'PVTI_42' });
    await handle.signal(runIntentSignal, intent('REVIEWER'));
    await handle.signal(runIntentSignal, intent('REVIEWER'));
    await eventually(
      () => handle.query(itemStatusQuery),
      (s) => s.boardStatus === 'Needs Human Approval',
    );
    expect(h.named('handoffToHumanApproval')).toHaveLength(1);
    expect(h.named('handoffToHumanApproval')[0]!.input).toMatchObject({ reason: 'Escalated by orchestrator after repeated In Review stall; manual decision required.' });
    expect(h.types().filter((t) => t === 'REVIEW_STALL_ESCALATED')).toHaveLength(1);
  });

  it('requestRework: rejected outside Needs Human Approval; accepted inside → In Review via HUMAN', async () => {
    const handle = await h.startItem();
    workflowIds.push(handle.workflowId);
    await handle.signal(boardObservedSignal, { version: 1, status: 'In Review', projectItemId: 'PVTI_42' });
    await expect(handle.executeUpdate(requestReworkUpdate, { args: [{ reason: 'tighten tests' }] })).rejects.toThrow(WorkflowUpdateFailedError);
    await expect(handle.executeUpdate(requestReworkUpdate, { args: [{ reason: '' }] })).rejects.toThrow(WorkflowUpdateFailedError);
    expect(h.named('requestHumanRework')).toHaveLength(0);
    await handle.signal(boardObservedSignal, { version: 1, status: 'Needs Human Approval', projectItemId: 'PVTI_42' });
    const result = await handle.executeUpdate(requestReworkUpdate, { args: [{ reason: 'tighten tests', steps: ['add a failing case'] }] });
    expect(result.status).toBe('In Review');
    expect(h.named('requestHumanRework')[0]!.input).toEqual({ issueNumber: 42, projectItemId: 'PVTI_42', reason: 'tighten tests', steps: ['add a failing case'] });
  });

  it('continues as new before the history grows large, keeping queue, idempotency and review state', async () => {
    h.script = async (input) => ok(input, { outcome: 'FAIL' });
    const handle = await h.startItem({ historyEventsBeforeContinue: 40 });
    workflowIds.push(handle.workflowId);
    await handle.signal(boardObservedSignal, { version: 1, status: 'In Review', projectItemId: 'PVTI_42' });
    const intents = Array.from({ length: 4 }, () => intent('REVIEWER'));
    for (const [i, delivered] of intents.entries()) {
      await handle.signal(runIntentSignal, delivered);
      await eventually(
        () => handle.query(itemStatusQuery),
        (s) => s.completedRuns === i + 1,
      );
    }
    const status = await eventually(
      () => handle.query(itemStatusQuery),
      (s) => s.completedRuns === 4 && s.queuedIntents.length === 0,
    );
    expect(status.reviewCycles).toBe(4);
    const description = await handle.describe();
    expect(description.runId).not.toBe(handle.firstExecutionRunId);
    // A run that succeeded before continue-as-new is still recognised afterwards.
    await handle.signal(runIntentSignal, intents[0]!);
    await eventually(
      () => h.types().filter((t) => t === 'LEDGER_SKIP').length,
      (n) => n === 1,
    );
    expect(h.named('runCodexWorker')).toHaveLength(4);
  });

  it("in-flight gate: a second intent for the item starts only after the first run finished (the old runner's test_in_flight_gate)", async () => {
    const spans: Record<string, { start: number; end: number }> = {};
    h.script = async (input) => {
      const start = Date.now();
      await new Promise((resolve) => setTimeout(resolve, input.intent.role === 'EXECUTOR' ? 800 : 10));
      spans[input.intent.role] = { start, end: Date.now() };
      return ok(input, input.intent.role === 'REVIEWER' ? { outcome: 'FAIL' } : {});
    };
    const handle = await h.startItem();
    workflowIds.push(handle.workflowId);
    await handle.signal(runIntentSignal, intent('EXECUTOR'));
    await handle.signal(runIntentSignal, intent('REVIEWER'));
    const during = await eventually(
      () => handle.query(itemStatusQuery),
      (s) => s.currentRun?.role === 'EXECUTOR',
    );
    expect(during.queuedIntents).toEqual([{ role: 'REVIEWER', runId: expect.any(String) }]);
    await eventually(
      () => handle.query(itemStatusQuery),
      (s) => s.completedRuns === 2,
    );
    expect(spans.REVIEWER!.start).toBeGreaterThanOrEqual(spans.EXECUTOR!.end);
  });
});

/** Search-attribute and memo upserts in a workflow's history that changed no value (issue #18: there should be none). */
async function redundantUpserts(handle: { fetchHistory(): Promise<{ events?: Array<Record<string, any> & { eventId?: unknown }> | null }> }): Promise<string[]> {
  const history = await handle.fetchHistory();
  const text = (payload: { data?: Uint8Array | null } | null | undefined) => Buffer.from(payload?.data ?? []).toString('utf8');
  const attributes = new Map<string, string>();
  const memo = new Map<string, string>();
  const redundant: string[] = [];
  const apply = (what: string, known: Map<string, string>, fields: Record<string, { data?: Uint8Array | null }> | null | undefined, eventId: unknown, initial: boolean) => {
    if (!fields) return;
    const entries = Object.entries(fields);
    if (!initial && entries.every(([key, payload]) => known.get(key) === text(payload)))
      redundant.push(`event ${String(eventId)}: ${what} ${entries.map(([key, payload]) => `${key}=${text(payload)}`).join(', ')}`);
    for (const [key, payload] of entries) known.set(key, text(payload));
  };
  for (const event of history.events ?? []) {
    const started = event.workflowExecutionStartedEventAttributes;
    apply('search attributes', attributes, started?.searchAttributes?.indexedFields, event.eventId, true);
    apply('memo', memo, started?.memo?.fields, event.eventId, true);
    apply('search attributes', attributes, event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields, event.eventId, false);
    apply('memo', memo, event.workflowPropertiesModifiedEventAttributes?.upsertedMemo?.fields, event.eventId, false);
  }
  return redundant;
}
