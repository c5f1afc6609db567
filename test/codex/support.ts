/** Helpers for the Codex MCP tests: emulator launch options, worker prompts, process checks. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { OpenCodexSessionOptions } from '../../src/activities/codex-mcp';
import type { AgentScript } from '../../emulators/agent/script';

export const REPO_ROOT = resolve(__dirname, '../..');
export const AGENT_EMULATOR = resolve(REPO_ROOT, 'emulators/agent/codex-emulator.js');
export const RAW_SERVER = resolve(__dirname, 'fixtures/raw-mcp-server.js');

/** Session options for the agent emulator started the way CODEX_BIN would start it (launcher + shebang). */
export function emulatorOptions(script: AgentScript, extra: Partial<OpenCodexSessionOptions> & { env?: Record<string, string> } = {}): OpenCodexSessionOptions {
  const { env, ...rest } = extra;
  return {
    command: AGENT_EMULATOR,
    args: ['mcp-server'],
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', AGENT_SCRIPT_JSON: JSON.stringify(script), ...env },
    ...rest,
  };
}

export function rawServerOptions(mode: string, extra: Partial<OpenCodexSessionOptions> = {}): OpenCodexSessionOptions {
  return { command: process.execPath, args: [RAW_SERVER], env: { PATH: process.env['PATH'] ?? '', RAW_MODE: mode }, ...extra };
}

/** Not running: gone, or a zombie waiting for PID 1 to reap it. */
export function notRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state === 'Z' || state === 'X';
  } catch {
    return true;
  }
}

/** Resolves true once `process.kill(pid, 0)` throws ESRCH (zombies are reaped by PID 1 within seconds here). */
export async function waitForEsrch(pid: number, timeoutMs = 8000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') return true;
    }
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function textOf(result: { content?: unknown; structuredContent?: unknown }): string {
  const structured = result.structuredContent as { content?: unknown } | undefined;
  if (typeof structured?.content === 'string') return structured.content;
  const content = Array.isArray(result.content) ? (result.content as { type?: string; text?: string }[]) : [];
  return content
    .filter((c) => c.type === 'text')
    .map((c) => c.text ?? '')
    .join('\n');
}
