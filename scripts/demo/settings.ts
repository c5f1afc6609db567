/**
 * What the demo runs with: the DEMO sprint's board and agent script (examples/demo/), the runner's
 * demo timings, the policy bundle that admits the DEMO sprint, and the command line.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { DEFAULT_POLICY_DIR } from '../../emulators/backend';

export const ROOT = resolve(__dirname, '..', '..');
export const DEMO_SPRINT = 'DEMO';
export const DEMO_DIR = join(ROOT, 'examples', 'demo');
export const DEMO_BOARD_FILE = join(DEMO_DIR, 'board.json');
export const DEMO_AGENT_SCRIPT_FILE = join(DEMO_DIR, 'agent-script.json');
export const DEMO_BOARD = JSON.parse(readFileSync(DEMO_BOARD_FILE, 'utf8')) as { items: Array<{ issue_number: number }>; issues: Record<string, { title: string }> };
export const DEMO_ISSUES: number[] = DEMO_BOARD.items.map((item) => item.issue_number);
export const AGENT_BIN = join(ROOT, 'emulators', 'agent', 'codex-emulator.js');
export const ORCHESTRATOR_CLI = join(ROOT, 'emulators', 'orchestrator', 'cli.ts');

/**
 * The demo's runner settings: short poll, small cooldowns, a Codex deadline that turns the scripted
 * hang of #101 into a retryable `mcp_timeout`. The blocked retry waits one minute, no less than the
 * demo backend's claim lease (whole minutes), or the retried claim would find the item still
 * leased: that minute is most of the demo's run time.
 */
export function demoRunnerEnv(backendUrl: string, stateDir: string): Record<string, string> {
  return {
    BACKEND_BASE_URL: backendUrl,
    BACKEND_TIMEOUT_S: '15',
    ORCHESTRATOR_SPRINT: DEMO_SPRINT,
    ORCHESTRATOR_STATE_PATH: join(stateDir, 'orchestrator-state.json'),
    RUNNER_SPRINT_PLAN_PATH: join(stateDir, 'sprint-plan.json'),
    RUNNER_LEDGER_PATH: join(stateDir, 'runner-ledger.json'),
    RUNNER_ORCHESTRATOR_CMD: `${process.execPath} --require tsx/cjs ${ORCHESTRATOR_CLI} --loop`,
    CODEX_BIN: AGENT_BIN,
    CODEX_MCP_ARGS: 'mcp-server',
    CODEX_TOOLS_CALL_TIMEOUT_S: '12',
    ORCHESTRATOR_POLL_INTERVAL_MS: '1500',
    // While every item awaits a human, a card moved by hand is noticed within this (5 min by default).
    SPRINT_IDLE_POLL_MINUTES: '0.25',
    RUNNER_MAX_EXECUTORS: '3',
    RUNNER_MAX_REVIEWERS: '2',
    // One Ready item at a time: the backend hands a claim run the lowest Ready item it finds, so
    // with a single candidate each claim lands on the item the orchestrator dispatched it for.
    RUNNER_READY_BUFFER: '1',
    BLOCKED_RETRY_MINUTES: '1',
    BLOCKED_RETRY_MAX_ATTEMPTS: '2',
    REVIEW_STALL_MINUTES: '2',
    RUNNER_WATCHDOG_TIMEOUT_S: '120',
    RUNNER_TRANSIENT_MAX_ATTEMPTS: '3',
    RUNNER_DRY_RUN: 'false',
    RUNNER_AUTOPROMOTE: 'true',
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: 'sprint-runner',
  };
}

/**
 * The bundled policy only allows sprints M1..M4 (project-schema.json `Sprint.allowed_options`, read
 * by the orchestrator emulator, which exits 3 for any other sprint). The demo's board lives in its
 * own sprint, so it runs with a copy of the bundle whose Sprint field also allows it.
 */
export function writeDemoPolicy(targetDir: string, sprint = DEMO_SPRINT): string {
  cpSync(DEFAULT_POLICY_DIR, targetDir, { recursive: true });
  const schemaPath = join(targetDir, 'policy', 'project-schema.json');
  const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as { required_fields: Array<{ name: string; allowed_options: string[] }> };
  const field = schema.required_fields.find((f) => f.name === 'Sprint');
  if (!field) throw new Error(`${schemaPath} has no Sprint field`);
  if (!field.allowed_options.includes(sprint)) field.allowed_options.push(sprint);
  writeFileSync(schemaPath, `${JSON.stringify(schema, null, 2)}\n`);
  return targetDir;
}

export interface DemoArgs {
  exitWhenReady: boolean;
  holdFile: string | null;
  verbose: boolean;
  port: number | null;
  uiPort: number | null;
}

export function parseDemoArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): DemoArgs {
  const port = (text: string) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n <= 0 || n > 65535) throw new InvalidArgumentError(`must be a port number, got "${text}"`);
    return n;
  };
  const program = new Command('npm run demo --')
    .description('A whole sprint on this machine: Temporal dev server + Web UI, emulators, a worker, sprint DEMO.')
    .option('--exit-when-ready', 'shut down by itself at the rework point (env DEMO_EXIT_WHEN_READY=1 too)')
    .option('--hold-file <path>', 'with --exit-when-ready: wait until this file is gone')
    .option('--verbose', 'every runner event, not just the progress lines')
    .option('--port <n>', 'Temporal frontend port (default 7233 if free)', port)
    .option('--ui-port <n>', 'Web UI port (default 8233 if free)', port)
    .configureOutput({ writeErr: () => undefined })
    .exitOverride((err) => {
      if (err.exitCode === 0) process.exit(0);
      throw new Error(err.message.replace(/^error: /, ''));
    })
    .parse(argv, { from: 'user' });
  const options = program.opts<{ exitWhenReady?: boolean; holdFile?: string; verbose?: boolean; port?: number; uiPort?: number }>();
  return {
    exitWhenReady: options.exitWhenReady === true || ['1', 'true', 'yes'].includes((env.DEMO_EXIT_WHEN_READY ?? '').toLowerCase()),
    holdFile: options.holdFile ? resolve(options.holdFile) : null,
    verbose: options.verbose === true,
    port: options.port ?? null,
    uiPort: options.uiPort ?? null,
  };
}
