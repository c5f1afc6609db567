/**
 * The Codex MCP session (src/activities/codex-mcp.ts) against the agent emulator and a raw JSON-RPC
 * fixture server: events, tokens, crash/hang/timeout/cancel, elicitation, stdout noise, process-group
 * teardown and the error codes of every failure path.
 */
import { openCodexSession, type CodexEventMsg, type CodexElicitation, type CodexSession } from '../../src/activities/codex-mcp';
import { assertCodexVersionSupportsMcpServer, parseCodexVersion } from '../../src/domain/codex-version';
import { CodexWorkerError } from '../../src/domain/errors';
import { emulatorOptions, notRunning, rawServerOptions, textOf, waitForEsrch } from './support';

const sessions: CodexSession[] = [];
async function open(...args: Parameters<typeof openCodexSession>): Promise<CodexSession> {
  const session = await openCodexSession(...args);
  sessions.push(session);
  return session;
}

afterEach(async () => {
  await Promise.all(sessions.splice(0).map((session) => session.close()));
});

async function codexError(promise: Promise<unknown>): Promise<CodexWorkerError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(CodexWorkerError);
    return error as CodexWorkerError;
  }
  throw new Error('expected a CodexWorkerError');
}

describe('codex MCP session against the agent emulator', () => {
  test('happy path: handshake, codex/event stream, tokens, result, codex-reply on the same thread', async () => {
    const events: { type: string; requestId: unknown; threadId?: string; msg: CodexEventMsg }[] = [];
    const session = await open(
      emulatorOptions(
        { defaults: { tokens: 4321, text: 'emulated final answer' } },
        {
          onEvent: (msg, requestId, threadId) => events.push({ type: msg.type, requestId, threadId, msg }),
        },
      ),
    );
    expect(session.serverVersion.name).toBe('codex-mcp-server');
    expect(session.serverVersion.version).toBe('0.153.4-emulator');
    expect(session.protocolVersion).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(session.tools.map((tool) => tool.name)).toEqual(['codex', 'codex-reply']);
    expect(session.hasCodexReply).toBe(true);
    expect(session.pid).toBeGreaterThan(0);

    const result = await session.callCodex({ prompt: 'say hi', 'approval-policy': 'never', sandbox: 'read-only' }, { timeoutMs: 30_000 });
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toBe('emulated final answer');
    const threadId = (result.structuredContent as { threadId: string }).threadId;
    expect(threadId).toMatch(/^[0-9a-f-]{36}$/);

    const types = events.map((event) => event.type);
    for (const type of ['session_configured', 'task_started', 'agent_message', 'token_count', 'task_complete']) expect(types).toContain(type);
    expect(types.indexOf('session_configured')).toBeLessThan(types.indexOf('task_complete'));
    const requestIds = new Set(events.map((event) => event.requestId));
    expect(requestIds.size).toBe(1);
    expect(typeof [...requestIds][0]).toBe('number');
    expect(events.every((event) => event.threadId === threadId)).toBe(true);
    expect(events.find((event) => event.type === 'task_complete')!.msg['last_agent_message']).toBe('emulated final answer');
    expect(session.tokensSoFar()).toBe(4321);

    const reply = await session.reply(threadId, 'again please', { timeoutMs: 30_000 });
    expect(textOf(reply)).toBe('emulated final answer');
    expect(session.tokensSoFar()).toBeGreaterThan(4321);

    const unknown = await session.reply('01a209ed-6d8c-7531-b75f-171ddeb736dd', 'hello?', { timeoutMs: 30_000 });
    expect(unknown.isError).toBe(true);
    expect(textOf(unknown)).toMatch(/^Session not found for thread_id: /);
  });

  test('unknown tool arguments come back as an isError result, like codex 0.153.4', async () => {
    const session = await open(emulatorOptions({}));
    const result = await session.callCodex({ prompt: 'x', profile: 'fast' } as never, { timeoutMs: 30_000 });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/^Failed to parse configuration for Codex tool: unknown field `profile`, expected one of `prompt`/);
    const policy = await session.callCodex({ prompt: 'x', 'approval-policy': 'untrusted' as never }, { timeoutMs: 30_000 });
    expect(textOf(policy)).toContain('unknown variant `untrusted`, expected `on-request` or `never`');
  });

  test('a server crash while the call is pending rejects at once with mcp_stdio_unavailable (not after the timeout)', async () => {
    const timeoutMs = 30_000;
    const session = await open(emulatorOptions({ defaults: { mode: 'crash', thinkMs: 200 } }));
    const started = Date.now();
    const error = await codexError(session.callCodex({ prompt: 'work' }, { timeoutMs }));
    const elapsed = Date.now() - started;
    expect(error.code).toBe('mcp_stdio_unavailable');
    expect(elapsed).toBeLessThan(timeoutMs / 3);
    expect(error.details['exit_code']).toBe(70);
    expect(error.details['stderr_tail']).toEqual(expect.arrayContaining([expect.stringContaining('scripted crash')]));
    expect(session.exited).toBe(true);
    // Later calls fail fast too.
    expect((await codexError(session.callCodex({ prompt: 'again' }, { timeoutMs }))).code).toBe('mcp_stdio_unavailable');
  });

  test('a hanging server hits the explicit call timeout (mcp_timeout) and close() still kills it', async () => {
    const session = await open(emulatorOptions({ defaults: { mode: 'hang' } }));
    const started = Date.now();
    const error = await codexError(session.callCodex({ prompt: 'work' }, { timeoutMs: 1500 }));
    expect(error.code).toBe('mcp_timeout');
    expect(error.details).toMatchObject({ method: 'tools/call', tool: 'codex', timeout_ms: 1500 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    expect(session.exited).toBe(false);
    await session.close();
    expect(notRunning(session.pid)).toBe(true);
  });

  test('timeouts beyond the SDK 60 s default are honoured (the default never applies)', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask', 'hrtime', 'performance', 'Date'] });
    try {
      const session = await open(emulatorOptions({ defaults: { mode: 'hang' } }));
      const pending = session.callCodex({ prompt: 'long work' }, { timeoutMs: 3_600_000 });
      const settled = jest.fn();
      pending.then(settled, settled);
      await jest.advanceTimersByTimeAsync(61_000);
      expect(settled).not.toHaveBeenCalled();
      await jest.advanceTimersByTimeAsync(3_600_000);
      expect((await codexError(pending)).code).toBe('mcp_timeout');
    } finally {
      jest.useRealTimers();
    }
  });

  test('an aborted signal cancels the call (mcp_cancelled) and the server sees the cancellation', async () => {
    const events: string[] = [];
    const session = await open(emulatorOptions({ defaults: { mode: 'hang' } }, { onEvent: (msg) => events.push(msg.type) }));
    const controller = new AbortController();
    const pending = session.callCodex({ prompt: 'work' }, { timeoutMs: 30_000, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('activity cancelled')), 300);
    const error = await codexError(pending);
    expect(error.code).toBe('mcp_cancelled');
    expect(error.message).toContain('activity cancelled');
    const deadline = Date.now() + 3000;
    while (!events.includes('turn_aborted') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    expect(events).toContain('turn_aborted');
  });

  test('the idle watchdog fails a call that stops producing codex/event (mcp_timeout, idle)', async () => {
    const session = await open(emulatorOptions({ defaults: { mode: 'hang' } }));
    const error = await codexError(session.callCodex({ prompt: 'work' }, { timeoutMs: 30_000, idleTimeoutMs: 800 }));
    expect(error.code).toBe('mcp_timeout');
    expect(error.details).toMatchObject({ idle: true, idle_timeout_ms: 800 });
  });

  test('elicitation requests are denied with decision "denied", codex_* params reach the callback', async () => {
    const elicitations: CodexElicitation[] = [];
    const session = await open(emulatorOptions({ defaults: { elicit: true, text: 'done' } }, { onElicitation: (e) => elicitations.push(e) }));
    const result = await session.callCodex({ prompt: 'push it' }, { timeoutMs: 30_000 });
    expect(textOf(result)).toBe('done [elicitation decision: denied]');
    expect(elicitations).toHaveLength(1);
    expect(elicitations[0]!.decision).toBe('denied');
    expect(elicitations[0]!.message).toMatch(/^Allow Codex to run/);
    expect(elicitations[0]!.params).toMatchObject({
      codex_elicitation: 'exec-approval',
      codex_command: ['/bin/bash', '-lc', 'git push --force origin HEAD'],
      codex_mcp_tool_call_id: expect.any(String),
    });
  });

  test('non-JSON stdout lines are reported and skipped; the call still succeeds', async () => {
    const noise: string[] = [];
    const stderr: string[] = [];
    const session = await open(
      emulatorOptions(
        { defaults: { stdoutNoise: true, text: 'clean answer' } },
        {
          onStdoutNoise: (line) => noise.push(line),
          onStderrLine: (line) => stderr.push(line),
        },
      ),
    );
    const result = await session.callCodex({ prompt: 'x' }, { timeoutMs: 30_000 });
    expect(textOf(result)).toBe('clean answer');
    expect(noise).toEqual(expect.arrayContaining(['agent-emulator: this line is not JSON', '[noise] {"half": json']));
  });

  test('close() kills the whole process group, including a child that ignores SIGTERM; it is idempotent', async () => {
    let grandchild = 0;
    const session = await open(
      emulatorOptions(
        { defaults: { childProcess: true, mode: 'hang' } },
        {
          onEvent: (msg) => {
            if (msg.type === 'exec_command_begin') grandchild = Number(msg['process_id']);
          },
          killGraceMs: 300,
        },
      ),
    );
    const pending = session.callCodex({ prompt: 'run a command' }, { timeoutMs: 30_000 });
    const outcome = pending.then(
      () => null,
      (error: unknown) => error,
    );
    const deadline = Date.now() + 5000;
    while (!grandchild && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    expect(grandchild).toBeGreaterThan(0);
    expect(notRunning(grandchild)).toBe(false);
    const pid = session.pid;

    await Promise.all([session.close(), session.close()]);
    await session.close();
    expect(notRunning(pid)).toBe(true);
    expect(notRunning(grandchild)).toBe(true);
    expect(((await outcome) as CodexWorkerError).code).toBe('mcp_stdio_unavailable');
    // The reparented grandchild is reaped by PID 1 a little later; then kill(pid, 0) throws ESRCH.
    expect(await waitForEsrch(pid)).toBe(true);
    expect(await waitForEsrch(grandchild)).toBe(true);
  });
});

describe('codex MCP session failure paths', () => {
  test('spawn failure → codex_spawn_failed with the command', async () => {
    const error = await codexError(openCodexSession({ command: '/nonexistent/codex', args: ['mcp-server'], env: { PATH: '/usr/bin' } }));
    expect(error.code).toBe('codex_spawn_failed');
    expect(error.details).toMatchObject({ command: '/nonexistent/codex', args: ['mcp-server'], errno: 'ENOENT' });
  });

  test('a server without the codex tool → mcp_missing_codex_tool, and the process is killed', async () => {
    const error = await codexError(openCodexSession(rawServerOptions('no-codex')));
    expect(error.code).toBe('mcp_missing_codex_tool');
    expect(error.details['tools']).toEqual(['codex-reply']);
    expect(notRunning(error.details['pid'] as number)).toBe(true);
  });

  test('reply() on a server without codex-reply → mcp_missing_codex_reply_tool', async () => {
    const session = await open(rawServerOptions('no-reply'));
    expect(session.hasCodexReply).toBe(false);
    expect(textOf(await session.callCodex({ prompt: 'x' }, { timeoutMs: 10_000 }))).toBe('raw answer (codex)');
    expect((await codexError(session.reply('t', 'x', { timeoutMs: 10_000 }))).code).toBe('mcp_missing_codex_reply_tool');
  });

  test('a JSON-RPC error response → mcp_error_response with the error', async () => {
    const session = await open(rawServerOptions('rpc-error'));
    const error = await codexError(session.callCodex({ prompt: 'x' }, { timeoutMs: 10_000 }));
    expect(error.code).toBe('mcp_error_response');
    expect(error.details['error']).toMatchObject({ code: -32603, message: expect.stringContaining('internal failure in raw server') });
  });

  test('the server protocol version is accepted when the SDK supports it, else mcp_protocol_mismatch', async () => {
    const session = await open(rawServerOptions('plain'));
    expect(session.protocolVersion).toBe('2025-11-25');
    expect(session.serverVersion.name).toBe('codex-mcp-server');
    const error = await codexError(openCodexSession(rawServerOptions('protocol-2099')));
    expect(error.code).toBe('mcp_protocol_mismatch');
    expect(error.details['actual']).toBe('2099-01-01');
  });

  test('a codex without mcp-server (≥ 0.154: "stdin is not a terminal") → codex_version_unsupported', async () => {
    const error = await codexError(openCodexSession(rawServerOptions('exit-on-init')));
    expect(error.code).toBe('codex_version_unsupported');
    expect(error.message).toContain('0.154.0');
    expect(error.message).toContain('@openai/codex@0.153.4');
  });

  test('messages above maxMessageBytes: an oversized event is skipped, an oversized result fails the call', async () => {
    const noise: string[] = [];
    const small = await open({ ...rawServerOptions('big-event'), maxMessageBytes: 1_000_000, onStdoutNoise: (line) => noise.push(line) });
    expect(textOf(await small.callCodex({ prompt: 'x' }, { timeoutMs: 10_000 }))).toBe('small answer after a big event');
    expect(noise).toHaveLength(1);
    const big = await open({ ...rawServerOptions('big-result'), maxMessageBytes: 1_000_000 });
    const error = await codexError(big.callCodex({ prompt: 'x' }, { timeoutMs: 10_000 }));
    expect(error.code).toBe('mcp_invalid_result');
    expect(error.message).toContain('exceeded 1000000 bytes');
    // The default limit (64 MiB) takes a 2 MB message without trouble.
    const roomy = await open(rawServerOptions('big-result'));
    expect(textOf(await roomy.callCodex({ prompt: 'x' }, { timeoutMs: 10_000 }))).toHaveLength(2_000_000);
  });

  test('invalid timeouts are rejected before anything is sent', async () => {
    const session = await open(emulatorOptions({}));
    expect((await codexError(session.callCodex({ prompt: 'x' }, { timeoutMs: 0 }))).code).toBe('codex_invalid_call_options');
    expect((await codexError(session.callCodex({ prompt: 'x' }, { timeoutMs: Number.POSITIVE_INFINITY }))).code).toBe('codex_invalid_call_options');
  });
});

describe('codex version gate', () => {
  test('parseCodexVersion', () => {
    expect(parseCodexVersion('codex-cli 0.153.4\n')).toEqual([0, 153, 4]);
    expect(parseCodexVersion('codex-cli 0.153.4-emulator')).toEqual([0, 153, 4]);
    expect(parseCodexVersion('codex-cli 0.169.0')).toEqual([0, 169, 0]);
    expect(parseCodexVersion('no version here')).toBeNull();
  });

  test('≤ 0.153.4 passes, ≥ 0.154 fails with the pinning hint', () => {
    expect(assertCodexVersionSupportsMcpServer('codex-cli 0.153.4')).toEqual([0, 153, 4]);
    expect(assertCodexVersionSupportsMcpServer('codex-cli 0.44.0')).toEqual([0, 44, 0]);
    for (const version of ['codex-cli 0.154.0', 'codex-cli 0.169.0', 'codex-cli 1.0.0']) {
      try {
        assertCodexVersionSupportsMcpServer(version);
        throw new Error(`${version} should be rejected`);
      } catch (error) {
        expect(error).toBeInstanceOf(CodexWorkerError);
        expect((error as CodexWorkerError).code).toBe('codex_version_unsupported');
        expect((error as Error).message).toMatch(/removed in 0\.154\.0.*@openai\/codex@0\.153\.4/);
      }
    }
    expect(() => assertCodexVersionSupportsMcpServer('garbage')).toThrow(CodexWorkerError);
  });
});
