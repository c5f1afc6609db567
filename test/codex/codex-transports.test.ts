/**
 * The CodexSession port (src/activities/codex-session.ts) over both transports against the agent
 * emulator, which speaks MCP (`mcp-server`) and app-server (`app-server`) with the same scripted
 * behaviours: answer + tokens + re-ask on the same thread, "call Codex, re-ask once", crash detected
 * at once, cancellation (turn/interrupt + process tree), approvals refused, and CODEX_TRANSPORT=auto.
 */
import { randomUUID } from 'node:crypto';
import { askCodex, codexRunOverrides, openCodex, resolveCodexTransport, type CodexSession, type CodexTransportKind } from '../../src/activities/codex-session';
import { CodexWorkerError } from '../../src/domain/errors';
import { buildCodexToolArguments, buildWorkerPrompt, WORKER_REASK_PROMPT } from '../../src/domain/prompts';
import { extractThreadId, extractToolText, parseWorkerResult } from '../../src/domain/worker-result';
import { transportForVersion } from '../../src/domain/codex-run-config';
import type { AgentScript } from '../../emulators/agent/script';
import { AGENT_EMULATOR, notRunning, waitForEsrch } from './support';
import { readProcTable } from '../../src/activities/process-tree';

const sessions: CodexSession[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((session) => session.close()));
});

async function open(transport: CodexTransportKind, script: AgentScript, env: Record<string, string> = {}): Promise<CodexSession> {
  const session = await openCodex({
    transport,
    command: AGENT_EMULATOR,
    mcpArgs: ['mcp-server'],
    extraArgs: codexRunOverrides(['MY_CREDENTIALS']),
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', AGENT_SCRIPT_JSON: JSON.stringify(script), ...env },
  });
  sessions.push(session);
  return session;
}

async function codexError(promise: Promise<unknown>): Promise<CodexWorkerError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(CodexWorkerError);
    return error as CodexWorkerError;
  }
  throw new Error('expected a CodexWorkerError');
}

/** A REVIEWER prompt whose backend is unreachable: the emulator answers INCOMPLETE for it without side effects. */
function reviewerArgs(runId: string) {
  const intent = {
    type: 'RUN_INTENT',
    role: 'REVIEWER',
    run_id: runId,
    endpoint: '/internal/reviewer/resolve-linked-pr',
    body: { role: 'REVIEWER', issue_number: 0, run_id: runId },
  };
  return buildCodexToolArguments('REVIEWER', buildWorkerPrompt('http://127.0.0.1:9', intent), 'ROLE: REVIEWER');
}

describe.each(['mcp', 'app-server'] as const)('CodexSession over %s (agent emulator)', (transport) => {
  test('first turn, tokens, re-ask on the same thread', async () => {
    const session = await open(transport, { defaults: { tokens: 4321, text: 'emulated final answer' } });
    expect(session.transport).toBe(transport);
    expect(session.serverVersion.version).toBe('0.153.4-emulator');
    const args = {
      prompt: 'say hi',
      'base-instructions': 'B',
      'developer-instructions': 'D',
      cwd: '.' as const,
      sandbox: 'read-only' as const,
      'approval-policy': 'never' as const,
    };
    const first = await session.start(args, { timeoutMs: 30_000 });
    expect(extractToolText(first)).toBe('emulated final answer');
    const threadId = extractThreadId(first);
    expect(session.tokensSoFar()).toBe(4321);
    const again = await session.reask(threadId, 'again please', { timeoutMs: 30_000 });
    expect(extractThreadId(again)).toBe(threadId);
    expect(extractToolText(again)).toBe('emulated final answer');
    expect(session.tokensSoFar()).toBe(4521);
  });

  test('askCodex: garbage, then valid JSON on the re-ask; garbage twice is worker_invalid_output', async () => {
    const runId = randomUUID();
    const parse = (text: string) => parseWorkerResult(text, { run_id: runId, role: 'REVIEWER' });
    const recovering = await open(transport, { defaults: { mode: 'garbage' } });
    const result = await askCodex(recovering, reviewerArgs(runId), { parse, reaskPrompt: WORKER_REASK_PROMPT, timeoutMs: 30_000, reaskTimeoutMs: 30_000 });
    expect(result).toMatchObject({ run_id: runId, role: 'REVIEWER', outcome: 'INCOMPLETE' });

    const stubborn = await open(transport, { defaults: { mode: 'garbage', reply: 'garbage' } });
    const error = await codexError(askCodex(stubborn, reviewerArgs(runId), { parse, reaskPrompt: WORKER_REASK_PROMPT, timeoutMs: 30_000, reaskTimeoutMs: 30_000 }));
    expect(error.code).toBe('worker_invalid_output');
  });

  test('a tool error is final (codex_tool_error, no re-ask)', async () => {
    const runId = randomUUID();
    const session = await open(transport, { defaults: { mode: 'isError' } });
    const error = await codexError(
      askCodex(session, reviewerArgs(runId), {
        parse: (text) => parseWorkerResult(text, { run_id: runId, role: 'REVIEWER' }),
        reaskPrompt: WORKER_REASK_PROMPT,
        timeoutMs: 30_000,
        reaskTimeoutMs: 30_000,
      }),
    );
    expect(error.code).toBe('codex_tool_error');
  });

  test('a crash mid-turn is detected at once (mcp_stdio_unavailable, exit code kept)', async () => {
    const session = await open(transport, { defaults: { mode: 'crash', thinkMs: 100 } });
    const started = Date.now();
    const error = await codexError(session.start(reviewerArgs(randomUUID()), { timeoutMs: 60_000 }));
    expect(error.code).toBe('mcp_stdio_unavailable');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(error.details['exit_code']).toBe(70);
    expect(session.exited).toBe(true);
  });

  test('cancellation: the turn ends mcp_cancelled, close() kills Codex and the child it started', async () => {
    const session = await open(transport, { defaults: { mode: 'hang', childProcess: true } });
    const controller = new AbortController();
    const pending = session.start(reviewerArgs(randomUUID()), { timeoutMs: 60_000, signal: controller.signal });
    // Wait for the SIGTERM-ignoring child to exist.
    let child: number | undefined;
    for (let i = 0; i < 100 && child === undefined; i += 1) {
      await new Promise((r) => setTimeout(r, 100));
      child = [...readProcTable().values()].find((p) => p.ppid === session.pid)?.pid;
    }
    expect(child).toBeDefined();
    controller.abort(new Error('watchdog'));
    expect((await codexError(pending)).code).toBe('mcp_cancelled');
    await session.close();
    expect(notRunning(session.pid)).toBe(true);
    expect(await waitForEsrch(child!, 8000)).toBe(true);
  });

  test('approval requests are refused', async () => {
    const runId = randomUUID();
    const session = await open(transport, { defaults: { elicit: true } });
    const result = await session.start(reviewerArgs(runId), { timeoutMs: 30_000 });
    const summary = parseWorkerResult(extractToolText(result), { run_id: runId, role: 'REVIEWER' }).summary;
    expect(summary).toContain(transport === 'mcp' ? '[elicitation decision: denied]' : '[elicitation decision: decline]');
  });
});

describe('CODEX_TRANSPORT=auto', () => {
  test('app-server for a release without mcp-server, MCP otherwise', async () => {
    expect(transportForVersion('codex-cli 0.153.4')).toBe('mcp');
    expect(transportForVersion('codex-cli 0.154.0')).toBe('app-server');
    expect(transportForVersion('codex-cli 0.171.0')).toBe('app-server');
    expect(transportForVersion(null)).toBe('mcp');
    const env = { PATH: process.env['PATH'] ?? '' };
    expect(await resolveCodexTransport('auto', AGENT_EMULATOR, env)).toBe('mcp');
    expect(await resolveCodexTransport('app-server', AGENT_EMULATOR, env)).toBe('app-server');
  });

  test('the emulator playing 0.171.0 refuses mcp-server like real codex: codex_version_unsupported', async () => {
    const error = await codexError(open('mcp', {}, { AGENT_EMULATOR_VERSION: '0.171.0-emulator' }));
    expect(error.code).toBe('codex_version_unsupported');
    const session = await open('app-server', { defaults: { text: 'fine' } }, { AGENT_EMULATOR_VERSION: '0.171.0-emulator' });
    expect(session.serverVersion.version).toBe('0.171.0-emulator');
  });
});
