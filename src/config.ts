/**
 * Runner configuration from the environment: one table (`VARIABLES`) of `{env, field, default, rule,
 * parse, doc}` that loadConfig() reads in order and that generates the README's configuration table
 * (`npm run docs:config`; test/unit/config-table.test.ts keeps the two equal). Names and defaults are
 * the Python runner's (../docs/spec/seed-runner-readme.md; ../docs/spec/runner-behaviour.md §1.2), plus the
 * Temporal settings and a few new knobs. The first invalid variable wins and its message names the
 * variable and the rule it broke, e.g. `RUNNER_MAX_EXECUTORS must be an integer`.
 */
import { checkNoShellOperators, shellWords as parseShellWords, type ShellWord } from './domain/shell-words';
import { ConfigError } from './domain/errors';

type Env = Record<string, string | undefined>;

const TRUE_WORDS = new Set(['1', 'true', 'yes', 'y', 'on']);
// Python's int() accepts an optional sign and digit groups separated by single underscores.
const PY_INT = /^[+-]?\d+(?:_\d+)*$/;

/** Maps the raw string (undefined = absent) to a value, or throws ConfigError naming `env`. */
type Parser<T> = (raw: string | undefined, env: string) => T;

/** How one kind of value is parsed, with its default as the README shows it (null: none) and its rule. */
interface Kind<T> {
  parse: Parser<T>;
  default: string | null;
  rule: string;
}

function fail(message: string): never {
  throw new ConfigError(message);
}

/** Python's int() of the text, then at least `min` (1: positive, 0: non-negative). */
const integerAtLeast =
  (min: 0 | 1) =>
  (fallback: number): Kind<number> => {
    const rule = min === 1 ? 'positive integer' : 'non-negative integer';
    return {
      default: String(fallback),
      rule,
      parse: (raw, env) => {
        const text = (raw ?? '').trim();
        if (!text) return fallback;
        const value = PY_INT.test(text) ? Number(text.replace(/_/g, '')) : NaN;
        if (!Number.isSafeInteger(value)) fail(`${env} must be an integer`);
        if (value < min) fail(`${env} must be a ${rule}`);
        return value;
      },
    };
  };
const posint = integerAtLeast(1);
const nonnegint = integerAtLeast(0);

// Deviation from the old runner: `inf` and `nan` are rejected (Python's float() accepts them, ⚠ ../docs/spec/runner-behaviour.md §1.2).
const posfloatOr = <F extends number | null>(fallback: F): Kind<number | F> => ({
  default: fallback === null ? null : String(fallback),
  rule: 'positive number',
  parse: (raw, env) => {
    const text = (raw ?? '').trim();
    if (!text) return fallback;
    const value = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text) ? Number(text) : NaN;
    if (!Number.isFinite(value)) fail(`${env} must be a number`);
    if (value <= 0) fail(`${env} must be a positive number`);
    return value;
  },
});
const posfloat = (fallback: number): Kind<number> => posfloatOr(fallback);

/** Absent → default; present → true iff one of 1/true/yes/y/on (so present-but-empty = false). */
const bool = (fallback: boolean): Kind<boolean> => ({
  default: String(fallback),
  rule: 'bool',
  parse: (raw) => (raw === undefined ? fallback : TRUE_WORDS.has(raw.trim().toLowerCase())),
});

const str = (fallback: string): Kind<string> => ({
  default: fallback,
  rule: 'string',
  parse: (raw) => (raw ?? '').trim() || fallback,
});

const optionalStr: Kind<string | null> = { default: null, rule: 'string', parse: (raw) => (raw ?? '').trim() || null };

const commaNames: Kind<string[]> = {
  default: null,
  rule: 'comma-separated names',
  parse: (raw) =>
    (raw ?? '')
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean),
};

const httpUrl = (fallback: string): Kind<string> => ({
  default: fallback,
  rule: 'http(s) URL, trailing `/` dropped',
  parse: (raw, env) => {
    const text = ((raw ?? '').trim() || fallback).replace(/\/+$/, '');
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      fail(`${env} must be an http(s) URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(`${env} must be an http(s) URL`);
    return text;
  },
});

/**
 * Python shlex.split words (domain/shell-words.ts), never run through a shell; a word that is only
 * a shell operator is refused, and a command's first word (the program) must not be empty (`''`).
 */
const shellWords = (fallback: string, kind: 'command' | 'arguments'): Kind<string[]> => ({
  default: fallback,
  rule: 'shell words (`shlex.split`, exactly)',
  parse: (raw, env) => {
    const text = (raw ?? '').trim() || fallback;
    let words: ShellWord[];
    try {
      words = parseShellWords(text);
      checkNoShellOperators(words);
    } catch (err) {
      fail(`${env} must be valid shell words (${(err as Error).message})`);
    }
    if (kind === 'command' && words.length === 0) fail(`${env} must not be empty`);
    if (kind === 'command' && words[0]!.text === '') fail(`${env} must start with a program name (its first word is empty)`);
    return words.map((word) => word.text);
  },
});

const choice = <T extends string>(fallback: T, options: readonly T[]): Kind<T> => ({
  default: fallback,
  rule: options.map((option) => `\`${option}\``).join(' \\| '),
  parse: (raw, env) => {
    const text = (raw ?? '').trim().toLowerCase();
    if (!text) return fallback;
    if (!(options as readonly string[]).includes(text)) fail(`${env} must be one of ${options.join(', ')}`);
    return text as T;
  },
});

/** One variable loadConfig() reads into `RunnerConfig[field]`. `doc` and overrides are README Markdown. */
interface Variable<F extends string, T> extends Kind<T> {
  env: string;
  field: F;
  doc: string;
  /** The default as prose, where it is computed (e.g. from the package version). */
  defaultDoc?: string;
}

/** A variable another module reads (named in `readBy`); in the table so the README names every variable. */
interface ReadElsewhere extends Omit<Kind<unknown>, 'parse'> {
  env: string;
  readBy: string;
  doc: string;
}

type Overrides = Partial<Pick<Variable<string, unknown>, 'rule' | 'defaultDoc'>>;

function readElsewhere(env: string, readBy: string, kind: Omit<Kind<unknown>, 'parse'>, doc: string): ReadElsewhere {
  return { env, readBy, ...kind, doc };
}

function variable<F extends string, T>(env: string, field: F, kind: Kind<T>, doc: string, overrides: Overrides = {}): Variable<F, T> {
  return { env, field, ...kind, doc, ...overrides };
}

const OPERATOR_RULE = 'an unquoted word that is only a shell operator (`;` `|` `&&` `>` `2>` …) is refused — quote it to pass it literally';

/**
 * The table. Order matters (the first invalid variable wins) and follows the old runner's table,
 * then our additions (*new* in `doc`).
 */
const VARIABLES = [
  variable('BACKEND_BASE_URL', 'backendBaseUrl', httpUrl('http://localhost:4000'), 'backend base URL (activities, worker prompt, orchestrator)'),
  variable('BACKEND_TIMEOUT_S', 'backendTimeoutS', posfloat(120), 'per-request HTTP timeout'),
  variable('ORCHESTRATOR_SPRINT', 'sprint', optionalStr, 'sprint (required by `run` unless `--sprint`)'),
  variable('RUNNER_MAX_EXECUTORS', 'maxExecutors', posint(3), 'EXECUTOR Codex runs at once per worker; orchestrator `ORCHESTRATOR_MAX_EXECUTORS` default'),
  variable('RUNNER_MAX_REVIEWERS', 'maxReviewers', posint(2), 'REVIEWER Codex runs at once per worker'),
  variable('RUNNER_READY_BUFFER', 'readyBuffer', posint(2), 'Ready items kept by autopromotion'),
  variable('REVIEW_STALL_POLLS', 'reviewStallPolls', posint(50), 'review-stall timer = polls × poll interval; orchestrator reviewer retry polls'),
  // Deviation: fractions are accepted (the old runner took whole minutes only; every value it accepted still works).
  variable('BLOCKED_RETRY_MINUTES', 'blockedRetryMinutes', posfloat(15), 'cooldown before a retryable Blocked item goes back to Ready', {
    rule: 'positive number (fractions allowed, unlike the old runner)',
  }),
  variable('RUNNER_WATCHDOG_TIMEOUT_S', 'watchdogTimeoutS', posint(900), 'a Codex run longer than this is cancelled (process group killed) and the item Blocked'),
  variable('RUNNER_DRY_RUN', 'dryRun', bool(false), 'no Codex for workers, no backend writes', { rule: 'bool (`1/true/yes/y/on`; present-but-empty = false)' }),
  variable('RUNNER_LEDGER_PATH', 'ledgerPath', str('./.runner-ledger.json'), 'accepted for compatibility; the ledger is workflow state now'),
  variable('RUNNER_SPRINT_PLAN_PATH', 'sprintPlanPath', str('./.runner-sprint-plan.json'), 'sprint plan written by kickoff (compatibility copy)'),
  variable('RUNNER_AUTOPROMOTE', 'autopromote', bool(true), 'Ready-buffer autopromotion on each summary; unlike the old runner it never disables the recovery timers'),
  variable('ORCHESTRATOR_STATE_PATH', 'orchestratorStatePath', str('./.orchestrator-state.json'), 'orchestrator state file; regen request base path'),
  variable(
    'RUNNER_ORCHESTRATOR_CMD',
    'orchestratorCmd',
    shellWords('node apps/orchestrator/src/cli.js --loop', 'command'),
    'orchestrator command, run without a shell, switched to `--once` per tick',
    {
      rule: `shell words (\`shlex.split\`, exactly); ${OPERATOR_RULE}; the program (first word) must not be \`''\``,
    },
  ),
  variable('CODEX_BIN', 'codexBin', str('codex'), 'Codex executable'),
  variable('CODEX_MCP_ARGS', 'codexMcpArgs', shellWords('mcp-server', 'arguments'), 'arguments after `CODEX_BIN`', {
    rule: 'shell words (`shlex.split`, exactly; same operator rule)',
  }),
  variable('CODEX_TOOLS_CALL_TIMEOUT_S', 'codexToolsCallTimeoutS', posfloat(1800), 'timeout of one `tools/call codex` (app-server: of the first turn)', {
    rule: 'positive number (`inf`/`nan` rejected)',
  }),
  variable(
    'CODEX_TRANSPORT',
    'codexTransport',
    choice('auto', ['auto', 'mcp', 'app-server'] as const),
    '*new*: how a run talks to Codex. `auto`: `codex app-server` when the binary no longer has `mcp-server` (`codex --version` ≥ 0.154.0), else `codex mcp-server` + `CODEX_MCP_ARGS` — a binary that still has the MCP server keeps the interface the old runner was specified against',
  ),
  variable('RUNNER_SECRET_ENV_NAMES', 'secretEnvNames', commaNames, "*new*: more variables the model's shell must not see, besides `*_TOKEN`, `*_PAT`, `*_KEY`, `*_SECRET`", {
    rule: 'comma-separated names or globs',
  }),
  variable('ORCHESTRATOR_SANITIZATION_REGEN_ATTEMPTS', 'sanitizationRegenAttempts', nonnegint(2), 'dependency-graph regeneration attempts (`0` = stop at once on a cycle)'),
  variable('ORCHESTRATOR_POLL_INTERVAL_MS', 'pollIntervalMs', posint(15000), '*new*: orchestrator tick period (durable timer)'),
  variable('REVIEW_STALL_MINUTES', 'reviewStallMinutes', posfloatOr(null), '*new*: explicit review-stall timer instead of polls × interval'),
  variable('BLOCKED_RETRY_MAX_ATTEMPTS', 'blockedRetryMaxAttempts', posint(3), '*new*: cap on automatic Blocked → Ready retries (the old runner retried forever)'),
  variable('RUNNER_TRANSIENT_MAX_ATTEMPTS', 'transientMaxAttempts', posint(5), '*new*: attempts for transient failures (backend unreachable, 5xx, Codex stdio loss)'),
  variable(
    'RUNNER_HISTORY_EVENTS_BEFORE_CONTINUE',
    'historyEventsBeforeContinue',
    posint(8000),
    '*new*: sprint and item workflows continue as new past this many history events (or when the server suggests it)',
  ),
  // The Temporal server's payload (blob) size limit; the dev server's default is 2 MiB.
  variable(
    'RUNNER_MAX_PAYLOAD_BYTES',
    'maxPayloadBytes',
    posint(2 * 1024 * 1024),
    "*new*: the Temporal server's payload size limit (the dev server's 2 MiB blob limit; set it to your server's `limit.blobSize.error`). An intent whose signal-with-start payloads would not fit it, less 4 KiB for the envelope, refuses its whole batch (`intent_too_large`, exit 2)",
  ),
  variable(
    'SPRINT_IDLE_POLL_MINUTES',
    'idlePollMinutes',
    posfloat(5),
    '*new*: in phase `awaiting-humans`, the sprint checks the board this often (an item report wakes it at once)',
  ),
  variable('RUNNER_LOG_FORMAT', 'logFormat', choice('json', ['json', 'pretty'] as const), '*new*: event log format'),
  variable('RUNNER_CHILD_ENV_ALLOWLIST', 'childEnvAllowlist', commaNames, '*new*: extra variables passed to the orchestrator and Codex children'),
  variable('TEMPORAL_ADDRESS', 'temporalAddress', str('localhost:7233'), 'Temporal frontend'),
  variable('TEMPORAL_NAMESPACE', 'temporalNamespace', str('default'), 'namespace'),
  variable('TEMPORAL_TASK_QUEUE', 'temporalTaskQueue', str('sprint-runner'), 'base task queue'),
  readElsewhere('TEMPORAL_CLI_PATH', 'src/temporal/dev-server.ts', { default: null, rule: 'path' }, 'use this `temporal` binary instead of building one'),
  // Connections the way Temporal's own tools read them (@temporalio/envconfig; docs/cluster.md).
  readElsewhere(
    'TEMPORAL_PROFILE',
    'src/temporal/connection.ts',
    { default: 'default', rule: 'profile name' },
    '*new*: the connection profile of the Temporal config file (address, namespace, TLS, API key) used by every command and worker; TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE above apply when no profile sets them',
  ),
  readElsewhere(
    'TEMPORAL_CONFIG_FILE',
    'src/temporal/connection.ts',
    { default: null, rule: 'path' },
    "*new*: the Temporal config file (default: the CLI's `temporal.toml` in the user config dir)",
  ),
  readElsewhere(
    'TEMPORAL_TLS_CLIENT_CERT_PATH',
    'src/temporal/connection.ts',
    { default: null, rule: 'path' },
    '*new*: mTLS client certificate (with `TEMPORAL_TLS_CLIENT_KEY_PATH`, `TEMPORAL_TLS_SERVER_CA_CERT_PATH`, `TEMPORAL_TLS_SERVER_NAME`, `TEMPORAL_TLS`; `TEMPORAL_API_KEY` for Temporal Cloud)',
  ),
  // Telemetry (src/telemetry): metrics and the one JSON log stream of a worker.
  readElsewhere(
    'RUNNER_METRICS_ADDRESS',
    'src/telemetry/settings.ts',
    { default: null, rule: 'host:port' },
    "*new*: the worker's Prometheus endpoint (GET /metrics: the SDK's metrics and `sprint_runner_*`); unset = none",
  ),
  readElsewhere(
    'RUNNER_LOG_LEVEL',
    'src/telemetry/settings.ts',
    { default: 'info', rule: 'trace, debug, info, warn or error' },
    '*new*: lowest level of the Temporal SDK and Core log lines on stderr, each one JSON line',
  ),
  // Optional OpenTelemetry tracing (src/telemetry/tracing.ts): the standard OTEL_* variables.
  readElsewhere(
    'OTEL_EXPORTER_OTLP_ENDPOINT',
    'src/telemetry/tracing.ts',
    { default: null, rule: 'http(s) URL' },
    '*new*: turns tracing on: client calls and activities of every command and worker as OpenTelemetry spans, sent over OTLP/HTTP to `<URL>/v1/traces` (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`: the full traces URL instead); unset = no tracing, nothing loaded',
  ),
  readElsewhere(
    'OTEL_EXPORTER_OTLP_PROTOCOL',
    'src/telemetry/tracing.ts',
    { default: 'http/protobuf', rule: 'http/protobuf or http/json' },
    '*new*: the OTLP body encoding (also `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`); gRPC is not supported. `OTEL_SERVICE_NAME` (default `sprint-runner`), `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_BSP_*` apply as in the OpenTelemetry SDK; `OTEL_SDK_DISABLED=true` turns tracing off',
  ),
  // Safe upgrades (docs/upgrading.md): Worker Deployment Versioning of `sprint-runner worker`.
  variable(
    'RUNNER_WORKER_VERSIONING',
    'workerVersioning',
    bool(true),
    '*new*: `sprint-runner worker` registers as a Worker Deployment Version (in-process workers of `run`, the demo and tests are always unversioned)',
  ),
  variable('RUNNER_DEPLOYMENT_NAME', 'deploymentName', str('sprint-runner'), "*new*: the Worker Deployment's name (one per installation and namespace)"),
  // Absent: the package version plus the git commit when the code is a git checkout (src/worker.ts).
  variable('SPRINT_RUNNER_BUILD_ID', 'buildId', optionalStr, "*new*: the worker's build id; set it in CI", { defaultDoc: 'package version + git short commit' }),
  variable(
    'RUNNER_SHUTDOWN_GRACE_S',
    'shutdownGraceS',
    posfloat(30),
    '*new*: on SIGTERM, how long running activities (Codex runs) may finish before they are cancelled and retried elsewhere',
  ),
  variable(
    'RUNNER_MAX_CACHED_WORKFLOWS',
    'maxCachedWorkflows',
    posint(1000),
    '*new*: workflows a worker keeps in memory (≈ 0.6 MiB each, bench `footprint`); an evicted one replays its history at its next task. Lower it for many idle items; keep it above the item workflows busy at once (a burst larger than the cache evicts the sprint workflow, whose long history then replays at each of its tasks)',
  ),
] as const;

type ParsedVariable = Extract<(typeof VARIABLES)[number], { field: string }>;
export type EnvName = ParsedVariable['env'];

/** The resolved configuration, with names a reader of the code understands (the table's `field`s). */
export type RunnerConfig = { [V in ParsedVariable as V['field']]: ReturnType<V['parse']> };

/** Parses the environment in table order; throws ConfigError naming the first invalid variable. */
export function loadConfig(env: Env = process.env): RunnerConfig {
  const config: Record<string, unknown> = {};
  for (const entry of VARIABLES) if ('field' in entry) config[entry.field] = entry.parse(env[entry.env], entry.env);
  return config as RunnerConfig;
}

/** The README's configuration table (Markdown), one row per table entry in table order. */
export function configurationTableMarkdown(): string {
  const lines = ['| variable | default | rule | controls |', '| --- | --- | --- | --- |'];
  for (const entry of VARIABLES as readonly (ReadElsewhere | Variable<string, unknown>)[]) {
    const defaultCell = ('defaultDoc' in entry ? entry.defaultDoc : undefined) ?? (entry.default === null ? '—' : `\`${entry.default}\``);
    lines.push(`| \`${entry.env}\` | ${defaultCell} | ${entry.rule} | ${entry.doc} |`);
  }
  return `${lines.join('\n')}\n`;
}

/** Names that look like credentials; their values never reach logs, histories or memos. */
export const SECRET_NAME = /(_TOKEN|_PAT|_KEY|_SECRET)$/i;

/** Environment variables a child process (orchestrator, Codex) may inherit, besides its own. */
const CHILD_ENV_BASE = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'TERM',
  'LANG',
  'TZ',
  'TMPDIR',
  'NODE_OPTIONS',
  'NODE_EXTRA_CA_CERTS',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'RUST_LOG',
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
  for (const name of secretNames(env)) {
    const value = env[name];
    if (value && value.length >= 4) out = out.split(value).join(`<redacted:${name}>`);
  }
  return out;
}

/**
 * Every log line passes redactSecrets, and reading all of process.env per line was 1.7 s of the
 * worker's main thread in a 3,000-intent intake (bench/footprint.ts): the secret-looking names are
 * kept until the set of names changes; their values are read at each call.
 */
let secretNamesOf: { env: Env; signature: string; names: string[] } | null = null;
function secretNames(env: Env): string[] {
  const names = Object.keys(env);
  const signature = names.join('\n');
  if (secretNamesOf?.env !== env || secretNamesOf.signature !== signature) {
    secretNamesOf = { env, signature, names: names.filter((name) => SECRET_NAME.test(name)) };
  }
  return secretNamesOf.names;
}

/** The configuration as the `config` command prints it (no secrets: none of ours are secret). */
export function describeConfig(config: RunnerConfig): Record<string, unknown> {
  return { ...config };
}
