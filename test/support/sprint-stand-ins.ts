/**
 * Stand-ins for the sprint workflow's activities, for tests of its own decisions on the real server:
 * a PASSing preflight, no sprint plan, Codex MCP present, board writes that succeed, and item
 * notifications that reach nobody. Each test supplies its own orchestrator tick (and overrides).
 */
import type { RunnerConfig } from '../../src/config';
import { sprintSettingsFrom } from '../../src/activities/sprint';
import type { TickOutcome } from '../../src/workflows/sprint/ports';

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
    runOrchestratorTick,
    ...overrides,
  };
}
