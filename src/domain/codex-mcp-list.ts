/**
 * Reading `codex mcp list` output (table format). Each row starts with the server name; a server is
 * enabled when its row has the Status cell `enabled`. Names are matched exactly — the seed matched
 * by prefix, so a `github_projects` row could answer for `github` (runner-behaviour.md §14.19).
 */
export const REQUIRED_CODEX_MCP_SERVERS = ['github', 'github_projects'] as const;

export function parseMcpServerStatus(output: string): Map<string, boolean> {
  const servers = new Map<string, boolean>();
  for (const line of output.split(/\r?\n/)) {
    const cells = line.trim().split(/\s+/);
    const name = cells[0];
    if (!name || name === 'Name' || servers.has(name)) continue;
    servers.set(name, cells.includes('enabled'));
  }
  return servers;
}

/** The required servers that are absent or disabled. */
export function missingCodexMcpServers(output: string): string[] {
  const servers = parseMcpServerStatus(output);
  return REQUIRED_CODEX_MCP_SERVERS.filter((name) => servers.get(name) !== true);
}
