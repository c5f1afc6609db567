/**
 * A worker set on the real server whose activities are recording stand-ins, for tests of the
 * workflows' state machines and of the CLI commands that talk to them.
 */
import { createHash, randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { loadConfig } from '../../src/config';
import { createWorkers, type WorkerSet } from '../../src/worker';
import { taskQueuesFor } from '../../src/temporal/task-queues';
import type { RunnerEvent } from '../../src/logging';
import { itemWorkflow, itemWorkflowId, type DeliveredIntent, type Role } from '../../src/workflows';
import type { ItemSettings } from '../../src/workflows/item/item-state';
import type { CodexRunInput, WorkerResult } from '../../src/workflows/item/ports';
import { uniqueTaskQueue, type TestTemporal } from './temporal';
import { withRecoverableResult } from '../../src/activities/run-result-recovery';

export type Call = { name: string; input: unknown };
export type Script = (input: CodexRunInput, attempt: number) => Promise<WorkerResult>;

export const ok = (input: CodexRunInput, extra: Partial<WorkerResult> = {}): WorkerResult => ({
  run_id: input.intent.run_id,
  role: input.intent.role,
  status: 'succeeded',
  outcome: null,
  summary: 'done',
  urls: {},
  errors: [],
  marker_verified: null,
  ...extra,
});

export function fail(code: string, classification: string, nonRetryable = true): never {
  throw ApplicationFailure.create({ type: 'CodexWorkerError', message: `failed: ${code}`, nonRetryable, details: [{ code, classification }] });
}

export class ItemHarness {
  calls: Call[] = [];
  events: RunnerEvent[] = [];
  script: Script = async (input) => ok(input);
  runContextStatus = 'In Progress';
  workers!: WorkerSet;
  running!: Promise<void>;
  base = uniqueTaskQueue('item');
  /** A sprint name of its own, so visibility queries see only this harness's items. */
  sprint = `T${randomUUID().slice(0, 8)}`;

  constructor(private readonly temporal: TestTemporal) {}

  /** Codex runs go through the product's result recovery (activities/run-result-recovery.ts). */
  recoverable = false;
  /** Simulates a completion the server never got: the attempt fails retryably after its run finished. */
  loseCompletion: (attempt: number) => boolean = () => false;

  /** Activities that fail for good (e.g. the backend's 403), by name. */
  refuse: Record<string, string> = {};

  record(name: string) {
    return async (input: unknown) => {
      this.calls.push({ name, input });
      if (this.refuse[name]) {
        throw ApplicationFailure.create({
          type: 'HttpError',
          nonRetryable: true,
          message: this.refuse[name]!,
          details: [{ code: 'backend_forbidden', classification: 'ITEM_STOP', status_code: 403 }],
        });
      }
      return { backend_payload: { ok: true }, pr_url: 'https://github.com/acme/app/pull/7', project_item_id: 'PVTI_42', reviewCycleCount: 1, recorded: true };
    };
  }

  async start() {
    const run = async (input: CodexRunInput) => {
      this.calls.push({ name: 'runCodexWorker', input });
      const { attempt } = Context.current().info;
      return { ...(await this.script(input, attempt)), attempt };
    };
    const activities = {
      runCodexWorker: async (input: CodexRunInput) => {
        const result = await (this.recoverable ? withRecoverableResult(() => this.temporal.client, run)(input) : run(input));
        const { attempt } = Context.current().info;
        if (this.loseCompletion(attempt)) throw ApplicationFailure.retryable(`attempt ${attempt}: completion lost`, 'CompletionLost');
        return result;
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
      dryRun: false,
      watchdogTimeoutS: 60,
      toolsCallTimeoutS: 60,
      blockedRetryCooldownMs: 60_000,
      blockedRetryMaxAttempts: 3,
      reviewStallMs: 600_000,
      transientMaxAttempts: 3,
      taskQueues: taskQueuesFor(this.base),
      ...overrides,
    };
  }

  async startItem(overrides: Partial<ItemSettings> = {}) {
    return this.temporal.client.workflow.start(itemWorkflow, {
      taskQueue: this.base,
      workflowId: itemWorkflowId(this.sprint, 42),
      args: [{ sprint: this.sprint, issueNumber: 42, projectItemId: 'PVTI_42', title: '[TASK] Add login', settings: this.settings(overrides) }],
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

export function intent(role: Role, runId = randomUUID()): DeliveredIntent {
  const endpoint = role === 'EXECUTOR' ? '/internal/executor/claim-ready-item' : '/internal/reviewer/resolve-linked-pr';
  const body = role === 'EXECUTOR' ? { role, run_id: runId, sprint: 'T' } : { role, issue_number: 42, run_id: runId };
  return { version: 1, intent: { type: 'RUN_INTENT', role, run_id: runId, endpoint, body }, intentHash: createHash('sha256').update(runId).digest('hex'), routedAtMs: Date.now() };
}

export async function eventually<T>(probe: () => Promise<T> | T, accept: (value: T) => boolean, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not reached; last value: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
