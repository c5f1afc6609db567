import { childEnv, loadConfig, redactSecrets, type RunnerConfig } from '../../src/config';
import { splitShellWords } from '../../src/domain/shell-words';

type Case = {
  name: string;
  key: keyof RunnerConfig;
  fallback: unknown;
  valid: [string, unknown];
  invalid?: [string, string];
};

// One row per variable: its default, a valid override and an invalid value with the exact message.
const CASES: Case[] = [
  {
    name: 'BACKEND_BASE_URL',
    key: 'backendBaseUrl',
    fallback: 'http://localhost:4000',
    valid: ['http://10.0.0.5:4000/', 'http://10.0.0.5:4000'],
    invalid: ['ftp://x', 'BACKEND_BASE_URL must be an http(s) URL'],
  },
  { name: 'BACKEND_TIMEOUT_S', key: 'backendTimeoutS', fallback: 120, valid: ['120', 120], invalid: ['soon', 'BACKEND_TIMEOUT_S must be a number'] },
  { name: 'ORCHESTRATOR_SPRINT', key: 'sprint', fallback: null, valid: [' M2 ', 'M2'] },
  { name: 'RUNNER_MAX_EXECUTORS', key: 'maxExecutors', fallback: 3, valid: ['5', 5], invalid: ['abc', 'RUNNER_MAX_EXECUTORS must be an integer'] },
  { name: 'RUNNER_MAX_REVIEWERS', key: 'maxReviewers', fallback: 2, valid: ['+4', 4], invalid: ['0', 'RUNNER_MAX_REVIEWERS must be a positive integer'] },
  { name: 'RUNNER_MAX_CACHED_WORKFLOWS', key: 'maxCachedWorkflows', fallback: 1000, valid: ['150', 150], invalid: ['0', 'RUNNER_MAX_CACHED_WORKFLOWS must be a positive integer'] },
  { name: 'RUNNER_READY_BUFFER', key: 'readyBuffer', fallback: 2, valid: ['3', 3], invalid: ['0', 'RUNNER_READY_BUFFER must be a positive integer'] },
  { name: 'REVIEW_STALL_POLLS', key: 'reviewStallPolls', fallback: 50, valid: ['60', 60], invalid: ['5.0', 'REVIEW_STALL_POLLS must be an integer'] },
  { name: 'BLOCKED_RETRY_MINUTES', key: 'blockedRetryMinutes', fallback: 15, valid: ['0.25', 0.25], invalid: ['-1', 'BLOCKED_RETRY_MINUTES must be a positive number'] },
  { name: 'RUNNER_WATCHDOG_TIMEOUT_S', key: 'watchdogTimeoutS', fallback: 900, valid: ['1_200', 1200], invalid: ['1__2', 'RUNNER_WATCHDOG_TIMEOUT_S must be an integer'] },
  { name: 'RUNNER_DRY_RUN', key: 'dryRun', fallback: false, valid: ['Yes', true] },
  { name: 'RUNNER_LEDGER_PATH', key: 'ledgerPath', fallback: './.runner-ledger.json', valid: ['/var/ledger.json', '/var/ledger.json'] },
  { name: 'RUNNER_SPRINT_PLAN_PATH', key: 'sprintPlanPath', fallback: './.runner-sprint-plan.json', valid: ['plan.json', 'plan.json'] },
  { name: 'RUNNER_AUTOPROMOTE', key: 'autopromote', fallback: true, valid: ['off', false] },
  { name: 'ORCHESTRATOR_STATE_PATH', key: 'orchestratorStatePath', fallback: './.orchestrator-state.json', valid: ['s.json', 's.json'] },
  {
    name: 'RUNNER_ORCHESTRATOR_CMD',
    key: 'orchestratorCmd',
    fallback: ['node', 'apps/orchestrator/src/cli.js', '--loop'],
    valid: ["node 'my dir/cli.js' --once", ['node', 'my dir/cli.js', '--once']],
    invalid: [
      'node cli.js | tee x',
      'RUNNER_ORCHESTRATOR_CMD must be valid shell words (shell operator "|" is not allowed (commands run without a shell; quote it to pass it as an argument))',
    ],
  },
  { name: 'CODEX_BIN', key: 'codexBin', fallback: 'codex', valid: ['/opt/codex', '/opt/codex'] },
  {
    name: 'CODEX_MCP_ARGS',
    key: 'codexMcpArgs',
    fallback: ['mcp-server'],
    valid: ['mcp-server -c "model=o3 mini"', ['mcp-server', '-c', 'model=o3 mini']],
    invalid: ["mcp-server 'x", 'CODEX_MCP_ARGS must be valid shell words (No closing quotation (the single quote is never closed))'],
  },
  { name: 'CODEX_TOOLS_CALL_TIMEOUT_S', key: 'codexToolsCallTimeoutS', fallback: 1800, valid: ['600', 600], invalid: ['inf', 'CODEX_TOOLS_CALL_TIMEOUT_S must be a number'] },
  {
    name: 'CODEX_TRANSPORT',
    key: 'codexTransport',
    fallback: 'auto',
    valid: ['App-Server', 'app-server'],
    invalid: ['stdio', 'CODEX_TRANSPORT must be one of auto, mcp, app-server'],
  },
  { name: 'RUNNER_SECRET_ENV_NAMES', key: 'secretEnvNames', fallback: [], valid: ['AWS_*, DB_PASSWORD', ['AWS_*', 'DB_PASSWORD']] },
  {
    name: 'ORCHESTRATOR_SANITIZATION_REGEN_ATTEMPTS',
    key: 'sanitizationRegenAttempts',
    fallback: 2,
    valid: ['0', 0],
    invalid: ['-2', 'ORCHESTRATOR_SANITIZATION_REGEN_ATTEMPTS must be a non-negative integer'],
  },
  { name: 'ORCHESTRATOR_POLL_INTERVAL_MS', key: 'pollIntervalMs', fallback: 15000, valid: ['250', 250], invalid: ['x', 'ORCHESTRATOR_POLL_INTERVAL_MS must be an integer'] },
  { name: 'REVIEW_STALL_MINUTES', key: 'reviewStallMinutes', fallback: null, valid: ['0.5', 0.5], invalid: ['0', 'REVIEW_STALL_MINUTES must be a positive number'] },
  { name: 'BLOCKED_RETRY_MAX_ATTEMPTS', key: 'blockedRetryMaxAttempts', fallback: 3, valid: ['1', 1], invalid: ['nope', 'BLOCKED_RETRY_MAX_ATTEMPTS must be an integer'] },
  {
    name: 'RUNNER_HISTORY_EVENTS_BEFORE_CONTINUE',
    key: 'historyEventsBeforeContinue',
    fallback: 8000,
    valid: ['200', 200],
    invalid: ['-1', 'RUNNER_HISTORY_EVENTS_BEFORE_CONTINUE must be a positive integer'],
  },
  { name: 'RUNNER_MAX_PAYLOAD_BYTES', key: 'maxPayloadBytes', fallback: 2097152, valid: ['4194304', 4194304], invalid: ['2MiB', 'RUNNER_MAX_PAYLOAD_BYTES must be an integer'] },
  { name: 'RUNNER_TRANSIENT_MAX_ATTEMPTS', key: 'transientMaxAttempts', fallback: 5, valid: ['9', 9], invalid: ['0', 'RUNNER_TRANSIENT_MAX_ATTEMPTS must be a positive integer'] },
  { name: 'RUNNER_LOG_FORMAT', key: 'logFormat', fallback: 'json', valid: ['PRETTY', 'pretty'], invalid: ['xml', 'RUNNER_LOG_FORMAT must be one of json, pretty'] },
  { name: 'RUNNER_CHILD_ENV_ALLOWLIST', key: 'childEnvAllowlist', fallback: [], valid: ['FOO, BAR', ['FOO', 'BAR']] },
  { name: 'TEMPORAL_ADDRESS', key: 'temporalAddress', fallback: 'localhost:7233', valid: ['temporal:7233', 'temporal:7233'] },
  { name: 'TEMPORAL_NAMESPACE', key: 'temporalNamespace', fallback: 'default', valid: ['prod', 'prod'] },
  { name: 'TEMPORAL_TASK_QUEUE', key: 'temporalTaskQueue', fallback: 'sprint-runner', valid: ['q1', 'q1'] },
];

describe("configuration: every variable has the old runner's name, default and parse rule", () => {
  describe.each(CASES)('$name', ({ name, key, fallback, valid, invalid }) => {
    it('defaults when absent or blank', () => {
      expect(loadConfig({})[key]).toEqual(fallback);
      if (!['RUNNER_DRY_RUN', 'RUNNER_AUTOPROMOTE'].includes(name)) expect(loadConfig({ [name]: '  ' })[key]).toEqual(fallback);
    });
    it('accepts a valid override', () => {
      expect(loadConfig({ [name]: valid[0] })[key]).toEqual(valid[1]);
    });
    if (invalid) {
      it('rejects an invalid value naming the variable and the rule', () => {
        expect(() => loadConfig({ [name]: invalid[0] })).toThrow(invalid[1]);
      });
    }
  });

  it('booleans: present but empty is false, like the old runner', () => {
    expect(loadConfig({ RUNNER_AUTOPROMOTE: '' }).autopromote).toBe(false);
    expect(loadConfig({ RUNNER_DRY_RUN: '' }).dryRun).toBe(false);
    expect(loadConfig({ RUNNER_DRY_RUN: 'on' }).dryRun).toBe(true);
  });

  it('the first invalid variable in table order wins', () => {
    expect(() => loadConfig({ RUNNER_MAX_REVIEWERS: 'x', RUNNER_MAX_EXECUTORS: 'y' })).toThrow('RUNNER_MAX_EXECUTORS must be an integer');
  });

  // ../../docs/spec/runner-behaviour.md §13 test_config.py, in Temporal form (the config feeds the workflows).
  it("the old runner's test_config 1–6", () => {
    expect(loadConfig({ ORCHESTRATOR_SPRINT: 'M1' }).backendBaseUrl).toBe('http://localhost:4000');
    expect(loadConfig({ BACKEND_TIMEOUT_S: '120' }).backendTimeoutS).toBe(120);
    expect(loadConfig({ CODEX_TOOLS_CALL_TIMEOUT_S: '600' }).codexToolsCallTimeoutS).toBe(600);
    expect(loadConfig({ ORCHESTRATOR_SPRINT: 'M1' })).toMatchObject({
      autopromote: true,
      maxExecutors: 3,
      maxReviewers: 2,
      readyBuffer: 2,
      reviewStallPolls: 50,
      blockedRetryMinutes: 15,
      watchdogTimeoutS: 900,
      sanitizationRegenAttempts: 2,
    });
    expect(loadConfig({ RUNNER_READY_BUFFER: '3', REVIEW_STALL_POLLS: '60', BLOCKED_RETRY_MINUTES: '20', RUNNER_WATCHDOG_TIMEOUT_S: '1200' })).toMatchObject({
      readyBuffer: 3,
      reviewStallPolls: 60,
      blockedRetryMinutes: 20,
      watchdogTimeoutS: 1200,
    });
    expect(loadConfig({ ORCHESTRATOR_SANITIZATION_REGEN_ATTEMPTS: '0' }).sanitizationRegenAttempts).toBe(0);
  });
});

describe('child process environment and secrets', () => {
  it('passes only allowlisted variables to children', () => {
    const env = childEnv({ PATH: '/bin', GITHUB_PAT: 'ghp_x', TARGET_REPO_NAME: 'app', AWS_SECRET_ACCESS_KEY: 'k', RUNNER_LEDGER_PATH: 'x', EXTRA: '1' }, ['EXTRA']);
    expect(env).toEqual({ PATH: '/bin', GITHUB_PAT: 'ghp_x', TARGET_REPO_NAME: 'app', EXTRA: '1' });
  });

  it('redacts the values of *_TOKEN, *_PAT and *_KEY variables', () => {
    const env = { GITHUB_PAT: 'ghp_secret123', OPENAI_API_KEY: 'sk-abcdef', SOME_TOKEN: 'tok-999', PLAIN: 'visible' };
    expect(redactSecrets('a ghp_secret123 b sk-abcdef c tok-999 d visible', env)).toBe('a <redacted:GITHUB_PAT> b <redacted:OPENAI_API_KEY> c <redacted:SOME_TOKEN> d visible');
  });

  it('redacts a secret variable set or changed after earlier lines were written', () => {
    const env: Record<string, string> = { PLAIN: 'visible' };
    expect(redactSecrets('late-secret-1 visible', env)).toBe('late-secret-1 visible');
    env.LATE_TOKEN = 'late-secret-1';
    expect(redactSecrets('late-secret-1 visible', env)).toBe('<redacted:LATE_TOKEN> visible');
    env.LATE_TOKEN = 'late-secret-2';
    expect(redactSecrets('late-secret-1 late-secret-2', env)).toBe('late-secret-1 <redacted:LATE_TOKEN>');
  });

  it('splits shell words like shlex.split without expanding variables', () => {
    expect(splitShellWords(`node "a b" 'c d' e\\ f $HOME`)).toEqual(['node', 'a b', 'c d', 'e f', '$HOME']);
  });
});
