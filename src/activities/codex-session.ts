/**
 * The CodexSession port: what a Codex run needs from Codex, whatever carries it — start a thread with
 * the role's sandbox / approval policy / cwd / base and developer instructions and run its first
 * turn, re-ask on the same thread, token usage so far, cancel (interrupt + kill the process tree).
 * Two implementations: MCP (`codex mcp-server`, ≤ 0.153.4; codex-mcp.ts) and app-server
 * (`codex app-server`; codex-app-server.ts). The worker activity and the kickoff planner both go
 * through `askCodex` ("call Codex, re-ask once").
 *
 * A turn's answer is returned in the MCP tool-result shape (`content`, `structuredContent {threadId,
 * content}`, `isError`), so domain/worker-result.ts reads both transports the same way.
 */
import { execFile } from 'node:child_process';
import { CodexWorkerError } from '../domain/errors';
import { codexRunConfig, codexRunOverrides, resolveTransportSetting, type CodexTransportKind, type CodexTransportSetting } from '../domain/codex-run-config';
import type { CodexToolArguments } from '../domain/prompts';
import { extractThreadId, extractToolText } from '../domain/worker-result';
import { openAppServerSession } from './codex-app-server';
import { openCodexSession as openMcpSession } from './codex-mcp';
import type { CodexTokenUsage } from './codex-process-session';

export type { CodexTransportKind, CodexTokenUsage };

export interface CodexTurnOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

/** An MCP `codex` tool result, or an app-server turn in that shape. */
export type CodexTurnResult = Record<string, unknown>;

export interface CodexSession {
  readonly transport: CodexTransportKind;
  readonly pid: number;
  readonly serverVersion: { name: string; version: string };
  /** New thread with the role's settings, first turn. Tool-level failures come back as `isError` results. */
  start(args: CodexToolArguments, options: CodexTurnOptions): Promise<CodexTurnResult>;
  /** Another turn on the same thread (same process). */
  reask(threadId: string, prompt: string, options: CodexTurnOptions): Promise<CodexTurnResult>;
  tokensSoFar(): number;
  /** Token usage by kind, summed over the process's threads (CodexTokenUsage). */
  tokenUsage(): CodexTokenUsage;
  readonly exited: boolean;
  /** Interrupts a running turn (app-server), then kills the process tree and waits for it. Idempotent. */
  close(): Promise<void>;
}

export interface OpenCodexOptions {
  transport: CodexTransportKind;
  command: string;
  /** Arguments of the MCP transport (CODEX_MCP_ARGS); the app-server transport runs `app-server`. */
  mcpArgs: readonly string[];
  /** Extra arguments for both (the per-run `-c` overrides). */
  extraArgs?: readonly string[];
  /** Per-thread Codex config (dotted keys): the MCP tool's `config`, app-server `thread/start.config`. */
  runConfig?: Record<string, unknown>;
  env: Readonly<Record<string, string>>;
  cwd?: string;
  handshakeTimeoutMs?: number;
  killGraceMs?: number;
  onStderrLine?: (line: string) => void;
  /** An approval / elicitation request Codex sent; it was refused. */
  onApprovalDenied?: (message: string) => void;
  onProtocolError?: (error: Error) => void;
  /** A shell command Codex ran finished: the command line and its output (claim runs read their claim from it). */
  onCommandFinished?: (command: string, output: string | null) => void;
}

export async function openCodex(options: OpenCodexOptions): Promise<CodexSession> {
  const extra = options.extraArgs ?? [];
  // What both transports take unchanged.
  const processOptions = {
    command: options.command,
    env: options.env,
    cwd: options.cwd,
    handshakeTimeoutMs: options.handshakeTimeoutMs,
    killGraceMs: options.killGraceMs,
    onStderrLine: options.onStderrLine,
    onProtocolError: options.onProtocolError,
  };
  if (options.transport === 'app-server') {
    const session = await openAppServerSession({
      ...processOptions,
      args: ['app-server', ...extra],
      onCommandFinished: options.onCommandFinished,
      onApprovalDenied: (method, params) => {
        const command = (params as { command?: unknown } | null)?.command;
        options.onApprovalDenied?.(`${method}${typeof command === 'string' ? `: ${command}` : ''}`);
      },
    });
    return asCodexSession('app-server', session, {
      start: (args, turn) =>
        session.startThread(
          {
            config: options.runConfig,
            prompt: args.prompt,
            baseInstructions: args['base-instructions'],
            developerInstructions: args['developer-instructions'],
            cwd: args.cwd,
            sandbox: args.sandbox,
            approvalPolicy: args['approval-policy'],
          },
          turn,
        ),
      reask: (threadId, prompt, turn) => session.reask(threadId, prompt, turn),
    });
  }
  const session = await openMcpSession({
    ...processOptions,
    args: [...options.mcpArgs, ...extra],
    onElicitation: (request) => options.onApprovalDenied?.(request.message),
    onEvent:
      options.onCommandFinished &&
      ((msg) => {
        if (msg.type !== 'exec_command_end') return;
        const command = Array.isArray(msg['command']) ? msg['command'].map(String).join(' ') : String(msg['command'] ?? '');
        const output = msg['aggregated_output'] ?? msg['stdout'];
        options.onCommandFinished!(command, typeof output === 'string' ? output : null);
      }),
  });
  return asCodexSession('mcp', session, {
    start: async (args, turn) => (await session.callCodex({ ...args, ...(options.runConfig ? { config: options.runConfig } : {}) }, turn)) as CodexTurnResult,
    reask: async (threadId, prompt, turn) => (await session.reply(threadId, prompt, turn)) as CodexTurnResult,
  });
}

type ProcessSide = Pick<CodexSession, 'pid' | 'serverVersion' | 'exited' | 'tokensSoFar' | 'tokenUsage' | 'close'>;

/** The port over one transport's session: the process side is the same for both, the turns are the transport's. */
function asCodexSession(transport: CodexTransportKind, session: ProcessSide, turns: Pick<CodexSession, 'start' | 'reask'>): CodexSession {
  return {
    transport,
    get pid() {
      return session.pid;
    },
    get serverVersion() {
      return session.serverVersion;
    },
    get exited() {
      return session.exited;
    },
    tokensSoFar: () => session.tokensSoFar(),
    tokenUsage: () => session.tokenUsage(),
    close: () => session.close(),
    ...turns,
  };
}

export interface AskCodexOptions<T> {
  parse: (text: string) => T;
  reaskPrompt: string;
  timeoutMs: number;
  reaskTimeoutMs: number;
  signal?: AbortSignal;
}

/**
 * Call Codex, re-ask once: the first turn's text is parsed; on any CodexWorkerError but a tool error
 * (`codex_tool_error`: Codex itself failed) the re-ask prompt is sent as a second turn on the same
 * thread and its text is parsed — a second failure is final.
 */
export async function askCodex<T>(session: CodexSession, args: CodexToolArguments, options: AskCodexOptions<T>): Promise<T> {
  const result = await session.start(args, { timeoutMs: options.timeoutMs, signal: options.signal });
  const threadId = extractThreadId(result);
  try {
    return options.parse(extractToolText(result));
  } catch (err) {
    if (!(err instanceof CodexWorkerError) || err.code === 'codex_tool_error') throw err;
    const reply = await session.reask(threadId, options.reaskPrompt, { timeoutMs: options.reaskTimeoutMs, signal: options.signal });
    return options.parse(extractToolText(reply));
  }
}

const versionCache = new Map<string, Promise<string | null>>();

/** `codex --version` of a binary, once per binary and process (null: it does not run). */
export function codexVersionOutput(command: string, env: Readonly<Record<string, string>>): Promise<string | null> {
  let cached = versionCache.get(command);
  if (!cached) {
    cached = new Promise((resolve) => {
      execFile(command, ['--version'], { timeout: 10_000, env: { ...env } }, (err, stdout) => resolve(err ? null : String(stdout)));
    });
    versionCache.set(command, cached);
  }
  return cached;
}

/** CODEX_TRANSPORT resolved for this binary (`auto`: app-server when it has no mcp-server). */
export async function resolveCodexTransport(setting: CodexTransportSetting, command: string, env: Readonly<Record<string, string>>): Promise<CodexTransportKind> {
  if (setting !== 'auto') return setting;
  return resolveTransportSetting(setting, await codexVersionOutput(command, env));
}

export { codexRunConfig, codexRunOverrides };
