/**
 * An isolated CODEX_HOME whose config.toml points the real codex CLI at the model emulator and
 * configures the `github` / `github_projects` MCP servers (stand-ins from emulators/github-mcp).
 * No auth.json is needed: the custom provider takes its (dummy) key from `env_key`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const MODEL_EMULATOR_PROVIDER_ID = 'emulator';
export const MODEL_EMULATOR_MODEL = 'emulator-model';
export const MODEL_EMULATOR_ENV_KEY = 'SPRINT_RUNNER_MODEL_EMULATOR_KEY';

export interface CodexHome {
  dir: string;
  configPath: string;
  /** Variables the codex process needs (CODEX_HOME and the dummy provider key). */
  env: Record<string, string>;
}

function tomlString(value: string): string {
  return JSON.stringify(value);
}

/** MCP servers the runner requires (`codex mcp list`), served by emulators/github-mcp. */
function githubMcpServersToml(): string[] {
  // The launcher runs the compiled stand-in when `npm run build` made a current one (else tsx).
  const launcher = join(__dirname, '..', 'github-mcp', 'github-mcp-emulator.js');
  return ['github', 'github_projects'].flatMap((name) => [`[mcp_servers.${name}]`, `command = ${tomlString(process.execPath)}`, `args = ${JSON.stringify([launcher, name])}`, '']);
}

/** Further stdio MCP servers for config.toml (e.g. test stand-ins). */
export type ExtraMcpServers = Record<string, { command: string; args: string[]; env?: Record<string, string> }>;

function extraMcpServersToml(servers: ExtraMcpServers): string[] {
  return Object.entries(servers).flatMap(([name, server]) => [
    `[mcp_servers.${name}]`,
    `command = ${tomlString(server.command)}`,
    `args = ${JSON.stringify(server.args)}`,
    ...(server.env
      ? [
          `env = { ${Object.entries(server.env)
            .map(([k, v]) => `${k} = ${tomlString(v)}`)
            .join(', ')} }`,
        ]
      : []),
    '',
  ]);
}

export function codexConfigToml(modelUrl: string, extraMcpServers: ExtraMcpServers = {}): string {
  return [
    `model = ${tomlString(MODEL_EMULATOR_MODEL)}`,
    `model_provider = ${tomlString(MODEL_EMULATOR_PROVIDER_ID)}`,
    'approval_policy = "never"',
    'sandbox_mode = "read-only"',
    '',
    `[model_providers.${MODEL_EMULATOR_PROVIDER_ID}]`,
    'name = "sprint-runner model emulator"',
    `base_url = ${tomlString(modelUrl)}`,
    'wire_api = "responses"',
    `env_key = ${tomlString(MODEL_EMULATOR_ENV_KEY)}`,
    'request_max_retries = 0',
    'stream_max_retries = 0',
    'stream_idle_timeout_ms = 30000',
    '',
    ...githubMcpServersToml(),
    ...extraMcpServersToml(extraMcpServers),
  ].join('\n');
}

/** Writes `<dir>/config.toml` (creating `dir`). Keep `dir` out of /tmp: codex warns about helper binaries there. */
export function writeCodexHome(dir: string, modelUrl: string, extraMcpServers: ExtraMcpServers = {}): CodexHome {
  mkdirSync(dir, { recursive: true });
  const configPath = join(dir, 'config.toml');
  writeFileSync(configPath, codexConfigToml(modelUrl, extraMcpServers));
  return { dir, configPath, env: { CODEX_HOME: dir, [MODEL_EMULATOR_ENV_KEY]: 'sk-emulator-dummy' } };
}
