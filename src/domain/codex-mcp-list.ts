/**
 * Reading `codex mcp list --json` (issue #15; the old runner parsed the human table,
 * ../../docs/spec/runner-behaviour.md §3.7): an array of `{name, enabled, disabled_reason, transport: {type, …}, auth_status}`, the same in
 * 0.153.4 and 0.171.0. Names are matched exactly — the old runner matched by prefix, so a
 * `github_projects` row could answer for `github` (../../docs/spec/runner-behaviour.md §14.19). Env values appear in clear text in this
 * output: it is never logged, only the names, states and transports are kept.
 */
import { z } from 'zod';

export const REQUIRED_CODEX_MCP_SERVERS = ['github', 'github_projects'] as const;

const McpListEntrySchema = z.looseObject({
  name: z.string(),
  enabled: z.boolean(),
  disabled_reason: z.string().nullable().optional(),
  transport: z.looseObject({ type: z.string() }).optional(),
  auth_status: z.string().nullable().optional(),
});

export interface McpServerEntry {
  name: string;
  enabled: boolean;
  disabledReason: string | null;
  /** `stdio`, `streamable_http`, … */
  transport: string | null;
  authStatus: string | null;
}

export class McpListParseError extends Error {}

/** Parses the `--json` output; throws McpListParseError (without echoing the output: it may hold secrets). */
export function parseMcpListJson(output: string): McpServerEntry[] {
  let raw: unknown;
  try {
    raw = JSON.parse(output);
  } catch (err) {
    throw new McpListParseError(`\`codex mcp list --json\` did not print JSON (${(err as Error).message})`);
  }
  const parsed = z.array(McpListEntrySchema).safeParse(raw);
  if (!parsed.success) throw new McpListParseError('`codex mcp list --json` printed an unexpected shape (expected an array of {name, enabled, …})');
  return parsed.data.map((entry) => ({
    name: entry.name,
    enabled: entry.enabled,
    disabledReason: entry.disabled_reason ?? null,
    transport: entry.transport?.type ?? null,
    authStatus: entry.auth_status ?? null,
  }));
}

export interface McpServerProblem {
  name: string;
  problem: 'missing' | 'disabled';
  /** What to do about it, for this server's transport. */
  advice: string;
}

/** Why each required server cannot be used, with the fix that applies to it. */
export function requiredMcpServerProblems(entries: readonly McpServerEntry[]): McpServerProblem[] {
  const problems: McpServerProblem[] = [];
  for (const name of REQUIRED_CODEX_MCP_SERVERS) {
    const entry = entries.find((candidate) => candidate.name === name);
    if (!entry) {
      problems.push({
        name,
        problem: 'missing',
        advice: `add it: \`codex mcp add ${name} --env GITHUB_PAT=… -- <command>\` (or a [mcp_servers.${name}] table in $CODEX_HOME/config.toml)`,
      });
    } else if (!entry.enabled) {
      const reason = entry.disabledReason ? ` (${entry.disabledReason})` : '';
      problems.push({
        name,
        problem: 'disabled',
        advice:
          entry.transport === 'streamable_http' && entry.authStatus && entry.authStatus !== 'bearer_token' && entry.authStatus !== 'unsupported'
            ? `log in: \`codex mcp login ${name}\`${reason}`
            : `enable it: set \`enabled = true\` under [mcp_servers.${name}] in $CODEX_HOME/config.toml${reason}`,
      });
    }
  }
  return problems;
}

/** The required servers that are absent or disabled, from `codex mcp list --json` output. */
export function missingCodexMcpServers(jsonOutput: string): string[] {
  return requiredMcpServerProblems(parseMcpListJson(jsonOutput)).map((problem) => problem.name);
}
