/**
 * src/temporal/connection.ts: profiles and TEMPORAL_* variables resolve like Temporal's own tools,
 * our config is the fallback, and an unreachable server gives the actionable message (also from
 * the real CLI commands, which printed a raw tonic::transport::Error before).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectClient, connectNative, resolveConnectionSettings, ConnectionSettingsError, TemporalUnreachableError } from '../../src/temporal/connection';
import { freePort } from '../../src/temporal/dev-server';

const fallback = { temporalAddress: 'fallback.example:7233', temporalNamespace: 'fallback-ns' };
const dir = mkdtempSync(join(tmpdir(), 'sr-connection-'));
const noFile = { XDG_CONFIG_HOME: dir };

function profileFile(text: string): string {
  const file = join(dir, `profile-${Math.random().toString(36).slice(2)}.toml`);
  writeFileSync(file, text);
  return file;
}

describe('connection settings: profile file, then TEMPORAL_* env, then our config', () => {
  it('without profile or env: the config fallback, plaintext', () => {
    const settings = resolveConnectionSettings(fallback, noFile);
    expect({ address: settings.address, namespace: settings.namespace, security: settings.security, configFile: settings.configFile }).toEqual({
      address: 'fallback.example:7233',
      namespace: 'fallback-ns',
      security: 'plaintext',
      configFile: null,
    });
    expect(settings.connectionOptions.tls).toBeUndefined();
  });

  it('a TOML profile (TEMPORAL_CONFIG_FILE + TEMPORAL_PROFILE) with mTLS; env overrides the file', () => {
    const cert = join(dir, 'c.pem');
    const key = join(dir, 'c.key');
    const ca = join(dir, 'ca.pem');
    for (const [file, body] of [
      [cert, 'CERT'],
      [key, 'KEY'],
      [ca, 'CA'],
    ])
      writeFileSync(file!, body!);
    const file = profileFile(
      `[profile.prod]\naddress = "prod.example:7233"\nnamespace = "prod"\n[profile.prod.tls]\nclient_cert_path = "${cert}"\nclient_key_path = "${key}"\nserver_ca_cert_path = "${ca}"\nserver_name = "frontend.prod"\n`,
    );
    const settings = resolveConnectionSettings(fallback, { ...noFile, TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'prod' });
    expect({ address: settings.address, namespace: settings.namespace, security: settings.security, profile: settings.profile }).toEqual({
      address: 'prod.example:7233',
      namespace: 'prod',
      security: 'mtls',
      profile: 'prod',
    });
    const tls = settings.connectionOptions.tls as { serverNameOverride?: string; serverRootCACertificate?: Uint8Array; clientCertPair?: { crt: Uint8Array; key: Uint8Array } };
    const text = (bytes: Uint8Array | undefined) => (bytes ? Buffer.from(bytes).toString() : undefined);
    expect(tls.serverNameOverride).toBe('frontend.prod');
    expect(text(tls.serverRootCACertificate)).toBe('CA');
    expect(text(tls.clientCertPair?.crt)).toBe('CERT');
    expect(text(tls.clientCertPair?.key)).toBe('KEY');
    const overridden = resolveConnectionSettings(fallback, {
      ...noFile,
      TEMPORAL_CONFIG_FILE: file,
      TEMPORAL_PROFILE: 'prod',
      TEMPORAL_ADDRESS: 'other:7233',
      TEMPORAL_NAMESPACE: 'other',
    });
    expect({ address: overridden.address, namespace: overridden.namespace, security: overridden.security }).toEqual({
      address: 'other:7233',
      namespace: 'other',
      security: 'mtls',
    });
  });

  it('TEMPORAL_* env alone: address, namespace, API key (TLS on), TLS flag and cert paths', () => {
    const apiKey = resolveConnectionSettings(fallback, { ...noFile, TEMPORAL_ADDRESS: 'cloud.example:7233', TEMPORAL_NAMESPACE: 'ns.acct', TEMPORAL_API_KEY: 'k-123' });
    expect({ address: apiKey.address, namespace: apiKey.namespace, security: apiKey.security, apiKey: apiKey.connectionOptions.apiKey, tls: apiKey.connectionOptions.tls }).toEqual(
      { address: 'cloud.example:7233', namespace: 'ns.acct', security: 'api-key', apiKey: 'k-123', tls: true },
    );
    const tls = resolveConnectionSettings(fallback, { ...noFile, TEMPORAL_TLS: 'true', TEMPORAL_TLS_SERVER_NAME: 'srv' });
    expect(tls.security).toBe('tls');
    expect((tls.connectionOptions.tls as { serverNameOverride?: string }).serverNameOverride).toBe('srv');
  });

  it('a half mTLS pair, a missing profile file or an unknown profile is refused with the reason', () => {
    const cert = join(dir, 'only.pem');
    writeFileSync(cert, 'CERT');
    expect(() => resolveConnectionSettings(fallback, { ...noFile, TEMPORAL_TLS_CLIENT_CERT_PATH: cert })).toThrow(ConnectionSettingsError);
    expect(() => resolveConnectionSettings(fallback, { ...noFile, TEMPORAL_CONFIG_FILE: join(dir, 'missing.toml') })).toThrow(/does not exist/);
    const file = profileFile('[profile.a]\naddress = "a:1"\n[profile.c]\naddress = "c:1"\n');
    expect(() => resolveConnectionSettings(fallback, { ...noFile, TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'b' })).toThrow(
      `Temporal profile "b" is not in ${file} (its profiles: a, c); name one with --profile or TEMPORAL_PROFILE, or another file with --config-file or TEMPORAL_CONFIG_FILE`,
    );
  });
});

describe('--profile / --config-file on the commands that connect (real CLI, real dev server)', () => {
  const bin = join(__dirname, '..', '..', 'bin', 'sprint-runner.js');
  const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [bin, ...args], { env: { ...withoutTemporalEnv(), ...noFile, ...env }, timeout: 60_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout: String(stdout), stderr: String(stderr) }),
      );
    });
  // The profile is the only thing that names the test server and its namespace (no TEMPORAL_* in the env).
  const file = () => profileFile(`[profile.test]\naddress = "${process.env.TEMPORAL_TEST_ADDRESS}"\nnamespace = "sr-spare"\n[profile.other]\naddress = "127.0.0.1:1"\n`);

  it('status --profile NAME --config-file PATH connects through that profile (address and namespace)', async () => {
    const run = await cli(['status', '--sprint', 'PROFILED1', '--json', '--profile', 'test', '--config-file', file()]);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(run.stdout)).toMatchObject({ sprint: 'PROFILED1', phase: 'no sprint workflow', items: [] });
    // The flag wins over the variable, like any flag: TEMPORAL_PROFILE names the dead profile here.
    const flagWins = await cli(['status', '--sprint', 'PROFILED1', '--json', '--profile', 'test'], { TEMPORAL_CONFIG_FILE: file(), TEMPORAL_PROFILE: 'other' });
    expect(flagWins.code).toBe(0);
  }, 90_000);

  it.each([
    [['status', '--sprint', 'M1']],
    [['worker']],
    [['rework', '--sprint', 'M1', '--issue', '1', '--reason', 'x']],
    [['close', '--sprint', 'M1']],
    [['pause', '--sprint', 'M1']],
  ])(
    '`sprint-runner %j --profile missing` names the profile and the ones the file has',
    async (args) => {
      const path = file();
      const run = await cli([...args, '--profile', 'missing', '--config-file', path]);
      expect(run.code).not.toBe(0);
      expect(run.stderr).toContain(`Temporal profile "missing" is not in ${path} (its profiles: other, test)`);
    },
    90_000,
  );

  it('run: a missing profile is a CONFIG_ERROR (exit 2) before anything starts; an empty flag is a usage error', async () => {
    const path = file();
    const run = await cli(['run', '--once', '--sprint', 'M1', '--profile', 'missing', '--config-file', path]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('"type":"CONFIG_ERROR"');
    expect(run.stderr).toContain('Temporal profile \\"missing\\" is not in');
    const empty = await cli(['status', '--sprint', 'M1', '--profile', '']);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('--profile needs a value');
    const noFileThere = await cli(['doctor', '--config-file', join(dir, 'nope.toml')]);
    expect(noFileThere.stdout + noFileThere.stderr).toContain(`the Temporal config file ${join(dir, 'nope.toml')} (--config-file / TEMPORAL_CONFIG_FILE) does not exist`);
  }, 90_000);
});

function withoutTemporalEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('TEMPORAL_') || key === 'TEMPORAL_CLI_PATH'));
}

describe('an unreachable server: one actionable message for client and worker connections', () => {
  it('client and native connections fail with the address, the fix and no raw tonic error', async () => {
    const port = await freePort();
    const settings = resolveConnectionSettings(fallback, { ...noFile, TEMPORAL_ADDRESS: `127.0.0.1:${port}` });
    for (const attempt of [() => connectClient(settings, '2s'), () => connectNative(settings)]) {
      const error = await attempt().then(
        () => null,
        (err: Error) => err,
      );
      expect(error).toBeInstanceOf(TemporalUnreachableError);
      expect(error!.message).toContain(`cannot reach Temporal at 127.0.0.1:${port}`);
      expect(error!.message).toContain('TEMPORAL_ADDRESS / TEMPORAL_PROFILE');
      expect(error!.message).not.toContain('tonic::transport');
    }
  });

  it.each([['worker'], ['status', '--sprint', 'M1']])(
    '`sprint-runner %s` prints it and exits non-zero',
    async (...args) => {
      const port = await freePort();
      const run = await new Promise<{ code: number; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          [join(__dirname, '..', '..', 'bin', 'sprint-runner.js'), ...args],
          {
            env: { ...withoutTemporalEnv(), ...noFile, TEMPORAL_ADDRESS: `127.0.0.1:${port}` },
            timeout: 60_000,
          },
          (error, _stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stderr: String(stderr) }),
        );
      });
      expect(run.code).not.toBe(0);
      expect(run.stderr).toContain(`cannot reach Temporal at 127.0.0.1:${port}`);
      expect(run.stderr).not.toContain('tonic::transport');
    },
    90_000,
  );
});
