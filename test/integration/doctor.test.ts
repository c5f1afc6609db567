import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { testAddress } from '../support/temporal';
import { codexHasMcpServer, parseCodexVersion } from '../../src/domain/codex-version';
import { missingCodexMcpServers, parseMcpListJson, requiredMcpServerProblems } from '../../src/domain/codex-mcp-list';
import { checkCodexBinary } from '../../src/client/doctor-codex';
import { loadConfig } from '../../src/config';
import { REAL_CODEX_CURRENT, REAL_CODEX_MCP } from '../support/real-codex';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'sprint-runner.js');
/** The native 0.153.4 binary (node_modules/.bin/codex may be either release: both packages declare `codex`). */
const CODEX = REAL_CODEX_MCP.bin;

function codexHome(name: string, githubProjectsEnabled: boolean): string {
  const dir = join(ROOT, '.sprint-runner', 'test', name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.toml'), `[mcp_servers.github]\ncommand = "true"\n\n[mcp_servers.github_projects]\ncommand = "true"\nenabled = ${githubProjectsEnabled}\n`);
  return dir;
}

/** A stand-in for the backend's preflight route only (the full backend emulator lives in emulators/). */
function preflightServer(status: 'PASS' | 'FAIL'): Promise<{ server: Server; url: string }> {
  const server = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ role: 'ORCHESTRATOR', status, errors: status === 'PASS' ? [] : [{ code: 'template_missing' }] }));
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address() as { port: number };
      resolve({ server, url: `http://127.0.0.1:${address.port}` });
    }),
  );
}

/** Runs the real CLI asynchronously (the stub backend lives in this process and must keep answering). */
function doctor(env: Record<string, string>): Promise<{ status: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, 'doctor'],
      { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TEMPORAL_CLI_PATH: process.env.TEMPORAL_CLI_PATH ?? '', ...env } },
      (error, stdout) => resolve({ status: error ? Number(error.code ?? 1) : 0, stdout }),
    );
  });
}

describe('sprint-runner doctor', () => {
  it('all checks pass against a real server, the real codex 0.153.4 and a PASSing backend', async () => {
    const { server, url } = await preflightServer('PASS');
    try {
      const out = await doctor({ TEMPORAL_ADDRESS: testAddress(), CODEX_BIN: CODEX, CODEX_HOME: codexHome('doctor-ok', true), BACKEND_BASE_URL: url });
      expect(out.stdout).toMatch(/^ok {3}temporal server: reachable/m);
      expect(out.stdout).toMatch(/^ok {3}temporal cli: temporal version 1\.5\.1/m);
      expect(out.stdout).toMatch(/^ok {3}codex: codex-cli 0\.153\.4, transport mcp \(CODEX_TRANSPORT=auto\)/m);
      expect(out.stdout).toMatch(/^ok {3}bubblewrap: bubblewrap \d/m);
      expect(out.stdout).toMatch(/^ok {3}codex mcp servers/m);
      expect(out.stdout).toMatch(/^ok {3}backend preflight: PASS/m);
      expect(out.status).toBe(0);
    } finally {
      server.close();
    }
  });

  it('exits non-zero and prints the fix for each failing check', async () => {
    const { server, url } = await preflightServer('FAIL');
    try {
      const out = await doctor({ TEMPORAL_ADDRESS: '127.0.0.1:1', CODEX_BIN: CODEX, CODEX_HOME: codexHome('doctor-bad', false), BACKEND_BASE_URL: url });
      expect(out.status).toBe(1);
      expect(out.stdout).toMatch(/^FAIL temporal server: not reachable at 127\.0\.0\.1:1/m);
      expect(out.stdout).toMatch(
        /^FAIL codex mcp servers: missing or disabled: github_projects \(disabled\)\n {5}fix: github_projects: enable it: set `enabled = true` under \[mcp_servers\.github_projects\]/m,
      );
      expect(out.stdout).not.toContain('codex mcp login');
      expect(out.stdout).toMatch(/^FAIL backend preflight: HTTP 200, status FAIL/m);
    } finally {
      server.close();
    }
  });

  it('knows which codex versions still have mcp-server', () => {
    expect(codexHasMcpServer(parseCodexVersion('codex-cli 0.153.4')!)).toBe(true);
    expect(codexHasMcpServer(parseCodexVersion('codex-cli 0.99.0')!)).toBe(true);
    expect(codexHasMcpServer(parseCodexVersion('codex-cli 0.154.0')!)).toBe(false);
    expect(codexHasMcpServer(parseCodexVersion('codex-cli 1.0.0')!)).toBe(false);
  });

  it('matches MCP server names exactly in `codex mcp list --json` (a github_projects entry never answers for github)', () => {
    const json = JSON.stringify([{ name: 'github_projects', enabled: true, disabled_reason: null, transport: { type: 'stdio', command: 'x' }, auth_status: 'unsupported' }]);
    expect(missingCodexMcpServers(json)).toEqual(['github']);
    const problems = requiredMcpServerProblems(
      parseMcpListJson(
        JSON.stringify([
          { name: 'github', enabled: false, disabled_reason: 'login required', transport: { type: 'streamable_http', url: 'https://x' }, auth_status: 'not_logged_in' },
        ]),
      ),
    );
    expect(problems).toEqual([
      { name: 'github', problem: 'disabled', advice: 'log in: `codex mcp login github` (login required)' },
      { name: 'github_projects', problem: 'missing', advice: expect.stringContaining('codex mcp add github_projects') },
    ]);
    expect(() => parseMcpListJson('Name  Command\ngithub x')).toThrow('did not print JSON');
  });

  it('the current codex (no mcp-server) passes with the app-server transport, fails with CODEX_TRANSPORT=mcp', () => {
    const env = { PATH: process.env.PATH ?? '' };
    const auto = checkCodexBinary(loadConfig({ CODEX_BIN: REAL_CODEX_CURRENT.bin }), env);
    expect(auto).toMatchObject({ ok: true, detail: `codex-cli ${REAL_CODEX_CURRENT.version}, transport app-server (CODEX_TRANSPORT=auto)` });
    const forced = checkCodexBinary(loadConfig({ CODEX_BIN: REAL_CODEX_CURRENT.bin, CODEX_TRANSPORT: 'mcp' }), env);
    expect(forced.ok).toBe(false);
    expect(forced.fix).toContain('unset CODEX_TRANSPORT');
  });
});
