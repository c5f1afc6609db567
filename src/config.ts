/**
 * Runner configuration from the environment. Names and defaults are the Python runner's
 * (../docs/spec/seed-runner-readme.md; ../docs/spec/runner-behaviour.md §1.2), plus the Temporal settings and a few new knobs.
 * Every value is parsed by a zod schema; the first invalid variable wins and its message names
 * the variable and the rule it broke, e.g. `RUNNER_MAX_EXECUTORS must be an integer`.
 */
import { z } from 'zod';
import { checkNoShellOperators, shellWords as parseShellWords, type ShellWord } from './domain/shell-words';
import { ConfigError } from './domain/errors';

type Env = Record<string, string | undefined>;

const TRUE_WORDS = new Set(['1', 'true', 'yes', 'y', 'on']);
// Python's int() accepts an optional sign and digit groups separated by single underscores.
const PY_INT = /^[+-]?\d+(?:_\d+)*$/;

/** Each parser maps the raw string (undefined = absent) to a value or a rule message. */
type Parser<T> = (raw: string | undefined, key: string) => T;

function fail(message: string): never {
  throw new ConfigError(message);
}

const posint =
  (fallback: number): Parser<number> =>
  (raw, key) => {
    const text = (raw ?? '').trim();
    if (!text) return fallback;
    if (!PY_INT.test(text)) fail(`${key} must be an integer`);
    const value = Number(text.replace(/_/g, ''));
    if (!Number.isSafeInteger(value)) fail(`${key} must be an integer`);
    if (value <= 0) fail(`${key} must be a positive integer`);
    return value;
  };

const nonnegint =
  (fallback: number): Parser<number> =>
  (raw, key) => {
    const text = (raw ?? '').trim();
    if (!text) return fallback;
    if (!PY_INT.test(text)) fail(`${key} must be an integer`);
    const value = Number(text.replace(/_/g, ''));
    if (!Number.isSafeInteger(value)) fail(`${key} must be an integer`);
    if (value < 0) fail(`${key} must be a non-negative integer`);
    return value;
  };

// Deviation from the old runner: `inf` and `nan` are rejected (Python's float() accepts them, ⚠ ../docs/spec/runner-behaviour.md §1.2).
const posfloat =
  (fallback: number): Parser<number> =>
  (raw, key) => {
    const text = (raw ?? '').trim();
    if (!text) return fallback;
    const value = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text) ? Number(text) : NaN;
    if (!Number.isFinite(value)) fail(`${key} must be a number`);
    if (value <= 0) fail(`${key} must be a positive number`);
    return value;
  };

/** Absent → default; present → true iff one of 1/true/yes/y/on (so present-but-empty = false). */
const bool =
  (fallback: boolean): Parser<boolean> =>
  (raw) =>
    raw === undefined ? fallback : TRUE_WORDS.has(raw.trim().toLowerCase());

const str =
  (fallback: string): Parser<string> =>
  (raw) =>
    (raw ?? '').trim() || fallback;

const optionalStr: Parser<string | null> = (raw) => (raw ?? '').trim() || null;

const httpUrl =
  (fallback: string): Parser<string> =>
  (raw, key) => {
    const text = ((raw ?? '').trim() || fallback).replace(/\/+$/, '');
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      fail(`${key} must be an http(s) URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(`${key} must be an http(s) URL`);
    return text;
  };

/**
 * Python shlex.split words (domain/shell-words.ts), never run through a shell; a word that is only
 * a shell operator is refused, and a command's first word (the program) must not be empty (`''`).
 */
const shellWords =
  (fallback: string, kind: 'command' | 'arguments'): Parser<string[]> =>
  (raw, key) => {
    const text = (raw ?? '').trim() || fallback;
    let words: ShellWord[];
    try {
      words = parseShellWords(text);
      checkNoShellOperators(words);
    } catch (err) {
      fail(`${key} must be valid shell words (${(err as Error).message})`);
    }
    if (kind === 'command' && words.length === 0) fail(`${key} must not be empty`);
    if (kind === 'command' && words[0]!.text === '') fail(`${key} must start with a program name (its first word is empty)`);
    return words.map((word) => word.text);
  };

const choice =
  <T extends string>(fallback: T, options: readonly T[]): Parser<T> =>
  (raw, key) => {
    const text = (raw ?? '').trim().toLowerCase();
    if (!text) return fallback;
    if (!(options as readonly string[]).includes(text)) fail(`${key} must be one of ${options.join(', ')}`);
    return text as T;
  };

/**
 * The table: env name → parser. Order matters (first failure wins) and follows the old runner's
 * table, then our additions.
 */
const VARIABLES = {
  BACKEND_BASE_URL: httpUrl('http://localhost:4000'),
  BACKEND_TIMEOUT_S: posfloat(120),
  ORCHESTRATOR_SPRINT: optionalStr,
  RUNNER_MAX_EXECUTORS: posint(3),
  RUNNER_MAX_REVIEWERS: posint(2),
  RUNNER_READY_BUFFER: posint(2),
  REVIEW_STALL_POLLS: posint(50),
  // Deviation: fractions are accepted (the old runner took whole minutes only; every value it accepted still works).
  BLOCKED_RETRY_MINUTES: posfloat(15),
  RUNNER_WATCHDOG_TIMEOUT_S: posint(900),
  RUNNER_DRY_RUN: bool(false),
  RUNNER_LEDGER_PATH: str('./.runner-ledger.json'),
  RUNNER_SPRINT_PLAN_PATH: str('./.runner-sprint-plan.json'),
  RUNNER_AUTOPROMOTE: bool(true),
  ORCHESTRATOR_STATE_PATH: str('./.orchestrator-state.json'),
  RUNNER_ORCHESTRATOR_CMD: shellWords('node apps/orchestrator/src/cli.js --loop', 'command'),
  CODEX_BIN: str('codex'),
  CODEX_MCP_ARGS: shellWords('mcp-server', 'arguments'),
  CODEX_TOOLS_CALL_TIMEOUT_S: posfloat(1800),
  // Issue #15: how the worker talks to Codex; auto = app-server when the binary has no mcp-server (≥ 0.154), else MCP.
  CODEX_TRANSPORT: choice('auto', ['auto', 'mcp', 'app-server'] as const),
  // Issue #15: more variable names (or globs such as `*_CREDENTIALS`) the model's shell must not see, besides *_TOKEN, *_PAT, *_KEY, *_SECRET.
  RUNNER_SECRET_ENV_NAMES: (raw: string | undefined) =>
    (raw ?? '')
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean),
  ORCHESTRATOR_SANITIZATION_REGEN_ATTEMPTS: nonnegint(2),
  // New in sprint-runner.
  ORCHESTRATOR_POLL_INTERVAL_MS: posint(15000),
  REVIEW_STALL_MINUTES: (raw: string | undefined, key: string) => (raw?.trim() ? posfloat(1)(raw, key) : null),
  BLOCKED_RETRY_MAX_ATTEMPTS: posint(3),
  RUNNER_TRANSIENT_MAX_ATTEMPTS: posint(5),
  RUNNER_HISTORY_EVENTS_BEFORE_CONTINUE: posint(8000),
  // The Temporal server's payload (blob) size limit; the dev server's default is 2 MiB. Intake refuses a
  // batch with an intent that would exceed it (intent_too_large) before routing any of it.
  RUNNER_MAX_PAYLOAD_BYTES: posint(2 * 1024 * 1024),
  SPRINT_IDLE_POLL_MINUTES: posfloat(5),
  RUNNER_LOG_FORMAT: choice('json', ['json', 'pretty'] as const),
  RUNNER_CHILD_ENV_ALLOWLIST: (raw: string | undefined) =>
    (raw ?? '')
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean),
  TEMPORAL_ADDRESS: str('localhost:7233'),
  TEMPORAL_NAMESPACE: str('default'),
  TEMPORAL_TASK_QUEUE: str('sprint-runner'),
  // Safe upgrades (docs/upgrading.md): Worker Deployment Versioning of `sprint-runner worker`.
  RUNNER_WORKER_VERSIONING: bool(true),
  RUNNER_DEPLOYMENT_NAME: str('sprint-runner'),
  // Absent: the package version plus the git commit when the code is a git checkout (src/worker.ts).
  SPRINT_RUNNER_BUILD_ID: optionalStr,
  // How long a stopping worker lets running activities (Codex runs) finish before cancelling them.
  RUNNER_SHUTDOWN_GRACE_S: posfloat(30),
} satisfies Record<string, Parser<unknown>>;

type Variables = typeof VARIABLES;
export type EnvName = keyof Variables;
export type RawConfig = { [K in EnvName]: ReturnType<Variables[K]> };

/** The resolved configuration, with names a reader of the code understands. */
export const RunnerConfigSchema = z.object({
  backendBaseUrl: z.string(),
  backendTimeoutS: z.number().positive(),
  sprint: z.string().nullable(),
  maxExecutors: z.number().int().positive(),
  maxReviewers: z.number().int().positive(),
  readyBuffer: z.number().int().positive(),
  reviewStallPolls: z.number().int().positive(),
  blockedRetryMinutes: z.number().positive(),
  watchdogTimeoutS: z.number().int().positive(),
  dryRun: z.boolean(),
  ledgerPath: z.string(),
  sprintPlanPath: z.string(),
  autopromote: z.boolean(),
  orchestratorStatePath: z.string(),
  orchestratorCmd: z.array(z.string()).min(1),
  codexBin: z.string(),
  codexMcpArgs: z.array(z.string()),
  codexToolsCallTimeoutS: z.number().positive(),
  codexTransport: z.enum(['auto', 'mcp', 'app-server']),
  secretEnvNames: z.array(z.string()),
  sanitizationRegenAttempts: z.number().int().nonnegative(),
  pollIntervalMs: z.number().int().positive(),
  reviewStallMinutes: z.number().positive().nullable(),
  blockedRetryMaxAttempts: z.number().int().positive(),
  transientMaxAttempts: z.number().int().positive(),
  historyEventsBeforeContinue: z.number().int().positive(),
  maxPayloadBytes: z.number().int().positive(),
  idlePollMinutes: z.number().positive(),
  logFormat: z.enum(['json', 'pretty']),
  childEnvAllowlist: z.array(z.string()),
  temporalAddress: z.string(),
  temporalNamespace: z.string(),
  temporalTaskQueue: z.string(),
  workerVersioning: z.boolean(),
  deploymentName: z.string(),
  buildId: z.string().nullable(),
  shutdownGraceS: z.number().positive(),
});
export type RunnerConfig = z.infer<typeof RunnerConfigSchema>;

/** Parses the environment; throws ConfigError naming the first invalid variable. */
export function loadConfig(env: Env = process.env): RunnerConfig {
  const raw = {} as Record<string, unknown>;
  for (const [key, parse] of Object.entries(VARIABLES) as [EnvName, Parser<unknown>][]) {
    raw[key] = parse(env[key], key);
  }
  const r = raw as RawConfig;
  return RunnerConfigSchema.parse({
    backendBaseUrl: r.BACKEND_BASE_URL,
    backendTimeoutS: r.BACKEND_TIMEOUT_S,
    sprint: r.ORCHESTRATOR_SPRINT,
    maxExecutors: r.RUNNER_MAX_EXECUTORS,
    maxReviewers: r.RUNNER_MAX_REVIEWERS,
    readyBuffer: r.RUNNER_READY_BUFFER,
    reviewStallPolls: r.REVIEW_STALL_POLLS,
    blockedRetryMinutes: r.BLOCKED_RETRY_MINUTES,
    watchdogTimeoutS: r.RUNNER_WATCHDOG_TIMEOUT_S,
    dryRun: r.RUNNER_DRY_RUN,
    ledgerPath: r.RUNNER_LEDGER_PATH,
    sprintPlanPath: r.RUNNER_SPRINT_PLAN_PATH,
    autopromote: r.RUNNER_AUTOPROMOTE,
    orchestratorStatePath: r.ORCHESTRATOR_STATE_PATH,
    orchestratorCmd: r.RUNNER_ORCHESTRATOR_CMD,
    codexBin: r.CODEX_BIN,
    codexMcpArgs: r.CODEX_MCP_ARGS,
    codexToolsCallTimeoutS: r.CODEX_TOOLS_CALL_TIMEOUT_S,
    codexTransport: r.CODEX_TRANSPORT,
    secretEnvNames: r.RUNNER_SECRET_ENV_NAMES,
    sanitizationRegenAttempts: r.ORCHESTRATOR_SANITIZATION_REGEN_ATTEMPTS,
    pollIntervalMs: r.ORCHESTRATOR_POLL_INTERVAL_MS,
    reviewStallMinutes: r.REVIEW_STALL_MINUTES,
    blockedRetryMaxAttempts: r.BLOCKED_RETRY_MAX_ATTEMPTS,
    transientMaxAttempts: r.RUNNER_TRANSIENT_MAX_ATTEMPTS,
    historyEventsBeforeContinue: r.RUNNER_HISTORY_EVENTS_BEFORE_CONTINUE,
    maxPayloadBytes: r.RUNNER_MAX_PAYLOAD_BYTES,
    idlePollMinutes: r.SPRINT_IDLE_POLL_MINUTES,
    logFormat: r.RUNNER_LOG_FORMAT,
    childEnvAllowlist: r.RUNNER_CHILD_ENV_ALLOWLIST,
    temporalAddress: r.TEMPORAL_ADDRESS,
    temporalNamespace: r.TEMPORAL_NAMESPACE,
    temporalTaskQueue: r.TEMPORAL_TASK_QUEUE,
    workerVersioning: r.RUNNER_WORKER_VERSIONING,
    deploymentName: r.RUNNER_DEPLOYMENT_NAME,
    buildId: r.SPRINT_RUNNER_BUILD_ID,
    shutdownGraceS: r.RUNNER_SHUTDOWN_GRACE_S,
  });
}

/** Names that look like credentials; their values never reach logs, histories or memos. */
export const SECRET_NAME = /(_TOKEN|_PAT|_KEY|_SECRET)$/i;

/** Environment variables a child process (orchestrator, Codex) may inherit, besides its own. */
const CHILD_ENV_BASE = [
  'PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'TERM', 'LANG', 'TZ', 'TMPDIR',
  'NODE_OPTIONS', 'NODE_EXTRA_CA_CERTS', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY',
  'http_proxy', 'https_proxy', 'no_proxy', 'RUST_LOG',
];
const CHILD_ENV_PREFIXES = ['LC_', 'TARGET_', 'ORCHESTRATOR_', 'CODEX_', 'GITHUB_', 'OPENAI_', 'AGENT_'];

/**
 * The allowlisted subset of `env` for a child process: a fixed base, the agent-dashboard
 * prefixes (TARGET_*, GITHUB_* for the orchestrator's GitHub reads, CODEX_* and OPENAI_* for Codex)
 * and RUNNER_CHILD_ENV_ALLOWLIST. Everything else (other credentials, our own settings) stays out.
 */
export function childEnv(env: Env, extraNames: readonly string[] = []): Record<string, string> {
  const allowed = new Set([...CHILD_ENV_BASE, ...extraNames]);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (allowed.has(name) || CHILD_ENV_PREFIXES.some((prefix) => name.startsWith(prefix))) out[name] = value;
  }
  return out;
}

/** Replaces the value of every secret-looking variable found anywhere in `text`. */
export function redactSecrets(text: string, env: Env = process.env): string {
  let out = text;
  for (const [name, value] of Object.entries(env)) {
    if (value && value.length >= 4 && SECRET_NAME.test(name)) out = out.split(value).join(`<redacted:${name}>`);
  }
  return out;
}

/** The configuration as the `config` command prints it (no secrets: none of ours are secret). */
export function describeConfig(config: RunnerConfig): Record<string, unknown> {
  return { ...config };
}
