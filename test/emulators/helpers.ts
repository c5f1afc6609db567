/** Shared helpers for the emulator contract tests (HTTP against an emulator on a random port). */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BackendEmulator, type BackendEmulatorOptions, type BoardItemSeed, startBackendEmulator } from '../../emulators/backend';

export const REPO_ROOT = join(__dirname, '..', '..');
/** Absolute, so children started in a temp cwd still find the loader. */
export const TSX_CJS = require.resolve('tsx/cjs');

/** A clean environment for child processes: no ORCHESTRATOR_* leaking in from the test run. */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...extra };
}

export interface HttpAnswer {
  status: number;
  body: any;
  headers: Headers;
}

export async function http(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // keep the raw text
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

export function item(issue: number, status: string | undefined, extra: Partial<Record<string, string>> = {}, id = `PVTI_${issue}`): BoardItemSeed {
  const fields: Record<string, string> = { Size: 'S', Area: 'api', Priority: 'P0', Sprint: 'M1', ...(extra as Record<string, string>) };
  if (status !== undefined) fields.Status = status;
  return { project_item_id: id, issue_number: issue, issue_url: `https://github.com/acme/app/issues/${issue}`, fields };
}

/** Starts an emulator, hands it to the test, closes it afterwards. */
export function useBackend(options: () => BackendEmulatorOptions = () => ({})) {
  const holder: { current: BackendEmulator } = { current: undefined as unknown as BackendEmulator };
  beforeEach(async () => {
    holder.current = await startBackendEmulator({ port: 0, ...options() });
  });
  afterEach(async () => {
    await holder.current.close();
  });
  return {
    get emu(): BackendEmulator {
      return holder.current;
    },
    post(path: string, body?: unknown, headers?: Record<string, string>) {
      return http('POST', `${holder.current.url}${path}`, body, headers);
    },
    get(path: string) {
      return http('GET', `${holder.current.url}${path}`);
    },
    del(path: string) {
      return http('DELETE', `${holder.current.url}${path}`);
    },
  };
}

export const RUN_A = '0f8fad5b-d9cb-469f-a165-70867728950e';
export const RUN_B = '5b1e7f0a-3c2d-4e8f-9a1b-2c3d4e5f6a7b';

export function runMarkerBody(issue: number, projectItemId: string, runId = RUN_A): string {
  return `Implements the task.\n\nRefs #${issue}\n\n<!-- EXECUTOR_RUN_V1\nissue: ${issue}\nproject_item_id: ${projectItemId}\nrun_id: ${runId}\n-->`;
}

export function tempDir(prefix = 'emu-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a TypeScript entry point under tsx (no shell) and collects its output. */
export function runTs(entry: string, args: string[], env: NodeJS.ProcessEnv, cwd = REPO_ROOT, timeoutMs = 20000): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--require', TSX_CJS, join(REPO_ROOT, entry), ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

export function jsonLines(text: string): any[] {
  return text
    .split('\n')
    .filter((line) => line.trim().startsWith('{'))
    .map((line) => JSON.parse(line));
}
