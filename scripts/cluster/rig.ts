/**
 * The native production-topology rig: PostgreSQL (Debian's package, an unprivileged cluster in the
 * rig directory, initdb/pg_ctl, no system service), the Temporal server 1.29.1 built from the Go
 * module proxy (scripts/cluster/build-server.sh) with its schema and SQL visibility set up by
 * temporal-sql-tool, namespace `default` with our search attributes, and the Web UI server pointed
 * at it. `--mtls` gives the frontend mutual TLS (certificates by scripts/cluster/make-certs.sh) and
 * writes a Temporal connection profile for it. The native equivalent of docker-compose.yml.
 *
 * Every process it starts is recorded in <dir>/state.json; `down` stops exactly those. Starting
 * again reuses the database (schema steps are idempotent) and the ports.
 */
import { spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, resolveTemporalCli } from '../../src/temporal/dev-server';
import { DEV_SERVER_SEARCH_ATTRIBUTES } from '../../src/temporal/search-attributes';
import { INFRASTRUCTURE } from './topology';

type Env = Record<string, string | undefined>;
const ROOT = resolve(__dirname, '..', '..');
export const SERVER_VERSION = INFRASTRUCTURE.temporal.version;
export const UI_VERSION = INFRASTRUCTURE.ui.version;
/** The profile `up --mtls` writes into <dir>/temporal.toml. */
export const MTLS_PROFILE = 'rig-mtls';

export interface RigOptions {
  /** Rig directory (state, database, configs, logs). Default: .sprint-runner/cluster. */
  dir?: string;
  /** Frontend gRPC port; default 7233 when free, else any free port. 0: any free port. */
  port?: number;
  mtls?: boolean;
  /** Start the Web UI server (default true). */
  ui?: boolean;
  /** Web UI port; default 8080 when free, else any free port. 0: any free port. */
  uiPort?: number;
  namespace?: string;
  env?: Env;
  log?: (line: string) => void;
}

export interface RigState {
  dir: string;
  namespace: string;
  mtls: boolean;
  ports: { frontend: number; frontendHttp: number; postgres: number; ui: number | null; internal: number[] };
  pids: { server: number | null; ui: number | null };
  /** The OS user PostgreSQL runs as (root may not run it). */
  pgUser: string;
  pgBin: string;
  address: string;
  uiUrl: string | null;
  /** mTLS only: the profile file and name that reach the frontend (TEMPORAL_CONFIG_FILE / TEMPORAL_PROFILE). */
  profileFile: string | null;
  profile: string | null;
  certsDir: string | null;
  /** Milliseconds the last `up` took. */
  startMs: number;
}

export function defaultRigDir(): string {
  return join(ROOT, '.sprint-runner', 'cluster');
}

export function cacheRoot(env: Env = process.env): string {
  return env.SPRINT_RUNNER_CACHE || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'sprint-runner');
}

export function serverBinaries(env: Env = process.env) {
  const dir = join(cacheRoot(env), `temporal-server-${SERVER_VERSION}`);
  return {
    server: join(dir, 'bin', 'server'),
    sql: join(dir, 'bin', 'sql'),
    schema: join(dir, 'schema', 'postgresql', 'v12'),
    ui: join(cacheRoot(env), `temporal-ui-server-${UI_VERSION}`, 'bin', 'ui-server'),
  };
}

const statePath = (dir: string) => join(dir, 'state.json');

export function readRigState(dir = defaultRigDir()): RigState | null {
  try {
    return JSON.parse(readFileSync(statePath(dir), 'utf8')) as RigState;
  } catch {
    return null;
  }
}

function writeState(state: RigState): void {
  writeFileSync(statePath(state.dir), `${JSON.stringify(state, null, 2)}\n`);
}

// --- prerequisites -----------------------------------------------------------------------------

function run(cmd: string, args: string[], options: SpawnSyncOptions & { what: string; allowFail?: boolean }): { status: number | null; out: string } {
  const result = spawnSync(cmd, args, { encoding: 'utf8', timeout: 600_000, ...options });
  const out = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (result.status !== 0 && !options.allowFail) {
    throw new Error(`${options.what} failed (${cmd} ${args.join(' ')}; exit ${result.status ?? result.signal}): ${out.trim().split('\n').slice(-8).join('\n')}`);
  }
  return { status: result.status, out };
}

/** Builds the server, schema tool and UI server into the cache unless they are there (build-server.sh). */
export function ensureServerBuilt(env: Env = process.env, ui = true): void {
  const bins = serverBinaries(env);
  if (existsSync(bins.server) && existsSync(bins.sql) && existsSync(join(bins.schema, 'temporal', 'schema.sql')) && (!ui || existsSync(bins.ui))) return;
  run('bash', [join(__dirname, 'build-server.sh'), '--no-compose', ...(ui ? [] : ['--no-ui'])], {
    what: 'building the Temporal server',
    stdio: 'inherit',
    env: env as NodeJS.ProcessEnv,
  });
}

function findPgBin(): string | null {
  const fromPath = spawnSync('sh', ['-c', 'command -v pg_ctl'], { encoding: 'utf8' }).stdout.trim();
  if (fromPath) {
    const real = spawnSync('readlink', ['-f', fromPath], { encoding: 'utf8' }).stdout.trim() || fromPath;
    if (existsSync(join(real, '..', 'initdb'))) return resolve(real, '..');
  }
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return null;
  const majors = readdirSync(base)
    .filter((v) => /^\d+$/.test(v) && existsSync(join(base, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return majors.length ? join(base, majors[0]!, 'bin') : null;
}

/** PostgreSQL's binaries; installs Debian's `postgresql` package when there are none. */
export function ensurePostgres(log: (line: string) => void): string {
  const found = findPgBin();
  if (found) return found;
  const root = process.getuid?.() === 0;
  const sudo = root ? [] : ['sudo', '-n'];
  if (!root && spawnSync('sudo', ['-n', 'true']).status !== 0) {
    throw new Error('PostgreSQL is not installed and there is no root or password-less sudo to install it: apt-get install -y postgresql (Debian: PostgreSQL 15)');
  }
  log(`installing Debian's postgresql package (apt-get, once)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const [cmd, ...pre] = sudo.length ? sudo : ['env'];
  run(cmd!, [...pre, 'apt-get', 'update', '-qq'], { what: 'apt-get update', env });
  run(cmd!, [...pre, 'apt-get', 'install', '-y', '-qq', 'postgresql'], { what: 'apt-get install postgresql', env });
  const bin = findPgBin();
  if (!bin) throw new Error('postgresql installed but no pg_ctl found under /usr/lib/postgresql/*/bin');
  return bin;
}

/** The user PostgreSQL runs as: root may not run it, so root uses `nobody`. */
function pgUserFor(): string {
  return process.getuid?.() === 0 ? 'nobody' : userInfo().username;
}

function asPgUser(state: Pick<RigState, 'pgUser'>, cmd: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', state.pgUser, '--', cmd, ...args]] : [cmd, args];
}

// --- processes ---------------------------------------------------------------------------------

export function isAlive(pid: number | null | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

async function stopPid(pid: number | null, graceMs = 10_000): Promise<void> {
  if (!isAlive(pid)) return;
  process.kill(pid!, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid)) process.kill(pid!, 'SIGKILL');
  while (isAlive(pid)) await sleep(50);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts a long-lived process detached from us (the rig outlives `npm run cluster -- up`). */
function startDetached(cmd: string, args: string[], logFile: string, cwd: string, env: Env): number {
  const fd = openSync(logFile, 'a');
  const child = spawn(cmd, args, { cwd, detached: true, stdio: ['ignore', fd, fd], env: env as NodeJS.ProcessEnv });
  closeSync(fd);
  child.unref();
  return child.pid!;
}

// --- PostgreSQL ----------------------------------------------------------------------------------

function pgDataDir(dir: string): string {
  return join(dir, 'postgres');
}

function pgRunning(state: RigState): boolean {
  return run(join(state.pgBin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(state.ports.postgres), '-U', 'temporal'], { what: 'pg_isready', allowFail: true }).status === 0;
}

function startPostgres(state: RigState, log: (line: string) => void): void {
  const data = pgDataDir(state.dir);
  if (!existsSync(join(data, 'PG_VERSION'))) {
    mkdirSync(data, { recursive: true, mode: 0o700 });
    if (process.getuid?.() === 0) chownSync(data, uidOf(state.pgUser), -1);
    const [cmd, args] = asPgUser(state, join(state.pgBin, 'initdb'), ['-D', data, '-U', 'temporal', '--auth=trust', '-E', 'UTF8', '--no-locale']);
    run(cmd, args, { what: 'initdb' });
    log(`initialised a PostgreSQL cluster in ${data} (user ${state.pgUser})`);
  }
  if (pgRunning(state)) return;
  const options = `-p ${state.ports.postgres} -k ${data} -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off -c synchronous_commit=off`;
  const [cmd, args] = asPgUser(state, join(state.pgBin, 'pg_ctl'), ['-D', data, '-l', join(data, 'postgres.log'), '-o', options, '-w', '-t', '60', 'start']);
  run(cmd, args, { what: 'pg_ctl start' });
}

function stopPostgres(state: RigState): void {
  const data = pgDataDir(state.dir);
  if (!existsSync(join(data, 'postmaster.pid'))) return;
  const [cmd, args] = asPgUser(state, join(state.pgBin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']);
  run(cmd, args, { what: 'pg_ctl stop', allowFail: true });
}

function uidOf(user: string): number {
  return Number(spawnSync('id', ['-u', user], { encoding: 'utf8' }).stdout.trim());
}

/** Databases and schema by temporal-sql-tool: created once, then `update-schema` (a no-op when current). */
function setupSchema(state: RigState, env: Env): void {
  const bins = serverBinaries(env);
  const base = ['--plugin', INFRASTRUCTURE.temporal.sqlPlugin, '--ep', '127.0.0.1', '-p', String(state.ports.postgres), '-u', 'temporal'];
  for (const [db, folder] of [
    ['temporal', 'temporal'],
    ['temporal_visibility', 'visibility'],
  ] as const) {
    const marker = join(state.dir, `schema-${db}.done`);
    if (!existsSync(marker)) {
      run(bins.sql, [...base, '--db', db, 'create'], { what: `create database ${db}`, allowFail: true });
      run(bins.sql, [...base, '--db', db, 'setup-schema', '-v', '0.0'], { what: `setup-schema ${db}` });
    }
    run(bins.sql, [...base, '--db', db, 'update-schema', '-d', join(bins.schema, folder, 'versioned')], { what: `update-schema ${db}` });
    writeFileSync(marker, `${new Date().toISOString()}\n`);
  }
}

// --- Temporal server -----------------------------------------------------------------------------

function certPaths(dir: string) {
  const certs = join(dir, 'certs');
  return {
    dir: certs,
    ca: join(certs, 'ca.pem'),
    serverCert: join(certs, 'server.pem'),
    serverKey: join(certs, 'server.key'),
    clientCert: join(certs, 'client.pem'),
    clientKey: join(certs, 'client.key'),
  };
}

export function serverConfigYaml(state: RigState): string {
  const [frontendMember, history, historyMember, matching, matchingMember, worker, workerMember] = state.ports.internal;
  const certs = certPaths(state.dir);
  const datastore = (db: string, conns: number) => [
    `      sql:`,
    `        pluginName: "${INFRASTRUCTURE.temporal.sqlPlugin}"`,
    `        databaseName: "${db}"`,
    `        connectAddr: "127.0.0.1:${state.ports.postgres}"`,
    `        connectProtocol: "tcp"`,
    `        user: "temporal"`,
    `        password: ""`,
    `        maxConns: ${conns}`,
    `        maxIdleConns: ${conns}`,
    `        maxConnLifetime: "1h"`,
  ];
  const tls = state.mtls
    ? [
        `  tls:`,
        `    frontend:`,
        `      server:`,
        `        certFile: "${certs.serverCert}"`,
        `        keyFile: "${certs.serverKey}"`,
        `        requireClientAuth: true`,
        `        clientCaFiles: ["${certs.ca}"]`,
        `      client:`,
        `        serverName: "localhost"`,
        `        rootCaFiles: ["${certs.ca}"]`,
        // The server's own system worker (scheduler, batcher, deployments) dials the frontend too.
        `    systemWorker:`,
        `      certFile: "${certs.clientCert}"`,
        `      keyFile: "${certs.clientKey}"`,
        `      client:`,
        `        serverName: "localhost"`,
        `        rootCaFiles: ["${certs.ca}"]`,
      ]
    : [];
  const service = (name: string, grpc: number, member: number, http?: number) => [
    `  ${name}:`,
    `    rpc:`,
    `      grpcPort: ${grpc}`,
    `      membershipPort: ${member}`,
    `      bindOnIP: "127.0.0.1"`,
    ...(http ? [`      httpPort: ${http}`] : []),
  ];
  return [
    '# Written by scripts/cluster/rig.ts (npm run cluster -- up); rewritten on every up.',
    'log:',
    '  stdout: true',
    '  level: warn',
    'persistence:',
    '  defaultStore: postgres-default',
    '  visibilityStore: postgres-visibility',
    '  numHistoryShards: 4',
    '  datastores:',
    '    postgres-default:',
    ...datastore('temporal', 20),
    '    postgres-visibility:',
    ...datastore('temporal_visibility', 10),
    'global:',
    '  membership:',
    '    maxJoinDuration: 30s',
    '    broadcastAddress: "127.0.0.1"',
    ...tls,
    'services:',
    ...service('frontend', state.ports.frontend, frontendMember!, state.ports.frontendHttp),
    ...service('history', history!, historyMember!),
    ...service('matching', matching!, matchingMember!),
    ...service('worker', worker!, workerMember!),
    'clusterMetadata:',
    '  enableGlobalNamespace: false',
    '  failoverVersionIncrement: 10',
    '  masterClusterName: "active"',
    '  currentClusterName: "active"',
    '  clusterInformation:',
    '    active:',
    '      enabled: true',
    '      initialFailoverVersion: 1',
    '      rpcName: "frontend"',
    `      rpcAddress: "127.0.0.1:${state.ports.frontend}"`,
    `      httpAddress: "127.0.0.1:${state.ports.frontendHttp}"`,
    'dcRedirectionPolicy:',
    '  policy: "noop"',
    'dynamicConfigClient:',
    `  filepath: "${join(state.dir, 'dynamicconfig.yaml')}"`,
    '  pollInterval: "10s"',
    '',
  ].join('\n');
}

/** What the dev server sets for us (src/temporal/dev-server.ts) plus quick namespace/search-attribute refresh. */
export const DYNAMIC_CONFIG = `# Written by scripts/cluster/rig.ts.
frontend.enableServerVersionCheck:
  - value: false
frontend.enableUpdateWorkflowExecution:
  - value: true
frontend.enableUpdateWorkflowExecutionAsyncAccepted:
  - value: true
frontend.workerVersioningWorkflowAPIs:
  - value: true
system.enableDeploymentVersions:
  - value: true
limit.maxIDLength:
  - value: 255
system.forceSearchAttributesCacheRefreshOnRead:
  - value: true
system.namespaceCacheRefreshInterval:
  - value: 1s
`;

/** `temporal` CLI connection flags for the rig (plain or mTLS). */
export function cliConnectionArgs(state: RigState): string[] {
  const args = ['--address', state.address];
  if (state.mtls) {
    const certs = certPaths(state.dir);
    args.push('--tls-ca-path', certs.ca, '--tls-cert-path', certs.clientCert, '--tls-key-path', certs.clientKey, '--tls-server-name', 'localhost');
  }
  return args;
}

/** Environment for a process that should reach the rig the way an operator's would (mTLS: through the profile). */
export function rigClientEnv(state: RigState): Record<string, string> {
  return state.mtls ? { TEMPORAL_CONFIG_FILE: state.profileFile!, TEMPORAL_PROFILE: state.profile! } : { TEMPORAL_ADDRESS: state.address, TEMPORAL_NAMESPACE: state.namespace };
}

function temporalCli(env: Env): string {
  try {
    return resolveTemporalCli(env);
  } catch {
    // The rig installs what is missing: the CLI (operator commands) comes from the project's setup.
    run('bash', [join(ROOT, 'scripts', 'setup.sh')], { what: 'building the Temporal CLI', stdio: 'inherit' });
    return resolveTemporalCli(env);
  }
}

function cliEnv(env: Env): NodeJS.ProcessEnv {
  // The operator commands must not pick up a profile or address meant for something else.
  const clean = Object.fromEntries(Object.entries(env).filter(([key]) => !key.startsWith('TEMPORAL_') || key === 'TEMPORAL_CLI_PATH'));
  return { ...clean, TEMPORAL_VERSION_CHECK_DISABLED: '1' } as NodeJS.ProcessEnv;
}

async function waitHealthy(state: RigState, env: Env, timeoutMs = 90_000): Promise<void> {
  const bin = temporalCli(env);
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (!isAlive(state.pids.server)) throw new Error(`the Temporal server exited during start; see ${join(state.dir, 'temporal.log')}: ${tail(join(state.dir, 'temporal.log'))}`);
    const check = run(bin, ['operator', 'cluster', 'health', ...cliConnectionArgs(state)], { what: 'health', allowFail: true, env: cliEnv(env), timeout: 10_000 });
    if (check.status === 0) return;
    last = check.out.trim();
    await sleep(300);
  }
  throw new Error(`the Temporal server at ${state.address} was not healthy within ${timeoutMs / 1000}s (${last}); see ${join(state.dir, 'temporal.log')}`);
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .slice(-lines)
      .map((line) => (line.length > 400 ? `${line.slice(0, 400)}…` : line))
      .join('\n');
  } catch {
    return '(no log)';
  }
}

/** Starts the Temporal server process on the rig's config (used by `up` and by tests that restart it). */
export async function startServer(state: RigState, env: Env = process.env): Promise<RigState> {
  const bins = serverBinaries(env);
  const configDir = join(state.dir, 'temporal-config');
  mkdirSync(configDir, { recursive: true });
  writeFileSync(join(configDir, 'development.yaml'), serverConfigYaml(state));
  writeFileSync(join(state.dir, 'dynamicconfig.yaml'), DYNAMIC_CONFIG);
  const pid = startDetached(
    bins.server,
    ['--root', state.dir, '--config', 'temporal-config', '--env', 'development', '--allow-no-auth', 'start'],
    join(state.dir, 'temporal.log'),
    state.dir,
    {
      ...cliEnv(env),
    },
  );
  const next = { ...state, pids: { ...state.pids, server: pid } };
  writeState(next);
  await waitHealthy(next, env);
  return next;
}

/** Namespace and our search attributes (SQL visibility maps them onto its custom columns). */
async function registerNamespace(state: RigState, env: Env, log: (line: string) => void): Promise<void> {
  const bin = temporalCli(env);
  const conn = cliConnectionArgs(state);
  const cli = (args: string[], allowFail = false) => run(bin, [...args, ...conn], { what: `temporal ${args.slice(0, 3).join(' ')}`, allowFail, env: cliEnv(env), timeout: 30_000 });
  if (cli(['operator', 'namespace', 'describe', '--namespace', state.namespace], true).status !== 0) {
    cli(['operator', 'namespace', 'create', '--namespace', state.namespace, '--retention', '72h']);
    log(`namespace ${state.namespace} created`);
  }
  // A new namespace reaches every service's registry after a refresh (1 s here).
  const listAttributes = () => cli(['operator', 'search-attribute', 'list', '--namespace', state.namespace, '--output', 'json'], true);
  let listed = listAttributes();
  for (const deadline = Date.now() + 30_000; listed.status !== 0 && Date.now() < deadline; listed = listAttributes()) await sleep(300);
  if (listed.status !== 0) throw new Error(`namespace ${state.namespace} not usable within 30s: ${listed.out.trim()}`);
  const existing = listed.out;
  for (const spec of DEV_SERVER_SEARCH_ATTRIBUTES) {
    const [name, type] = spec.split('=') as [string, string];
    if (existing.includes(`"${name}"`)) continue;
    cli(['operator', 'search-attribute', 'create', '--namespace', state.namespace, '--name', name, '--type', type]);
  }
  // Visibility queries accept the attributes once the cache has them: wait for a list call using all four.
  const deadline = Date.now() + 30_000;
  for (;;) {
    const list = cli(['workflow', 'list', '--namespace', state.namespace, '--query', 'Sprint="-" AND BoardStatus="-" AND IssueNumber=0 AND Role="-"', '--limit', '1'], true);
    if (list.status === 0) return;
    if (Date.now() > deadline) throw new Error(`namespace ${state.namespace} not usable within 30s: ${list.out.trim()}`);
    await sleep(300);
  }
}

// --- Web UI ----------------------------------------------------------------------------------------

function uiConfigYaml(state: RigState): string {
  const certs = certPaths(state.dir);
  return [
    '# Written by scripts/cluster/rig.ts.',
    `temporalGrpcAddress: ${state.address}`,
    'host: 127.0.0.1',
    `port: ${state.ports.ui}`,
    'enableUi: true',
    `defaultNamespace: ${state.namespace}`,
    'notifyOnNewVersion: false',
    'cors:',
    '  unsafeAllowAllOrigins: true',
    'tls:',
    `  caFile: ${state.mtls ? certs.ca : ''}`,
    `  certFile: ${state.mtls ? certs.clientCert : ''}`,
    `  keyFile: ${state.mtls ? certs.clientKey : ''}`,
    `  enableHostVerification: ${state.mtls}`,
    `  serverName: ${state.mtls ? 'localhost' : ''}`,
    '',
  ].join('\n');
}

async function startUi(state: RigState, env: Env): Promise<RigState> {
  const bins = serverBinaries(env);
  if (!state.ports.ui || !existsSync(bins.ui)) return state;
  const configDir = join(state.dir, 'ui-config');
  mkdirSync(configDir, { recursive: true });
  writeFileSync(join(configDir, 'development.yaml'), uiConfigYaml(state));
  const pid = startDetached(bins.ui, ['--root', state.dir, '--config', 'ui-config', '--env', 'development', 'start'], join(state.dir, 'ui.log'), state.dir, cliEnv(env));
  const next = { ...state, pids: { ...state.pids, ui: pid }, uiUrl: `http://127.0.0.1:${state.ports.ui}` };
  writeState(next);
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) throw new Error(`the Web UI server exited during start: ${tail(join(state.dir, 'ui.log'))}`);
    const ok = await fetch(`${next.uiUrl}/`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return next;
    await sleep(200);
  }
  throw new Error(`the Web UI server on ${next.uiUrl} did not answer within 30s`);
}

// --- up / down -------------------------------------------------------------------------------------

/** A free port below 32768: the server stores membership ports in a PostgreSQL smallint. */
async function freeLowPort(taken: number[]): Promise<number> {
  for (;;) {
    const candidate = 10_000 + Math.floor(Math.random() * 22_000);
    if (!taken.includes(candidate) && (await portOr(candidate, false)) === candidate) return candidate;
  }
}

async function portOr(preferred: number, fallback = true): Promise<number> {
  return new Promise((resolvePort) => {
    const server = createServer();
    server.once('error', () => (fallback ? void freePort().then(resolvePort) : resolvePort(-1)));
    server.listen(preferred, '127.0.0.1', () => server.close(() => resolvePort(preferred)));
  });
}

function writeProfile(state: RigState): string {
  const certs = certPaths(state.dir);
  const file = join(state.dir, 'temporal.toml');
  writeFileSync(
    file,
    [
      '# Temporal connection profile of the mTLS rig (read by sprint-runner, the temporal CLI and the SDKs):',
      `#   TEMPORAL_CONFIG_FILE=${file} TEMPORAL_PROFILE=${MTLS_PROFILE}`,
      `[profile.${MTLS_PROFILE}]`,
      `address = "${state.address}"`,
      `namespace = "${state.namespace}"`,
      '',
      `[profile.${MTLS_PROFILE}.tls]`,
      `server_ca_cert_path = "${certs.ca}"`,
      `client_cert_path = "${certs.clientCert}"`,
      `client_key_path = "${certs.clientKey}"`,
      'server_name = "localhost"',
      '',
    ].join('\n'),
  );
  return file;
}

/**
 * Starts (or finds running) PostgreSQL, the Temporal server and the Web UI; idempotent. A running
 * server in the other TLS mode is restarted in the requested one (same database).
 */
export async function clusterUp(options: RigOptions = {}): Promise<RigState> {
  const startedAt = Date.now();
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => process.stderr.write(`cluster: ${line}\n`));
  const dir = resolve(options.dir ?? defaultRigDir());
  mkdirSync(dir, { recursive: true });
  // PostgreSQL runs as another user when we are root: it must be able to enter the rig directory.
  chmodSync(dir, 0o755);
  const withUi = options.ui ?? true;
  ensureServerBuilt(env, withUi);
  const pgBin = ensurePostgres(log);
  const previous = readRigState(dir);
  const mtls = options.mtls ?? false;
  let state: RigState = previous ?? {
    dir,
    namespace: options.namespace ?? 'default',
    mtls,
    pgUser: pgUserFor(),
    pgBin,
    ports: {
      frontend: options.port ? options.port : options.port === 0 ? await freePort() : await portOr(7233),
      frontendHttp: await freePort(),
      postgres: await freePort(),
      ui: null,
      internal: [],
    },
    pids: { server: null, ui: null },
    address: '',
    uiUrl: null,
    profileFile: null,
    profile: null,
    certsDir: null,
    startMs: 0,
  };
  while (state.ports.internal.length < 7) state.ports.internal.push(await freeLowPort(state.ports.internal));
  state = { ...state, pgBin, address: `127.0.0.1:${state.ports.frontend}` };
  if (withUi && !state.ports.ui) state.ports.ui = options.uiPort === 0 ? await freePort() : await portOr(options.uiPort ?? 8080);
  if (!withUi) state.ports.ui = null;

  if (state.mtls !== mtls || !withUi) {
    await stopPid(state.pids.ui);
    state.pids.ui = null;
    state.uiUrl = null;
  }
  if (state.mtls !== mtls) {
    await stopPid(state.pids.server);
    state.pids.server = null;
  }
  state.mtls = mtls;
  if (mtls) {
    run('bash', [join(__dirname, 'make-certs.sh'), certPaths(dir).dir], { what: 'make-certs.sh' });
    state.certsDir = certPaths(dir).dir;
    state.profileFile = writeProfile(state);
    state.profile = MTLS_PROFILE;
  } else {
    state.profileFile = null;
    state.profile = null;
  }
  writeState(state);

  startPostgres(state, log);
  setupSchema(state, env);
  if (!isAlive(state.pids.server)) state = await startServer(state, env);
  else await waitHealthy(state, env);
  await registerNamespace(state, env, log);
  if (withUi && !isAlive(state.pids.ui)) state = await startUi(state, env);
  state.startMs = Date.now() - startedAt;
  writeState(state);
  return state;
}

/** Stops everything `up` started (UI, server, PostgreSQL); `purge` also deletes the rig directory. */
export async function clusterDown(options: { dir?: string; purge?: boolean } = {}): Promise<RigState | null> {
  const dir = resolve(options.dir ?? defaultRigDir());
  const state = readRigState(dir);
  if (state) {
    await stopPid(state.pids.ui);
    await stopPid(state.pids.server);
    stopPostgres(state);
    writeState({ ...state, pids: { server: null, ui: null } });
  }
  if (options.purge) rmSync(dir, { recursive: true, force: true });
  return state;
}

/** SIGKILL of the server process and a start on the same config and database (fault tests). */
export async function restartServer(state: RigState, env: Env = process.env, downMs = 1000): Promise<RigState> {
  if (isAlive(state.pids.server)) process.kill(state.pids.server!, 'SIGKILL');
  while (isAlive(state.pids.server)) await sleep(50);
  await sleep(downMs);
  return startServer(state, env);
}
