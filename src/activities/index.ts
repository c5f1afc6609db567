/**
 * Every activity the worker registers. Activities are thin adapters to the outside world
 * (backend HTTP, orchestrator process, Codex MCP, state files); they close over the configuration.
 */
import type { RunnerConfig } from '../config';
import * as smoke from './smoke';

export function createActivities(_config: RunnerConfig) {
  return { ...smoke };
}

export type Activities = ReturnType<typeof createActivities>;
