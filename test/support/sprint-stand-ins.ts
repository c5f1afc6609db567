/**
 * Stand-ins for the sprint workflow's activities, for tests of its own decisions on the real server:
 * a PASSing preflight, no sprint plan, Codex MCP present, board writes that succeed, and item
 * notifications that reach nobody. Each test supplies its own orchestrator tick (and overrides).
 */
import { Context } from '@temporalio/activity';
import type { RunnerConfig } from '../../src/config';
import { sprintSettingsFrom } from '../../src/activities/sprint';
import type { OrchestratorRunInput, OrchestratorRunResult, RouteIntentsInput, TickOutcome } from '../../src/workflows/sprint/ports';

export function sprintStandIns(config: RunnerConfig, runOrchestratorTick: () => Promise<TickOutcome>, overrides: Record<string, (...args: never[]) => Promise<unknown>> = {}) {
  return {
    loadSprintSettings: async () => sprintSettingsFrom(config, false),
    preflight: async () => ({ status: 'PASS' }),
    checkCodexMcp: async () => ({ servers: [] }),
    loadSprintPlan: async () => ({ path: 'x', plan: null }),
    promoteToReady: async () => ({}),
    writeRegenRequest: async () => 'x',
    notifyItems: async ({ changes }: { changes: unknown[] }) => ({ notified: changes.length }),
    endItemWorkflows: async ({ workflowIds }: { workflowIds: string[] }) => ({ ended: workflowIds.length }),
    ...tickStandIns(runOrchestratorTick),
    ...overrides,
  };
}

/**
 * A test's tick outcome as the sprint workflow's two tick activities see it: `runOrchestrator`
 * returns a batch with as many intents per item as `routedItems` says (and an unchanged state), and
 * `routeIntents` reports the outcome's `routed`. (Also `runOrchestratorTick`, for replays of runs
 * from before the state moved into the workflow.)
 */
export function tickStandIns(tick: () => Promise<TickOutcome>) {
  const routedByTick = new Map<string, number>();
  const key = (tickNumber: number) => `${Context.current().info.workflowExecution?.workflowId}#${tickNumber}`;
  return {
    runOrchestratorTick: tick,
    runOrchestrator: async (input: OrchestratorRunInput): Promise<OrchestratorRunResult> => {
      const outcome = await tick();
      routedByTick.set(key(input.tick), outcome.routed);
      const intents = outcome.routedItems.flatMap(({ issueNumber, projectItemId, intents: count }) =>
        Array.from({ length: count }, (_, k) => ({
          raw: {
            type: 'RUN_INTENT',
            role: 'REVIEWER',
            run_id: `stand-in-${input.tick}-${issueNumber}-${k}`,
            endpoint: '/internal/reviewer/resolve-linked-pr',
            body: { issue_number: issueNumber },
          },
          issueNumber,
          projectItemId,
        })),
      );
      return {
        inline: {
          ...(input.seed ? { seededState: { poll_count: 0, items: {} } } : { delta: [] }),
          intents,
          summary: outcome.summary,
          endOfSprint: outcome.endOfSprint,
          observedAtMs: outcome.observedAtMs ?? Date.now(),
          observedStatus: {},
          stateBytes: 0,
        },
      };
    },
    // The outcome's `routed` once per tick (the workflow adds up its chunks).
    routeIntents: async (input: RouteIntentsInput) => {
      const routed = routedByTick.get(key(input.tick)) ?? 0;
      routedByTick.delete(key(input.tick));
      return { routed };
    },
  };
}
