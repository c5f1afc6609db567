/**
 * Locating and running the Temporal CLI dev server that `npm run setup` builds: used by
 * `sprint-runner dev-server`, the jest global setup and the demo.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { DEV_SERVER_SEARCH_ATTRIBUTES } from './search-attributes';

export const TEMPORAL_CLI_VERSION = '1.5.1';

type Env = Record<string, string | undefined>;

/** Where `scripts/setup.sh` puts the binary (keep the two in step). */
export function cachedCliPath(env: Env = process.env): string {
  const root = env.SPRINT_RUNNER_CACHE || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'sprint-runner');
  return join(root, `temporal-cli-${TEMPORAL_CLI_VERSION}`, 'bin', 'temporal');
}

/** The Temporal CLI to use: TEMPORAL_CLI_PATH, else the cached build. Throws with the fix. */
export function resolveTemporalCli(env: Env = process.env): string {
  const explicit = env.TEMPORAL_CLI_PATH?.trim();
  if (explicit) {
    if (!existsSync(explicit)) throw new Error(`TEMPORAL_CLI_PATH=${explicit} does not exist`);
    return explicit;
  }
  const cached = cachedCliPath(env);
  if (existsSync(cached)) return cached;
  throw new Error(`Temporal CLI not found at ${cached}. Run \`npm run setup\` (builds it with Go ≥ 1.25), ` + 'or set TEMPORAL_CLI_PATH to an existing `temporal` binary.');
}

export function temporalCliVersion(bin: string): string | null {
  const out = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  return out.status === 0 ? out.stdout.trim() : null;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface DevServerOptions {
  port?: number;
  /** Web UI port; omit or null for a headless server. */
  uiPort?: number | null;
  ip?: string;
  /** SQLite file for persistence; omit for in-memory. */
  dbFile?: string;
  /** Namespaces created besides `default` (each gets the search attributes too). */
  namespaces?: string[];
  logLevel?: 'debug' | 'info' | 'warn' | 'error' | 'never';
  /** Forward the server's output (default: ignore). */
  stdio?: 'inherit' | 'ignore';
  env?: Env;
}

export interface DevServer {
  address: string;
  uiUrl: string | null;
  process: ChildProcess;
  stop(): Promise<void>;
}

export function devServerArgs(options: Required<Pick<DevServerOptions, 'port' | 'ip'>> & DevServerOptions): string[] {
  const args = ['server', 'start-dev', '--ip', options.ip, '--port', String(options.port), '--namespace', 'default'];
  args.push(...(options.uiPort ? ['--ui-port', String(options.uiPort)] : ['--headless']));
  if (options.dbFile) args.push('--db-filename', options.dbFile);
  for (const namespace of options.namespaces ?? []) args.push('--namespace', namespace);
  for (const attribute of DEV_SERVER_SEARCH_ATTRIBUTES) args.push('--search-attribute', attribute);
  // No calls home from an offline machine; updates are on (the rework command uses one).
  args.push(
    '--dynamic-config-value',
    'frontend.enableServerVersionCheck=false',
    '--dynamic-config-value',
    'frontend.enableUpdateWorkflowExecution=true',
    '--dynamic-config-value',
    'frontend.enableUpdateWorkflowExecutionAsyncAccepted=true',
    '--dynamic-config-value',
    'limit.maxIDLength=255',
    '--log-level',
    options.logLevel ?? 'warn',
  );
  return args;
}

/** Starts `temporal server start-dev` and resolves once the frontend answers a health check. */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const env = options.env ?? process.env;
  const bin = resolveTemporalCli(env);
  const ip = options.ip ?? '127.0.0.1';
  const port = options.port ?? (await freePort());
  if (options.dbFile) mkdirSync(dirname(options.dbFile), { recursive: true });
  const child = spawn(bin, devServerArgs({ ...options, ip, port }), {
    stdio: ['ignore', options.stdio ?? 'ignore', options.stdio ?? 'ignore'],
    env: { ...env, TEMPORAL_VERSION_CHECK_DISABLED: '1' },
  });
  const address = `${ip}:${port}`;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
  };
  try {
    await waitForHealthy(bin, address, exited, 60_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return { address, uiUrl: options.uiPort ? `http://${ip}:${options.uiPort}` : null, process: child, stop };
}

async function waitForHealthy(bin: string, address: string, exited: Promise<number | null>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let early: number | null | undefined;
  void exited.then((code) => (early = code));
  while (Date.now() < deadline) {
    if (early !== undefined) throw new Error(`temporal server start-dev exited early (code ${early}) on ${address}`);
    const check = spawnSync(bin, ['operator', 'cluster', 'health', '--address', address], { timeout: 5_000 });
    if (check.status === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`Temporal dev server at ${address} not healthy within ${timeoutMs / 1000}s`);
}
