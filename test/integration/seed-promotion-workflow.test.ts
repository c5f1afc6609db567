/**
 * The old runner's test_runner_recovery_and_promotion cases 1–11 (../../docs/spec/runner-behaviour.md §13) in Temporal
 * form: each case is a real `sprintWorkflow` run (mode once) on the real server whose orchestrator
 * tick returns the case's board and whose sprint plan file holds the case's plan. Asserted: the
 * update-field POSTs the workflow made, the regen request it wrote, its events and the exit code a
 * client reads from the failure. (test/unit/autopromotion.test.ts pins the same cases on the domain.)
 */
import { Context } from '@temporalio/activity';
import { WorkflowFailedError } from '@temporalio/client';
import { loadConfig } from '../../src/config';
import { sprintSettingsFrom } from '../../src/activities/sprint';
import { tickStandIns } from '../support/sprint-stand-ins';
import { exitCodeOf } from '../../src/client/commands/run';
import type { RunnerEvent } from '../../src/logging';
import { createWorkers } from '../../src/worker';
import { sprintWorkflow } from '../../src/workflows';
import type { TickOutcome } from '../../src/workflows/sprint/ports';
import type { DispatchSummary } from '../../src/contracts/summary';
import { seedPromotionCases, type SeedPromotionCase } from '../support/seed-promotion';
import { connectTestTemporal, uniqueTaskQueue, type TestTemporal } from '../support/temporal';

interface Expected {
  promoted: string[];
  /** Absent: the run ends normally (`once`). */
  exitCode?: number;
  regenRequest?: boolean;
}

/** What the old runner's cases expect, by case number. */
const EXPECTED: Record<number, Expected> = {
  1: { promoted: ['PVTI_2', 'PVTI_4'] },
  2: { promoted: ['PVTI_2', 'PVTI_4'] },
  3: { promoted: ['PVTI_2', 'PVTI_4'] },
  4: { promoted: ['PVTI_3'] },
  5: { promoted: [] },
  6: { promoted: ['PVTI_2'] },
  7: { promoted: ['PVTI_3'] },
  8: { promoted: [], exitCode: 6, regenRequest: true },
  9: { promoted: [], exitCode: 5 },
  10: { promoted: [], exitCode: 3 },
  11: { promoted: ['PVTI_2'] }, // ISOLATED: depends_on not checked, issue order decides
};

interface CaseRun {
  posts: Array<Record<string, unknown>>;
  regenRequests: Array<Record<string, unknown>>;
  events: RunnerEvent[];
  exitCode: number | null;
}

describe('test_runner_recovery_and_promotion 1–11 through sprintWorkflow (real server, stand-in activities)', () => {
  let temporal: TestTemporal;
  const runs = new Map<number, CaseRun>();

  beforeAll(async () => {
    temporal = await connectTestTemporal();
    const queue = uniqueTaskQueue('seed-promotion');
    const workflowIdOf = (n: number) => `sprint-seed-promotion-${n}-${queue}`;
    const caseByWorkflow = new Map<string, [number, SeedPromotionCase]>(seedPromotionCases.map((c, i) => [workflowIdOf(i + 1), [i + 1, c]]));
    const current = (): [number, SeedPromotionCase] => caseByWorkflow.get(Context.current().info.workflowExecution!.workflowId)!;
    seedPromotionCases.forEach((_, i) => runs.set(i + 1, { posts: [], regenRequests: [], events: [], exitCode: null }));

    const activities = {
      loadSprintSettings: async () => {
        const [, c] = current();
        const config = loadConfig({
          TEMPORAL_TASK_QUEUE: queue,
          RUNNER_READY_BUFFER: String(c.readyTarget),
          ORCHESTRATOR_SANITIZATION_REGEN_ATTEMPTS: String(c.regenAttempts),
        });
        return sprintSettingsFrom(config, false);
      },
      preflight: async () => ({ status: 'PASS' }),
      checkCodexMcp: async () => ({ servers: ['github', 'github_projects'] }),
      loadSprintPlan: async () => ({ path: '/plans/sprint-plan.json', plan: current()[1].sprintPlan }),
      ...tickStandIns(async (): Promise<TickOutcome> => ({
        routed: 0,
        routedItems: [],
        summary: current()[1].board as unknown as DispatchSummary,
        endOfSprint: false,
        exitCode: 0,
      })),
      promoteToReady: async (body: Record<string, unknown>) => {
        runs.get(current()[0])!.posts.push(body);
        return { updated: { Status: 'Ready' } };
      },
      writeRegenRequest: async (content: Record<string, unknown>) => {
        runs.get(current()[0])!.regenRequests.push(content);
        return '/state/orchestrator-state.json.regen-request.json';
      },
      notifyItems: async () => ({ notified: 0 }),
    };
    const workers = await createWorkers({
      config: loadConfig({ TEMPORAL_TASK_QUEUE: queue }),
      connection: temporal.nativeConnection,
      activities,
      onEvent: (event) => {
        const entry = [...caseByWorkflow].find(([id]) => id === event.workflow_id);
        if (entry) runs.get(entry[1][0])!.events.push(event);
      },
      workflowBundle: { codePath: process.env.TEMPORAL_TEST_WORKFLOW_BUNDLE! },
      shutdownGraceTime: '1s',
    });
    const running = workers.run();
    try {
      await Promise.all(
        seedPromotionCases.map(async (_, i) => {
          try {
            await temporal.client.workflow.execute(sprintWorkflow, { taskQueue: queue, workflowId: workflowIdOf(i + 1), args: [{ sprint: 'M1', mode: 'once' }] });
          } catch (err) {
            if (!(err instanceof WorkflowFailedError)) throw err;
            runs.get(i + 1)!.exitCode = exitCodeOf(err);
          }
        }),
      );
    } finally {
      workers.shutdown();
      await running;
    }
  });
  afterAll(async () => temporal?.close());

  const ofType = (n: number, type: string) => runs.get(n)!.events.filter((event) => event.type === type);

  it.each(seedPromotionCases.map((c, i) => [c.name, i + 1] as const))('%s', (_name, n) => {
    const run = runs.get(n)!;
    const expected = EXPECTED[n]!;
    expect(run.posts.map((body) => body.project_item_id)).toEqual(expected.promoted);
    for (const body of run.posts) expect(body).toEqual({ role: 'ORCHESTRATOR', project_item_id: body.project_item_id, field: 'Status', value: 'Ready' });
    expect(ofType(n, 'BOARD_PROMOTION_APPLIED').map((event) => event.project_item_id)).toEqual(expected.promoted);
    expect(run.exitCode).toBe(expected.exitCode ?? null);
    expect(run.regenRequests).toHaveLength(expected.regenRequest ? 1 : 0);
    if (expected.exitCode !== undefined) expect(ofType(n, 'HARD_STOP')).toEqual([expect.objectContaining({ exit_code: expected.exitCode })]);
  });

  it('5: the dependency skip is reported', () => {
    expect(ofType(5, 'BOARD_PROMOTION_SKIPPED_DEPENDENCY')).toEqual([expect.objectContaining({ issue_number: 3, depends_on: 2, depends_on_status: 'Needs Human Approval' })]);
  });
  it('7 and 11: exactly one sanitization_regen_succeeded, naming the edge the patch removed', () => {
    expect(ofType(7, 'sanitization_regen_succeeded')).toEqual([
      expect.objectContaining({ attempts: 1, history: [expect.objectContaining({ tier: 'DETERMINISTIC_PATCH', edges_removed: [{ from: 3, to: 2 }] })] }),
    ]);
    expect(ofType(11, 'sanitization_regen_succeeded')).toEqual([expect.objectContaining({ history: [expect.objectContaining({ edges_removed: [{ from: 4, to: 2 }] })] })]);
  });
  it('8: one handoff event; the regen request asks a planner for attempt 1 with the previous plan', () => {
    expect(ofType(8, 'sanitization_regen_handoff_requested')).toHaveLength(1);
    expect(runs.get(8)!.regenRequests[0]).toMatchObject({ attempt: 1, tier: 'PLANNER_REGEN', context: { previous_sprint_plan: seedPromotionCases[7]!.sprintPlan } });
  });
  it('9: one exhausted event whose history ends in FINAL_SANITIZATION_FAILED', () => {
    const [exhausted] = ofType(9, 'sanitization_regen_exhausted');
    expect(ofType(9, 'sanitization_regen_exhausted')).toHaveLength(1);
    expect((exhausted!.history as Array<{ tier: string }>).map((h) => h.tier).at(-1)).toBe('FINAL_SANITIZATION_FAILED');
  });
  it('10: no sanitization_regen_* event at all', () => {
    expect(runs.get(10)!.events.filter((event) => event.type.startsWith('sanitization_regen_'))).toEqual([]);
  });
});
