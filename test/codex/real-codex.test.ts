/**
 * The real `codex mcp-server` 0.153.4 (native binary, spawned directly) with an isolated CODEX_HOME
 * whose model provider is the loopback model emulator: one `tools/call codex` with a shell tool call
 * round trip, returning the scripted final message through our session code.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { assertCodexVersionSupportsMcpServer, openCodexSession, type CodexEventMsg } from '../../src/activities/codex-mcp';
import { writeCodexHome } from '../../emulators/model/codex-home';
import { startModelEmulator, type ModelEmulator } from '../../emulators/model/server';
import { REPO_ROOT, notRunning, textOf } from './support';

/** node_modules/@openai/codex-<platform>-<arch>/vendor/<triple>/bin/codex (0.153.x layout). */
function findNativeCodex(): string {
  const pkg = join(REPO_ROOT, 'node_modules', '@openai', `codex-${process.platform}-${process.arch}`, 'vendor');
  if (existsSync(pkg)) {
    for (const triple of readdirSync(pkg)) {
      const candidate = join(pkg, triple, 'bin', 'codex');
      if (existsSync(candidate)) return candidate;
    }
  }
  throw new Error(`native codex binary not found under ${pkg}: run npm install (devDependency @openai/codex@0.153.4)`);
}

const FINAL = '{"run_id":"r-1","role":"EXECUTOR","status":"succeeded","summary":"real codex round trip"}';

let model: ModelEmulator;
let scratch: string;

beforeAll(async () => {
  model = await startModelEmulator({ script: { finalMessage: FINAL, toolCall: { command: 'echo tool-ran-$((6*7))' }, usage: { input_tokens: 200, output_tokens: 50 } } });
  mkdirSync(join(REPO_ROOT, '.sprint-runner'), { recursive: true });
  scratch = mkdtempSync(join(REPO_ROOT, '.sprint-runner', 'real-codex-'));
});

afterAll(async () => {
  await model.close();
  rmSync(scratch, { recursive: true, force: true });
});

test('real codex mcp-server 0.153.4 completes tools/call codex against the model emulator', async () => {
  const codex = findNativeCodex();
  const version = spawnSync(codex, ['--version'], { encoding: 'utf8' });
  expect(assertCodexVersionSupportsMcpServer(version.stdout)).toEqual([0, 153, 4]);

  const home = writeCodexHome(join(scratch, 'codex-home'), model.url);
  const workdir = join(scratch, 'work');
  mkdirSync(workdir);
  const events: CodexEventMsg[] = [];
  const stderr: string[] = [];
  const session = await openCodexSession({
    command: codex,
    args: ['mcp-server'],
    cwd: workdir,
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? scratch, ...home.env },
    onEvent: (msg) => events.push(msg),
    onStderrLine: (line) => stderr.push(line),
  });
  try {
    expect(session.serverVersion).toMatchObject({ name: 'codex-mcp-server', version: '0.153.4' });
    expect(session.hasCodexReply).toBe(true);
    expect(session.protocolVersion).toBe('2025-11-25');

    const result = await session.callCodex(
      { prompt: 'Run the check, then answer with the JSON result.', cwd: workdir, sandbox: 'read-only', 'approval-policy': 'never' },
      { timeoutMs: 90_000 },
    );
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toBe(FINAL);
    expect((result.structuredContent as { threadId: string }).threadId).toMatch(/^[0-9a-f-]{36}$/);

    const types = events.map((event) => event.type);
    for (const type of ['session_configured', 'task_started', 'exec_command_begin', 'exec_command_end', 'agent_message', 'token_count', 'task_complete']) {
      expect(types).toContain(type);
    }
    expect(events.find((event) => event.type === 'session_configured')).toMatchObject({ model: 'emulator-model', model_provider_id: 'emulator' });
    expect(String(events.find((event) => event.type === 'exec_command_end')!['aggregated_output'])).toContain('tool-ran-42');
    expect(session.tokensSoFar()).toBe(2 * 250);

    const responses = model.requests.filter((request) => request.path === '/v1/responses');
    expect(responses.map((request) => request.answered)).toEqual(['tool_call', 'message']);
    expect(responses[0]!.headers['authorization']).toBe('Bearer sk-emulator-dummy');
    const followUp = JSON.stringify(responses[1]!.body);
    expect(followUp).toContain('function_call_output');
    expect(followUp).toContain('tool-ran-42');
    expect(stderr.join('\n')).toContain('`codex mcp-server` is deprecated');
  } finally {
    await session.close();
  }
  expect(session.exited).toBe(true);
  expect(notRunning(session.pid)).toBe(true);
});
