/**
 * Codex CLI version gate: `codex mcp-server` exists up to 0.153.4 and was removed in 0.154.0.
 */
import { CodexWorkerError } from './errors';

export type CodexVersion = [major: number, minor: number, patch: number];

export const LAST_CODEX_WITH_MCP_SERVER: CodexVersion = [0, 153, 4];
export const FIRST_CODEX_WITHOUT_MCP_SERVER: CodexVersion = [0, 154, 0];

/** `codex-cli 0.153.4` (or `0.153.4-emulator`, `codex-cli 0.42.0`) → [0, 153, 4]; null when no x.y.z is present. */
export function parseCodexVersion(output: string): CodexVersion | null {
  const match = /(\d+)\.(\d+)\.(\d+)/.exec(output);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : null;
}

export function compareCodexVersions(a: CodexVersion, b: CodexVersion): number {
  for (let i = 0; i < 3; i += 1) {
    if (a[i] !== b[i]) return a[i]! - b[i]!;
  }
  return 0;
}

/** The release still ships `codex mcp-server` (removed in 0.154.0). */
export function codexHasMcpServer(version: CodexVersion): boolean {
  return compareCodexVersions(version, FIRST_CODEX_WITHOUT_MCP_SERVER) < 0;
}

/**
 * Throws CodexWorkerError `codex_version_unsupported` unless the `codex --version` output names a
 * release that still has `codex mcp-server`. Returns the parsed version.
 */
export function assertCodexVersionSupportsMcpServer(versionString: string): CodexVersion {
  const version = parseCodexVersion(versionString);
  if (!version) {
    throw new CodexWorkerError('codex_version_unsupported', `cannot read a codex version from ${JSON.stringify(versionString.trim().slice(0, 200))}`, {
      output: versionString.slice(0, 2000),
    });
  }
  if (!codexHasMcpServer(version)) {
    throw new CodexWorkerError(
      'codex_version_unsupported',
      `codex ${version.join('.')} has no \`codex mcp-server\`: it was removed in 0.154.0. Pin @openai/codex@0.153.4 (the last release with mcp-server) and point CODEX_BIN at it.`,
      { version: version.join('.'), last_supported: LAST_CODEX_WITH_MCP_SERVER.join('.') },
    );
  }
  return version;
}
