/**
 * A stand-in for the `github` / `github_projects` MCP servers that `codex mcp list` must show as
 * enabled (../../docs/spec/runner-behaviour.md §3.7). Real codex starts every configured MCP server with a session,
 * so this one speaks MCP over stdio: one read-only tool, `get_me`, answering with a fixed identity.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';

export async function runGithubMcpStandIn(name: string): Promise<void> {
  const server = new McpServer({ name: `${name}-emulator`, version: '0.0.1' });
  server.registerTool('get_me', { description: 'The authenticated GitHub user (emulated).' }, async () => ({
    content: [{ type: 'text', text: JSON.stringify({ login: 'sprint-runner-emulator' }) }],
  }));
  await server.connect(new StdioServerTransport());
}

if (require.main === module) {
  runGithubMcpStandIn(process.argv[2] ?? 'github').catch((error: unknown) => {
    process.stderr.write(`github-mcp-emulator: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
}
