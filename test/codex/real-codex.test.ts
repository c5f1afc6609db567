/**
 * The real `codex mcp-server` 0.153.4 (native binary, spawned directly) with an isolated CODEX_HOME
 * whose model provider is the loopback model emulator: one `tools/call codex` with a shell tool call
 * round trip, returning the scripted final message through our session code.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { assertCodexVersionSupportsMcpServer, openCodexSession, type CodexEventMsg } from '../../src/activities/codex-mcp';
import { writeCodexHome } from '../../emulators/model/codex-home';
import { startModelEmulator, type ModelEmulator } from '../../emulators/model/server';
import { REPO_ROOT, notRunning, textOf } from './support';
import { codexRunConfig, codexRunOverrides, openCodex, resolveCodexTransport } from '../../src/activities/codex-session';
import { REAL_CODEXES, scratchDir, stubbornMcpServer, until } from '../support/real-codex';

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
  scratch = scratchDir('real-codex-');
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

/**
 * Issue #15, with both real binaries (each with the transport CODEX_TRANSPORT=auto picks):
 * - no secret reaches the model: the model asks the shell to print every secret variable; no value
 *   appears in any request the model emulator receives, in any event, stderr line or file under
 *   CODEX_HOME — while Codex's own environment does hold them (so the test can fail);
 * - a session holder killed with -9 leaves nothing: Codex, its stubborn MCP server (ignores EOF and
 *   SIGTERM) and that server's grandchild in another session are all killed by the group watcher.
 */
describe.each(REAL_CODEXES)('$label', (codex) => {
  const SECRETS: Record<string, string> = {
    GITHUB_TOKEN: 'ghp_secret1111111111',
    GITHUB_PAT: 'github_pat_secret2222',
    OPENAI_API_KEY: 'sk-secret3333333333',
    DEPLOY_SECRET: 'deploy-secret-4444',
    CUSTOM_CREDENTIALS: 'custom-secret-5555',
  };

  test("the model's shell sees no secret: printenv of every secret variable leaks nothing", async () => {
    const dir = scratchDir('secrets-');
    const secretModel = await startModelEmulator({
      script: {
        finalMessage: 'checked the environment',
        toolCall: {
          command: `${Object.keys(SECRETS)
            .map((name) => `printenv ${name}`)
            .join('; ')}; echo shell-ran-$((6*7))`,
        },
      },
    });
    const home = writeCodexHome(join(dir, 'codex-home'), secretModel.url);
    const work = join(dir, 'work');
    mkdirSync(work);
    const seen: string[] = [];
    const transport = await resolveCodexTransport('auto', codex.bin, { PATH: process.env['PATH'] ?? '' });
    expect(transport).toBe(codex.transport);
    const session = await openCodex({
      transport,
      command: codex.bin,
      mcpArgs: ['mcp-server'],
      extraArgs: codexRunOverrides(['CUSTOM_CREDENTIALS']),
      runConfig: codexRunConfig(['CUSTOM_CREDENTIALS']),
      cwd: work,
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? dir, ...home.env, ...SECRETS },
      onStderrLine: (line) => seen.push(line),
      onProtocolError: (error) => seen.push(error.message),
    });
    try {
      // Control: Codex itself has every secret in its environment.
      const environ = readFileSync(`/proc/${session.pid}/environ`, 'utf8');
      for (const value of Object.values(SECRETS)) expect(environ).toContain(value);
      const result = await session.start(
        {
          prompt: 'Print the environment, then answer.',
          'base-instructions': 'ROLE: TEST',
          'developer-instructions': 'none',
          cwd: '.',
          sandbox: 'workspace-write',
          'approval-policy': 'never',
        },
        { timeoutMs: 90_000 },
      );
      seen.push(JSON.stringify(result));
    } finally {
      await session.close();
      await secretModel.close();
    }
    const requests = JSON.stringify(secretModel.requests.map((request) => request.body));
    expect(requests).toContain('shell-ran-42'); // the command did run and its output reached the model
    const files: string[] = [];
    const walk = (path: string) => {
      for (const entry of readdirSync(path, { withFileTypes: true })) {
        const full = join(path, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (entry.isFile()) files.push(full);
      }
    };
    walk(home.dir);
    expect(files.some((file) => file.includes('/sessions/'))).toBe(true);
    // Shell snapshots are off (`features.shell_snapshot=false`); 0.153.4's mcp-server still writes one,
    // and the exclude policy applies to it too: the loop below reads it like every other file.
    if (codex.transport === 'app-server') expect(files.some((file) => file.includes('shell_snapshots'))).toBe(false);
    for (const value of Object.values(SECRETS)) {
      expect(requests).not.toContain(value);
      expect(seen.join('\n')).not.toContain(value);
      for (const file of files) expect(readFileSync(file).includes(Buffer.from(value))).toBe(false);
    }
  }, 120_000);

  test('kill -9 of the process holding the session: Codex, its MCP servers and their children are gone', async () => {
    const dir = scratchDir('kill9-');
    const hanging = await startModelEmulator({ script: { finalMessage: () => new Promise<string>(() => undefined) } });
    const stubborn = stubbornMcpServer(join(dir, 'stubborn'));
    const home = writeCodexHome(join(dir, 'codex-home'), hanging.url, stubborn.servers);
    const holder = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), join(__dirname, 'fixtures', 'session-holder.ts'), codex.bin, codex.transport], {
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? dir, ...home.env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const { codex: codexPid } = await new Promise<{ codex: number }>((resolve) => holder.stdout!.once('data', (d) => resolve(JSON.parse(String(d)))));
      // The turn is running: the stubborn server and its grandchild exist, and the model was asked.
      expect(await until(() => stubborn.pids().servers.length >= 1 && stubborn.pids().grandchildren.length >= 1 && hanging.requests.length >= 1, 30_000)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 500)); // one tracker scan at least
      expect(stubborn.alive().length).toBeGreaterThanOrEqual(2);
      holder.kill('SIGKILL');
      expect(await until(() => stubborn.alive().length === 0 && notRunning(codexPid), 10_000)).toBe(true);
    } finally {
      holder.kill('SIGKILL');
      await hanging.close();
      for (const pid of stubborn.alive()) process.kill(pid, 'SIGKILL');
    }
  }, 90_000);
});
