/**
 * Typed failures shared by domain code and activities. `code` is the old runner's error code
 * (../../docs/spec/runner-behaviour.md §3.9, §12.1); classification (domain/classify.ts) maps it to a Classification of
 * contracts/vocabulary.ts.
 */
export class RunnerError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** An orchestrator RUN_INTENT line failed validation (../../docs/spec/runner-behaviour.md §2.4). */
export class IntentError extends RunnerError {}

/** A Codex MCP worker/kickoff failure (../../docs/spec/runner-behaviour.md §3.2–§3.9). */
export class CodexWorkerError extends RunnerError {}

/** A kickoff plan/draft/apply failure (../../docs/spec/runner-behaviour.md §4). */
export class KickoffError extends RunnerError {}

/** A backend HTTP failure (../../docs/spec/runner-behaviour.md §12.1). statusCode 0 = no HTTP response. */
export class HttpError extends RunnerError {
  constructor(
    code: 'backend_unreachable' | 'backend_http_error' | 'backend_invalid_payload',
    message: string,
    readonly statusCode: number,
    readonly payload: unknown,
  ) {
    super(code, message, { status_code: statusCode, payload });
  }
}

/** An invalid configuration value: the message names the variable and the rule it broke. */
export class ConfigError extends RunnerError {
  constructor(message: string) {
    super('config_error', message);
  }
}
