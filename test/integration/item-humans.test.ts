/**
 * The item workflow's human loop and its message door, on the real server with recording stand-ins:
 * rework that tells the truth, intents whose premise no longer holds dropped before any Codex run,
 * cancellation reported as cancellation, the real status on an executor failure, workflows that end,
 * and payloads that cannot wedge the workflow.
 */
import { Context } from '@temporalio/activity';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { boardObservedSignal, itemStatusQuery, requestReworkUpdate, runIntentSignal, sprintClosedSignal } from '../../src/workflows';
import { connectTestTemporal, type TestTemporal } from '../support/temporal';
import { eventually, intent, ItemHarness, ok } from '../support/item-harness';
import { fetchHistories, replayHistories } from '../support/replay';

const NHA = { version: 1 as const, status: 'Needs Human Approval' as const, projectItemId: 'PVTI_42' };
const IN_REVIEW = { version: 1 as const, status: 'In Review' as const, projectItemId: 'PVTI_42' };

describe('itemWorkflow: humans in the loop and the message door (real server)', () => {
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

  async function updateError(promise: Promise<unknown>): Promise<string> {
    const err = await promise.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    return (err as WorkflowUpdateFailedError).cause?.message ?? '';
  }

  it('rework completes only when the transition landed; a refused transition fails the update with the reason and changes nothing', async () => {
    const handle = await h.startItem();
    workflowIds.push(handle.workflowId);
    await handle.signal(boardObservedSignal, NHA);
    h.refuse.requestHumanRework = 'POST /internal/project-item/update-field → 403 transition not allowed for HUMAN';
    const message = await updateError(handle.executeUpdate(requestReworkUpdate, { args: [{ reason: 'tighten tests' }] }));
    expect(message).toContain('backend refused the rework of #42');
    expect(message).toContain('403 transition not allowed');
    const after = await handle.query(itemStatusQuery);
    expect(after).toMatchObject({ boardStatus: 'Needs Human Approval', reworkRequests: 0 });
    expect(h.types()).toContain('REWORK_FAILED');

    delete h.refuse.requestHumanRework;
    await expect(handle.executeUpdate(requestReworkUpdate, { args: [{ reason: 'tighten tests' }] })).resolves.toEqual({
      issueNumber: 42,
      status: 'In Review',
      projectItemId: 'PVTI_42',
    });
    expect(await handle.query(itemStatusQuery)).toMatchObject({ boardStatus: 'In Review', reworkRequests: 1 });
  });

  it('rework payloads are checked by the validator: each refused with what is wrong, nothing applied', async () => {
    const handle = await h.startItem();
    workflowIds.push(handle.workflowId);
    await handle.signal(boardObservedSignal, NHA);
    const cases: Array<[unknown[], string]> = [
      [[null], 'payload'],
      [[{}], 'reason'],
      [[{ reason: 'x', extra: 1 }], 'unknown field(s) extra'],
      [[JSON.parse('{"reason":"x","__proto__":{"polluted":true}}')], 'unknown field(s) __proto__'],
      [[{ reason: 'bell\u0007' }], 'printable'],
      [[{ reason: 'rtl \u202e override' }], 'printable'],
      [[{ reason: 'x'.repeat(2001) }], 'at most 2000'],
      [[{ reason: 'x', steps: Array.from({ length: 21 }, () => 'step') }], 'at most 20 rework steps'],
      [[{ reason: 'x', steps: ['y'.repeat(501)] }], 'at most 500'],
      [[{ reason: 'x' }, { reason: 'y' }], 'exactly one argument'],
    ];
    for (const [args, expected] of cases) {
      const message = await updateError(handle.executeUpdate(requestReworkUpdate, { args: args as never }));
      expect(message).toContain(expected);
    }
    expect(h.named('requestHumanRework')).toHaveLength(0);
    expect(await handle.query(itemStatusQuery)).toMatchObject({ boardStatus: 'Needs Human Approval', reworkRequests: 0 });
  });

  it('bad signals are dropped with an event; the state is unchanged and no workflow task fails', async () => {
    const handle = await h.startItem();
    workflowIds.push(handle.workflowId);
    await handle.signal(boardObservedSignal, IN_REVIEW);
    const before = await handle.query(itemStatusQuery);
    const raw = temporal.client.workflow.getHandle(handle.workflowId);
    for (const args of [[null], [{}], [{ status: 'Bogus', projectItemId: 'P', version: 1 }], [{ x: 1 }], [IN_REVIEW, IN_REVIEW]]) {
      await raw.signal('boardObserved', ...(args as [unknown]));
      await raw.signal('runIntent', ...(args as [unknown]));
      await raw.signal('sprintClosed', ...(args as [unknown]));
    }
    // A well-formed intent that names another issue is refused too (it was routed to the wrong item).
    const misrouted = intent('REVIEWER');
    misrouted.intent.body.issue_number = 43;
    await handle.signal(runIntentSignal, misrouted);
    await eventually(
      () => h.types().filter((t) => t === 'MESSAGE_REJECTED').length,
      (n) => n >= 16,
    );
    expect(await handle.query(itemStatusQuery)).toEqual(before);
    const history = await handle.fetchHistory();
    expect(history.events!.some((event) => event.workflowTaskFailedEventAttributes)).toBe(false);
    expect(h.named('runCodexWorker')).toHaveLength(0);
  });

  it('reviewer intents queued behind a slow review: one Codex review per In Review epoch, the rest superseded', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    h.script = async (input) => {
      await gate;
      return ok(input, { outcome: 'PASS' });
    };
    const handle = await h.startItem();
    workflowIds.push(handle.workflowId);
    await handle.signal(boardObservedSignal, IN_REVIEW);
    for (let i = 0; i < 4; i += 1) await handle.signal(runIntentSignal, intent('REVIEWER'));
    await eventually(
      () => handle.query(itemStatusQuery),
      (s) => s.currentRun !== null && s.queuedIntents.length === 3,
    );
    release();
    const status = await eventually(
      () => handle.query(itemStatusQuery),
      (s) => s.queuedIntents.length === 0 && s.currentRun === null && s.intentsSuperseded === 3,
    );
    expect(status.boardStatus).toBe('Needs Human Approval');
    expect(h.named('runCodexWorker')).toHaveLength(1);
    expect(h.named('handoffToHumanApproval')).toHaveLength(1);
    expect(h.events.filter((e) => e.type === 'INTENT_SUPERSEDED').map((e) => e.reason)).toEqual(
      Array(3).fill('a REVIEWER run for this item ended after this intent was dispatched'),
    );

    // A reviewer intent for an item that already awaits a human never starts Codex either.
    await handle.signal(runIntentSignal, intent('REVIEWER'));
    await eventually(
      () => handle.query(itemStatusQuery),
      (s) => s.intentsSuperseded === 4,
    );
    expect(h.events.at(-1)).toMatchObject({ type: 'INTENT_SUPERSEDED', reason: 'item is Needs Human Approval, not In Review' });
    expect(h.named('runCodexWorker')).toHaveLength(1);
  });

  it("an intent whose orchestrator read is newer than the item's last change adopts that status; an older read does not", async () => {
    h.script = async (input) => ok(input, { outcome: 'FAIL' });
    const handle = await h.startItem();
    workflowIds.push(handle.workflowId);
    // The orchestrator saw In Review (the agent moved the item there) and dispatched a reviewer.
    await handle.signal(runIntentSignal, { ...intent('REVIEWER'), observedStatus: 'In Review', observedAtMs: Date.now() });
    await eventually(
      () => handle.query(itemStatusQuery),
      (s) => s.completedRuns === 1,
    );
    expect(h.named('runCodexWorker')).toHaveLength(1);
    // A board read from before the item's own last change is stale and ignored.
    await handle.signal(boardObservedSignal, { ...NHA, observedAtMs: 1 });
    expect((await handle.query(itemStatusQuery)).boardStatus).toBe('In Review');
  });

  it('an EXECUTOR run that opened a PR and then failed is Blocked from In Review with the In-Review next steps', async () => {
    h.script = async (input) => ok(input, { status: 'failed', summary: 'tests failed after the PR', urls: { pr: 'https://github.com/acme/app/pull/9' } });
    h.runContextStatus = 'Ready'; // the state file still caches what the orchestrator saw at dispatch
    const handle = await h.startItem();
    workflowIds.push(handle.workflowId);
    await handle.signal(runIntentSignal, intent('EXECUTOR'));
    await eventually(
      () => handle.query(itemStatusQuery),
      (s) => s.boardStatus === 'Blocked',
    );
    expect(h.named('blockItem')[0]!.input).toMatchObject({ fromStatus: 'In Review' });
    expect(h.events.find((e) => e.type === 'WORKER_RECOVERY_STATUS_UPDATED')).toMatchObject({ from: 'In Review', to: 'Blocked' });
  });

  it('cancelling the workflow during a run reports cancellation, not a watchdog timeout, and moves nothing', async () => {
    // Runs until cancelled (cancellation reaches an activity through its heartbeats).
    h.script = async () => {
      const ctx = Context.current();
      const beat = setInterval(() => ctx.heartbeat(), 200);
      try {
        return await ctx.cancelled.then(() => {
          throw new Error('unreachable');
        });
      } finally {
        clearInterval(beat);
      }
    };
    const handle = await h.startItem();
    workflowIds.push(handle.workflowId);
    await handle.signal(runIntentSignal, intent('EXECUTOR'));
    await eventually(
      () => handle.query(itemStatusQuery),
      (s) => s.currentRun !== null,
    );
    await handle.cancel();
    await expect(handle.result()).rejects.toThrow();
    expect((await handle.describe()).status.name).toBe('CANCELLED');
    expect(h.types()).toContain('WORKER_CANCELLED');
    expect(h.types()).not.toContain('WORKER_WATCHDOG_TIMEOUT');
    expect(h.named('blockItem')).toHaveLength(0);
  });

  it('the workflow ends when its item is Done, and when its sprint closes (after the run in flight)', async () => {
    const done = await h.startItem();
    workflowIds.push(done.workflowId);
    await done.signal(boardObservedSignal, { version: 1, status: 'Done', projectItemId: 'PVTI_42' });
    await expect(done.result()).resolves.toMatchObject({ issueNumber: 42, boardStatus: 'Done', reason: 'done' });

    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    h.script = async (input) => {
      await gate;
      return ok(input, { outcome: 'FAIL' });
    };
    const closing = await h.startItem();
    workflowIds.push(closing.workflowId);
    await closing.signal(boardObservedSignal, IN_REVIEW);
    await closing.signal(runIntentSignal, intent('REVIEWER'));
    await eventually(
      () => closing.query(itemStatusQuery),
      (s) => s.currentRun !== null,
    );
    await closing.signal(runIntentSignal, intent('REVIEWER'));
    await closing.signal(sprintClosedSignal, { version: 1, reason: 'sprint M1 closed' });
    expect(await closing.query(itemStatusQuery)).toMatchObject({ closing: true });
    await expect(closing.executeUpdate(requestReworkUpdate, { args: [{ reason: 'x' }] })).rejects.toThrow(WorkflowUpdateFailedError);
    release();
    await expect(closing.result()).resolves.toMatchObject({ reason: 'sprint-closed', completedRuns: 1 });
    expect(h.named('runCodexWorker')).toHaveLength(1);
  });
});
