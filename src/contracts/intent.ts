/**
 * A RUN_INTENT after validation (../../docs/spec/runner-behaviour.md §2.4): role normalised to upper case, endpoint
 * trimmed. The orchestrator's stdout line is parsed by domain/intents.ts (parseIntentLine), which
 * runs the old runner's eleven checks in their order with their error codes; there is no schema
 * here because a schema could not keep that order and those codes.
 */
import type { Role } from './vocabulary';

export interface RunIntent {
  type: 'RUN_INTENT';
  role: Role;
  run_id: string;
  endpoint: string;
  body: Record<string, unknown>;
}

/** A validated intent with `raw`, the orchestrator's object exactly as printed (hashed and shown to Codex verbatim). */
export interface ParsedRunIntent extends RunIntent {
  raw: Record<string, unknown>;
}
