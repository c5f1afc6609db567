/**
 * What every Codex run is started with besides the prompt (issue #15):
 * - which transport talks to it: `CODEX_TRANSPORT=auto` picks `app-server` when the binary no longer
 *   has `mcp-server` (≥ 0.154.0) and MCP otherwise — the MCP path is the one the old runner used and
 *   the one its behaviour was specified against, so a binary that still has it keeps it;
 * - the per-run `-c` overrides that keep secrets out of the model's shell: Codex's
 *   `shell_environment_policy` excludes every `*_TOKEN`, `*_PAT`, `*_KEY`, `*_SECRET` variable (plus
 *   RUNNER_SECRET_ENV_NAMES) from the environment of the commands the model runs, and shell snapshots
 *   (`CODEX_HOME/shell_snapshots/*.sh`, which would hold `declare -x NAME="value"` lines) are off.
 *   Codex itself and the MCP servers it starts keep their own environment (an MCP server gets what its
 *   `[mcp_servers.<name>]` config passes it: `env` / `env_vars`).
 * Both settings were checked against codex 0.153.4 and 0.171.0 (test/codex/real-codex.test.ts).
 */
import { codexHasMcpServer, parseCodexVersion } from './codex-version';

export type CodexTransportSetting = 'auto' | 'mcp' | 'app-server';
export type CodexTransportKind = 'mcp' | 'app-server';

/** Variable names (Codex globs) whose values the model's shell never sees. */
export const SECRET_ENV_PATTERNS = ['*_TOKEN', '*_PAT', '*_KEY', '*_SECRET'] as const;

const tomlString = (value: string) => JSON.stringify(value);

/**
 * The per-run Codex config (dotted keys, as `-c` takes them). Passed twice: as `-c` arguments of the
 * process and per thread (the MCP `codex` tool's `config` argument, app-server `thread/start.config`):
 * observed with 0.153.4, `codex mcp-server` ignores its own `-c` overrides for the sessions its tool
 * calls create — only the tool's `config` reaches them.
 */
export function codexRunConfig(extraSecretNames: readonly string[] = []): Record<string, unknown> {
  const exclude = [...new Set([...SECRET_ENV_PATTERNS, ...extraSecretNames.map((name) => name.trim()).filter(Boolean)])];
  return {
    'shell_environment_policy.inherit': 'all',
    'shell_environment_policy.ignore_default_excludes': false,
    'shell_environment_policy.exclude': exclude,
    'features.shell_snapshot': false,
  };
}

/** The same settings as `-c key=value` arguments (accepted by `codex mcp-server` and `codex app-server` alike). */
export function codexRunOverrides(extraSecretNames: readonly string[] = []): string[] {
  return Object.entries(codexRunConfig(extraSecretNames)).flatMap(([key, value]) => [
    '-c',
    `${key}=${Array.isArray(value) ? `[${value.map((v) => tomlString(String(v))).join(',')}]` : typeof value === 'string' ? tomlString(value) : String(value)}`,
  ]);
}

/** The transport `auto` resolves to for a binary whose `codex --version` printed `versionOutput` (null: it did not run). */
export function transportForVersion(versionOutput: string | null): CodexTransportKind {
  const version = versionOutput === null ? null : parseCodexVersion(versionOutput);
  return version !== null && !codexHasMcpServer(version) ? 'app-server' : 'mcp';
}

export function resolveTransportSetting(setting: CodexTransportSetting, versionOutput: string | null): CodexTransportKind {
  return setting === 'auto' ? transportForVersion(versionOutput) : setting;
}
