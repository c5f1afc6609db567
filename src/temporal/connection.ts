/**
 * Temporal connection settings, read the way Temporal's own tools read them (the CLI, every SDK):
 * a TOML profile (`TEMPORAL_CONFIG_FILE`, default `~/.config/temporalio/temporal.toml`; profile
 * `TEMPORAL_PROFILE`, default `default`) overridden by the `TEMPORAL_*` variables (TEMPORAL_ADDRESS,
 * TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS, TEMPORAL_TLS_CLIENT_CERT_PATH,
 * TEMPORAL_TLS_CLIENT_KEY_PATH, TEMPORAL_TLS_SERVER_CA_CERT_PATH, TEMPORAL_TLS_SERVER_NAME, …) through
 * `@temporalio/envconfig`. Our config's temporalAddress/temporalNamespace are the fallback when
 * neither sets a value. One resolver serves the CLI client (src/client/connect.ts) and the worker.
 * The commands' `--profile NAME` / `--config-file PATH` set TEMPORAL_PROFILE / TEMPORAL_CONFIG_FILE
 * (src/client/connect.ts), so they mean exactly what the variables mean.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { loadClientConfig, loadClientConfigProfile, toClientOptions } from '@temporalio/envconfig';
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';

type Env = Record<string, string | undefined>;

/** The part of RunnerConfig the fallback needs (kept structural: config.ts is not a dependency here). */
export interface ConnectionFallback {
  temporalAddress: string;
  temporalNamespace: string;
}

export interface TemporalConnectionSettings {
  address: string;
  namespace: string;
  /** Options for NativeConnection.connect / Connection.connect (same shape for address, tls, apiKey, metadata). */
  connectionOptions: NativeConnectionOptions;
  /** How the connection is secured, for messages: `plaintext`, `tls`, `mtls` or `api-key`. */
  security: 'plaintext' | 'tls' | 'mtls' | 'api-key';
  /** The profile read and the file it came from (null: no file, env and fallback only). */
  profile: string;
  configFile: string | null;
}

export class ConnectionSettingsError extends Error {}

/** `TEMPORAL_CONFIG_FILE`, else envconfig's default location (null when there is no such file). */
export function configFilePath(env: Env = process.env): string | null {
  if (env.TEMPORAL_CONFIG_FILE) return env.TEMPORAL_CONFIG_FILE;
  const base = env.XDG_CONFIG_HOME || (process.platform === 'darwin' ? join(homedir(), 'Library', 'Application Support') : join(homedir(), '.config'));
  const path = join(base, 'temporalio', 'temporal.toml');
  return existsSync(path) ? path : null;
}

/** Resolves profile file + TEMPORAL_* env, then falls back to the runner config's address/namespace. */
export function resolveConnectionSettings(fallback: ConnectionFallback, env: Env = process.env): TemporalConnectionSettings {
  const profileName = env.TEMPORAL_PROFILE || 'default';
  const configFile = configFilePath(env);
  if (env.TEMPORAL_CONFIG_FILE && !existsSync(env.TEMPORAL_CONFIG_FILE)) {
    throw new ConnectionSettingsError(`the Temporal config file ${env.TEMPORAL_CONFIG_FILE} (--config-file / TEMPORAL_CONFIG_FILE) does not exist`);
  }
  let profile;
  try {
    profile = loadClientConfigProfile({
      profile: env.TEMPORAL_PROFILE || undefined,
      overrideEnvVars: definedOnly(env),
      ...(configFile ? { configSource: { path: configFile } } : { disableFile: true }),
    });
  } catch (err) {
    const message = (err as Error).message;
    if (configFile && /^Profile '.*' not found/.test(message)) {
      const known = profileNames(configFile);
      throw new ConnectionSettingsError(
        `Temporal profile "${profileName}" is not in ${configFile} (${known.length ? `its profiles: ${known.join(', ')}` : 'it has no profiles'}); ` +
          'name one with --profile or TEMPORAL_PROFILE, or another file with --config-file or TEMPORAL_CONFIG_FILE',
      );
    }
    throw new ConnectionSettingsError(`cannot read Temporal profile "${profileName}"${configFile ? ` from ${configFile}` : ''}: ${message}`);
  }
  const options = toClientOptions(profile);
  const address = options.connectionOptions.address ?? fallback.temporalAddress;
  const namespace = options.namespace ?? fallback.temporalNamespace;
  const tls = options.connectionOptions.tls;
  const security = profile.apiKey ? 'api-key' : tls && typeof tls === 'object' && tls.clientCertPair ? 'mtls' : tls ? 'tls' : 'plaintext';
  if (tls && typeof tls === 'object' && (profile.tls?.clientCert ? 1 : 0) + (profile.tls?.clientKey ? 1 : 0) === 1) {
    throw new ConnectionSettingsError('mTLS needs both a client certificate and its key (TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH)');
  }
  return {
    address,
    namespace,
    security,
    profile: profileName,
    configFile,
    connectionOptions: { ...options.connectionOptions, address },
  };
}

/** The actionable message for a server that did not answer (every command prints this one). */
export function unreachableMessage(settings: TemporalConnectionSettings, err: unknown): string {
  const detail = firstLine(err);
  const via = settings.configFile ? `profile "${settings.profile}" of ${settings.configFile}, ` : '';
  const tlsHint = /tls|certificate|handshake|InvalidContentType|alert/i.test(detail)
    ? settings.security === 'plaintext'
      ? ' The server may expect TLS: set TEMPORAL_TLS=true (and the TEMPORAL_TLS_* certificate paths for mTLS).'
      : ' Check the certificates (TEMPORAL_TLS_SERVER_CA_CERT_PATH, TEMPORAL_TLS_SERVER_NAME, client cert/key).'
    : '';
  return (
    `cannot reach Temporal at ${settings.address} (${via}${settings.security}; ${detail}); ` +
    'start it with `npx sprint-runner dev-server` (one machine) or `npm run cluster -- up` (PostgreSQL rig), ' +
    `or set TEMPORAL_ADDRESS / TEMPORAL_PROFILE (docs/cluster.md).${tlsHint}`
  );
}

export class TemporalUnreachableError extends Error {
  constructor(
    readonly settings: TemporalConnectionSettings,
    cause: unknown,
  ) {
    super(unreachableMessage(settings, cause));
    this.name = 'TemporalUnreachableError';
  }
}

/** A client (gRPC-js) connection, for commands. Fails fast with TemporalUnreachableError. */
export async function connectClient(settings: TemporalConnectionSettings, connectTimeout: string | number = '5s'): Promise<Connection> {
  return Connection.connect({ ...settings.connectionOptions, connectTimeout } as Parameters<typeof Connection.connect>[0]).catch((err: unknown) => {
    throw new TemporalUnreachableError(settings, err);
  });
}

/** A native (Rust core) connection, for workers. Fails with TemporalUnreachableError instead of a raw tonic error. */
export async function connectNative(settings: TemporalConnectionSettings): Promise<NativeConnection> {
  return NativeConnection.connect(settings.connectionOptions).catch((err: unknown) => {
    throw new TemporalUnreachableError(settings, err);
  });
}

/** The profile names of a config file (empty when it cannot be read). */
function profileNames(configFile: string): string[] {
  try {
    return Object.keys(loadClientConfig({ configSource: { path: configFile } }).profiles).sort();
  } catch {
    return [];
  }
}

function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  // tonic wraps the useful part: keep the OS message or the innermost quoted reason.
  const os = /message: "([^"]+)"/.exec(message)?.[1];
  const line = (os ?? message).split('\n')[0]!.trim();
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

function definedOnly(env: Env): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
