/**
 * The real codex binaries of the suite (issue #15): @openai/codex@0.153.4 (the last with
 * `mcp-server`) and the current release (dev dependency `codex-current`, app-server only), their
 * native executables spawned directly; and the stubborn MCP server used to show that nothing of a
 * run outlives it.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ExtraMcpServers } from '../../emulators/model';

const ROOT = join(__dirname, '..', '..');

function nativeUnder(packageDir: string): string {
  const platform = join(packageDir, 'node_modules', '@openai', `codex-${process.platform}-${process.arch}`, 'vendor');
  for (const triple of existsSync(platform) ? readdirSync(platform) : []) {
    const candidate = join(platform, triple, 'bin', 'codex');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`native codex binary not found under ${platform} (npm ci installs it)`);
}

export interface RealCodex {
  label: string;
  bin: string;
  version: string;
  /** What CODEX_TRANSPORT=auto picks for it. */
  transport: 'mcp' | 'app-server';
}

export const REAL_CODEX_MCP: RealCodex = { label: 'codex 0.153.4 (mcp-server)', bin: nativeUnder(ROOT), version: '0.153.4', transport: 'mcp' };
export const REAL_CODEX_CURRENT: RealCodex = {
  label: `codex ${JSON.parse(readFileSync(join(ROOT, 'node_modules', 'codex-current', 'package.json'), 'utf8')).version} (app-server)`,
  bin: nativeUnder(join(ROOT, 'node_modules', 'codex-current')),
  version: JSON.parse(readFileSync(join(ROOT, 'node_modules', 'codex-current', 'package.json'), 'utf8')).version,
  transport: 'app-server',
};
export const REAL_CODEXES = [REAL_CODEX_MCP, REAL_CODEX_CURRENT];

/** A scratch directory inside the repository (codex refuses helper binaries under /tmp). */
/**
 * A scratch directory for a real Codex run (its CODEX_HOME and workspace). Not under /tmp: with
 * bubblewrap, Codex's sandbox gives the shell a private /tmp, so a workspace there (e.g. a clone
 * checked out under /tmp) is invisible to the commands the model runs.
 */
export function scratchDir(prefix: string): string {
  const base = join(process.env['SPRINT_RUNNER_CACHE'] ?? join(homedir(), '.cache', 'sprint-runner'), 'scratch');
  mkdirSync(base, { recursive: true });
  return mkdtempSync(join(base, prefix));
}

export interface Stubborn {
  servers: ExtraMcpServers;
  marker: string;
  /** pids the stubborn server and its grandchild wrote (server-<pid>, grandchild-<pid>). */
  pids(): { servers: number[]; grandchildren: number[] };
  /** Processes whose command line carries the marker and that still run (zombies do not count). */
  alive(): number[];
}

export function stubbornMcpServer(dir: string): Stubborn {
  mkdirSync(dir, { recursive: true });
  const marker = `stubborn-${Math.random().toString(36).slice(2)}`;
  const script = join(ROOT, 'test', 'codex', 'fixtures', 'stubborn-mcp-server.js');
  const list = (prefix: string) =>
    readdirSync(dir)
      .filter((name) => name.startsWith(prefix))
      .map((name) => Number(name.slice(prefix.length)));
  return {
    servers: { stubborn: { command: process.execPath, args: [script, dir, marker] } },
    marker,
    pids: () => ({ servers: list('server-'), grandchildren: list('grandchild-') }),
    alive() {
      const out: number[] = [];
      for (const name of readdirSync('/proc')) {
        if (!/^\d+$/.test(name)) continue;
        try {
          if (!readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(marker)) continue;
          const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
          if (!/^\d+ \(.*\) [ZX] /s.test(stat)) out.push(Number(name));
        } catch {
          // gone
        }
      }
      return out;
    },
  };
}

export async function until(check: () => boolean, timeoutMs: number, everyMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  return true;
}
