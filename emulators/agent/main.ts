/**
 * Command line of the agent emulator, shaped like the `codex` CLI parts the runner uses:
 * `--version`, `mcp list [--json]`, and `mcp-server` (the default) which serves MCP on stdio.
 *
 * `mcp list` reports `github` and `github_projects` as enabled stdio servers; env
 * AGENT_MCP_SERVERS (e.g. `github:enabled,github_projects:disabled`) replaces that list.
 */
import { EMULATOR_VERSION, runAgentEmulator } from './server';

interface ListedServer {
  name: string;
  enabled: boolean;
}

function listedServers(env: NodeJS.ProcessEnv): ListedServer[] {
  const spec = env['AGENT_MCP_SERVERS'] ?? 'github:enabled,github_projects:enabled';
  return spec
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const [name, state] = entry.split(':');
      return { name: name!.trim(), enabled: (state ?? 'enabled').trim() !== 'disabled' };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

export function formatMcpList(servers: ListedServer[]): string {
  if (servers.length === 0) return 'No MCP servers configured yet. Try `codex mcp add my-tool -- my-command`.\n';
  const header = ['Name', 'Command', 'Args', 'Env', 'Cwd', 'Status', 'Auth'];
  const rows = servers.map((server) => [
    server.name, 'npx', `-y ${server.name.replace(/_/g, '-')}-mcp`, 'GITHUB_PAT=*****', '-',
    server.enabled ? 'enabled' : 'disabled', 'Unsupported',
  ]);
  const widths = header.map((_, col) => Math.max(...[header, ...rows].map((row) => row[col]!.length)));
  const line = (row: string[]) => row.map((cell, col) => (col === row.length - 1 ? cell : cell.padEnd(widths[col]!))).join('  ');
  return `${[header, ...rows].map(line).join('\n')}\n`;
}

function mcpListJson(servers: ListedServer[]): string {
  return `${JSON.stringify(servers.map((server) => ({
    name: server.name,
    enabled: server.enabled,
    disabled_reason: null,
    transport: { type: 'stdio', command: 'npx', args: ['-y', `${server.name.replace(/_/g, '-')}-mcp`], env: {}, env_vars: ['GITHUB_PAT'], cwd: null },
    startup_timeout_sec: null,
    tool_timeout_sec: null,
    auth_status: 'unsupported',
  })), null, 2)}\n`;
}

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const args = argv.filter((arg) => arg !== '--');
  if (args[0] === '--version' || args[0] === '-V') {
    process.stdout.write(`codex-cli ${EMULATOR_VERSION}\n`);
    return;
  }
  if (args[0] === 'mcp' && args[1] === 'list') {
    const servers = listedServers(env);
    process.stdout.write(args.includes('--json') ? mcpListJson(servers) : formatMcpList(servers));
    return;
  }
  if (args.length === 0 || args[0] === 'mcp-server') {
    await runAgentEmulator(env);
    return;
  }
  process.stderr.write(`agent-emulator: unsupported arguments: ${args.join(' ')}\n`);
  process.exitCode = 2;
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`agent-emulator: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
}
