/**
 * Command line of the agent emulator, shaped like the `codex` CLI parts the runner uses:
 * `--version`, `mcp list [--json]`, `mcp-server` (the default) which serves MCP on stdio, and
 * `app-server` which serves the app-server protocol on stdio. Global `-c key=value` overrides are
 * accepted and ignored. With AGENT_EMULATOR_VERSION ≥ 0.154 it plays a release without mcp-server:
 * `mcp-server` then fails like real codex does (`stdin is not a terminal`).
 *
 * `mcp list` reports `github` and `github_projects` as enabled stdio servers; env
 * AGENT_MCP_SERVERS (e.g. `github:enabled,github_projects:disabled`) replaces that list.
 */
import { EMULATOR_VERSION, runAgentEmulator } from './server';
import { runAppServerEmulator } from './app-server';
import { codexHasMcpServer, parseCodexVersion } from '../../src/domain/codex-version';

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
    server.name,
    'npx',
    `-y ${server.name.replace(/_/g, '-')}-mcp`,
    'GITHUB_PAT=*****',
    '-',
    server.enabled ? 'enabled' : 'disabled',
    'Unsupported',
  ]);
  const widths = header.map((_, col) => Math.max(...[header, ...rows].map((row) => row[col]!.length)));
  const line = (row: string[]) => row.map((cell, col) => (col === row.length - 1 ? cell : cell.padEnd(widths[col]!))).join('  ');
  return `${[header, ...rows].map(line).join('\n')}\n`;
}

function mcpListJson(servers: ListedServer[]): string {
  return `${JSON.stringify(
    servers.map((server) => ({
      name: server.name,
      enabled: server.enabled,
      disabled_reason: null,
      transport: { type: 'stdio', command: 'npx', args: ['-y', `${server.name.replace(/_/g, '-')}-mcp`], env: {}, env_vars: ['GITHUB_PAT'], cwd: null },
      startup_timeout_sec: null,
      tool_timeout_sec: null,
      auth_status: 'unsupported',
    })),
    null,
    2,
  )}\n`;
}

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const args: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '--') continue;
    if (arg === '-c' || arg === '--config' || arg === '--enable' || arg === '--disable') {
      i += 1;
      continue;
    }
    args.push(arg);
  }
  if (args[0] === '--version' || args[0] === '-V') {
    process.stdout.write(`codex-cli ${EMULATOR_VERSION}\n`);
    return;
  }
  if (args[0] === 'mcp' && args[1] === 'list') {
    const servers = listedServers(env);
    process.stdout.write(args.includes('--json') ? mcpListJson(servers) : formatMcpList(servers));
    return;
  }
  if (args[0] === 'app-server') {
    await runAppServerEmulator(env);
    return;
  }
  if (args.length === 0 || args[0] === 'mcp-server') {
    const version = parseCodexVersion(EMULATOR_VERSION);
    if (version && !codexHasMcpServer(version)) {
      process.stderr.write('Error: stdin is not a terminal\n');
      process.exitCode = 1;
      return;
    }
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
