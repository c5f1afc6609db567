/**
 * One `codex mcp-server` process per work item, driven through the MCP SDK Client over a transport
 * that owns the child process (process group, explicit env, drained stderr).
 *
 * Failures surface as CodexWorkerError with the runner's codes (../../docs/spec/runner-behaviour.md §3.2, §3.9):
 * codex_spawn_failed, mcp_protocol_mismatch, mcp_invalid_tools, mcp_missing_codex_tool,
 * mcp_missing_codex_reply_tool, mcp_timeout, mcp_error_response, mcp_invalid_result,
 * mcp_stdio_unavailable, mcp_cancelled, codex_version_unsupported.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CallToolResultSchema, ErrorCode, ListToolsResultSchema, McpError, type CallToolResult, type Implementation, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { CodexWorkerError } from '../domain/errors';
import { CodexProcessSession, tokenUsageOf, type CodexTokenUsage } from './codex-process-session';
import { ChildProcessTransport, OversizedMessageError, type ChildExit } from './codex-stdio-transport';

export { assertCodexVersionSupportsMcpServer, parseCodexVersion } from '../domain/codex-version';
export type { CallToolResult };
/** @deprecated name kept for the MCP tests: McpCodexSession. */
export type CodexSession = McpCodexSession;

export const CODEX_CLIENT_NAME = 'sprint-runner';
const CLIENT_VERSION = '0.1.0';
const MAX_TIMER_MS = 2_147_483_647;

/** Arguments of the `codex` tool as of 0.150–0.153.4 (unknown keys are rejected by the server). */
export interface CodexToolArguments {
  prompt: string;
  model?: string;
  cwd?: string;
  'approval-policy'?: 'on-request' | 'never';
  sandbox?: 'read-only' | 'workspace-write' | 'danger-full-access';
  config?: Record<string, unknown>;
  'base-instructions'?: string;
  'developer-instructions'?: string;
  'compact-prompt'?: string;
}

/** A `codex/event` payload: `msg.type` plus whatever fields that event carries. */
export type CodexEventMsg = { type: string } & Record<string, unknown>;

export interface CodexElicitation {
  /** Server-side JSON-RPC id of the elicitation request. */
  id: string | number;
  message: string;
  /** All params, including codex_* fields (codex_elicitation, codex_command, codex_cwd, …). */
  params: Record<string, unknown>;
  decision: 'denied';
}

export interface OpenCodexSessionOptions {
  command: string;
  args: readonly string[];
  /** Complete environment of the child (an allowlist built by the caller); nothing else is inherited. */
  env: Readonly<Record<string, string>>;
  cwd?: string;
  clientInfo?: Implementation;
  /** Timeout of the initialize handshake and of tools/list (default 30 s each). */
  handshakeTimeoutMs?: number;
  /** Largest accepted JSON-RPC line from the server (default 64 MiB). */
  maxMessageBytes?: number;
  /** SIGTERM → SIGKILL grace on close (default 1.5 s). */
  killGraceMs?: number;
  onEvent?: (msg: CodexEventMsg, requestId: string | number | undefined, threadId: string | undefined) => void;
  onStderrLine?: (line: string) => void;
  onElicitation?: (elicitation: CodexElicitation) => void;
  /** A non-JSON (or non-JSON-RPC) stdout line; it is skipped and the session continues. */
  onStdoutNoise?: (line: string, error: Error) => void;
  /** Any other out-of-band protocol problem the SDK reports (unknown response ids, handler errors, …). */
  onProtocolError?: (error: Error) => void;
}

export interface CodexCallOptions {
  /** Hard limit for this call; required, the SDK's 60 s default never applies. */
  timeoutMs: number;
  /** Abort (e.g. activity cancellation): the SDK sends notifications/cancelled and the call rejects with mcp_cancelled. */
  signal?: AbortSignal;
  /** Optional watchdog: fail with mcp_timeout when no codex/event arrives for this long. */
  idleTimeoutMs?: number;
}

/** The MCP transport's own session (the CodexSession port of codex-session.ts wraps it). */
export interface McpCodexSession {
  readonly pid: number;
  readonly serverVersion: Implementation;
  readonly protocolVersion: string;
  readonly tools: readonly Tool[];
  readonly hasCodexReply: boolean;
  /** `tools/call codex`. Tool-level failures come back as `isError: true` results, not as exceptions. */
  callCodex(args: CodexToolArguments, options: CodexCallOptions): Promise<CallToolResult>;
  /** `tools/call codex-reply` on a thread of this same process. */
  reply(threadId: string, prompt: string, options: CodexCallOptions): Promise<CallToolResult>;
  /** Sum over threads of the latest `token_count` total_token_usage.total_tokens. */
  tokensSoFar(): number;
  /** Sum over threads of the latest `token_count` total_token_usage (input, output, … and total). */
  tokenUsage(): CodexTokenUsage;
  /** Whether the server process has exited (crash or close). */
  readonly exited: boolean;
  readonly exit: ChildExit | undefined;
  /** Kills the whole process group (SIGTERM, grace, SIGKILL) and waits until the child is reaped. Idempotent. */
  close(): Promise<void>;
}

const RequestIdSchema = z.union([z.string(), z.number()]);

const CodexEventNotificationSchema = z.object({
  method: z.literal('codex/event'),
  params: z.looseObject({
    _meta: z.looseObject({ requestId: RequestIdSchema.optional(), threadId: z.string().optional() }).optional(),
    id: z.string().optional(),
    msg: z.looseObject({ type: z.string() }),
  }),
});

/** Same method as the SDK's ElicitRequestSchema, but keeps codex_* params instead of stripping them. */
const CodexElicitRequestSchema = z.object({
  method: z.literal('elicitation/create'),
  params: z.looseObject({ message: z.string().optional() }),
});

function numberOrUndefined(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function validateTimeout(name: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > MAX_TIMER_MS) {
    throw new CodexWorkerError('codex_invalid_call_options', `${name} must be a positive number of milliseconds ≤ ${MAX_TIMER_MS}`, { [name]: value });
  }
  return value;
}

interface CallContext {
  method: string;
  tool?: string;
  timeoutMs: number;
  signal?: AbortSignal;
  idleFired?: boolean;
  idleTimeoutMs?: number;
}

class Session extends CodexProcessSession implements McpCodexSession {
  serverVersion!: Implementation;
  protocolVersion!: string;
  tools: Tool[] = [];
  private readonly eventListeners = new Set<() => void>();

  constructor(
    private readonly client: Client,
    transport: ChildProcessTransport,
    private readonly options: OpenCodexSessionOptions,
  ) {
    super(transport);
  }

  get hasCodexReply(): boolean {
    return this.tools.some((tool) => tool.name === 'codex-reply');
  }

  handleEvent(params: z.infer<typeof CodexEventNotificationSchema>['params']): void {
    const msg = params.msg as CodexEventMsg;
    const threadId = params._meta?.threadId;
    if (msg.type === 'token_count') {
      const info = msg['info'] as { total_token_usage?: Record<string, unknown> } | null | undefined;
      const usage = info?.total_token_usage;
      const total = numberOrUndefined(usage?.total_tokens);
      if (total !== undefined) {
        this.tokensByThread.set(
          threadId ?? '',
          tokenUsageOf({
            input: usage?.input_tokens,
            cachedInput: usage?.cached_input_tokens,
            output: usage?.output_tokens,
            reasoningOutput: usage?.reasoning_output_tokens,
            total,
          }),
        );
      }
    }
    for (const listener of this.eventListeners) listener();
    this.options.onEvent?.(msg, params._meta?.requestId, threadId);
  }

  callCodex(args: CodexToolArguments, options: CodexCallOptions): Promise<CallToolResult> {
    return this.callTool('codex', { ...args } as Record<string, unknown>, options);
  }

  reply(threadId: string, prompt: string, options: CodexCallOptions): Promise<CallToolResult> {
    if (!this.hasCodexReply) {
      return Promise.reject(
        new CodexWorkerError('mcp_missing_codex_reply_tool', 'codex mcp server does not offer the codex-reply tool', {
          tools: this.tools.map((tool) => tool.name),
          server: this.serverVersion,
        }),
      );
    }
    return this.callTool('codex-reply', { threadId, prompt }, options);
  }

  private async callTool(name: string, args: Record<string, unknown>, options: CodexCallOptions): Promise<CallToolResult> {
    const timeoutMs = validateTimeout('timeoutMs', options.timeoutMs);
    const idleTimeoutMs = options.idleTimeoutMs === undefined ? undefined : validateTimeout('idleTimeoutMs', options.idleTimeoutMs);
    const context: CallContext = { method: 'tools/call', tool: name, timeoutMs, signal: options.signal, idleTimeoutMs };
    if (options.signal?.aborted) throw this.toCodexError(options.signal.reason, context);
    if (this.exited) throw this.unavailable(context, 'codex mcp server is not running');

    const controller = new AbortController();
    const onAbort = () => controller.abort(options.signal?.reason);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    let idleTimer: NodeJS.Timeout | undefined;
    const kick = () => {
      if (idleTimeoutMs === undefined) return;
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => {
        context.idleFired = true;
        controller.abort(new Error(`no codex/event for ${idleTimeoutMs} ms`));
      }, idleTimeoutMs);
    };
    kick();
    if (idleTimeoutMs !== undefined) this.eventListeners.add(kick);
    try {
      return (await this.client.callTool({ name, arguments: args }, CallToolResultSchema, {
        timeout: timeoutMs,
        signal: controller.signal,
      })) as CallToolResult;
    } catch (error) {
      throw this.toCodexError(error, context);
    } finally {
      clearTimeout(idleTimer);
      this.eventListeners.delete(kick);
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  unavailable(context: CallContext, message: string): CodexWorkerError {
    return new CodexWorkerError('mcp_stdio_unavailable', message, { method: context.method, tool: context.tool ?? null, ...this.diagnostics() });
  }

  toCodexError(error: unknown, context: CallContext): CodexWorkerError {
    if (error instanceof CodexWorkerError) return error;
    const fatal = this.transport.fatalError;
    if (fatal instanceof OversizedMessageError) {
      return new CodexWorkerError('mcp_invalid_result', fatal.message, { method: context.method, tool: context.tool ?? null });
    }
    if (context.signal?.aborted) {
      const reason = context.signal.reason;
      return new CodexWorkerError('mcp_cancelled', `mcp call cancelled: ${reason instanceof Error ? reason.message : String(reason)}`, {
        method: context.method,
        tool: context.tool ?? null,
      });
    }
    if (context.idleFired) {
      return new CodexWorkerError('mcp_timeout', `mcp call idle for ${context.idleTimeoutMs} ms (no codex/event)`, {
        method: context.method,
        tool: context.tool ?? null,
        idle_timeout_ms: context.idleTimeoutMs,
        idle: true,
      });
    }
    if (error instanceof McpError) {
      if (error.code === ErrorCode.ConnectionClosed) {
        return this.unavailable(context, 'codex mcp server closed the connection (process exited or stdout closed)');
      }
      if (error.code === ErrorCode.RequestTimeout) {
        return new CodexWorkerError('mcp_timeout', 'mcp call timed out', {
          method: context.method,
          tool: context.tool ?? null,
          timeout_ms: context.timeoutMs,
        });
      }
      return new CodexWorkerError('mcp_error_response', `mcp server returned an error: ${error.message}`, {
        method: context.method,
        tool: context.tool ?? null,
        error: { code: error.code, message: error.message, data: error.data ?? null },
      });
    }
    if (error instanceof z.ZodError) {
      return new CodexWorkerError('mcp_invalid_result', 'mcp server returned a malformed result', {
        method: context.method,
        tool: context.tool ?? null,
        issues: error.issues.slice(0, 10),
      });
    }
    const message = error instanceof Error ? error.message : String(error);
    if (this.exited || /not connected/i.test(message)) return this.unavailable(context, `codex mcp server is unavailable: ${message}`);
    return new CodexWorkerError('codex_worker_error', message, { method: context.method, tool: context.tool ?? null });
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}

/** Spawns the server, runs initialize + tools/list, and checks that the `codex` tool exists. */
export async function openCodexSession(options: OpenCodexSessionOptions): Promise<McpCodexSession> {
  const handshakeTimeoutMs = validateTimeout('handshakeTimeoutMs', options.handshakeTimeoutMs ?? 30_000);
  // The process options (command, args, env, cwd, limits, stderr/noise callbacks) have the transport's names.
  const transport = new ChildProcessTransport({ ...options, wire: 'mcp' });
  const client = new Client(options.clientInfo ?? { name: CODEX_CLIENT_NAME, version: CLIENT_VERSION }, {
    capabilities: { elicitation: {} },
  });
  const session = new Session(client, transport, options);
  client.onerror = (error) => options.onProtocolError?.(error);
  client.setNotificationHandler(CodexEventNotificationSchema, (notification) => session.handleEvent(notification.params));
  client.setRequestHandler(CodexElicitRequestSchema, (request, extra) => {
    const params = request.params as Record<string, unknown>;
    try {
      options.onElicitation?.({
        id: extra.requestId,
        message: typeof params['message'] === 'string' ? params['message'] : '',
        params,
        decision: 'denied',
      });
    } catch {
      // logging must not change the answer
    }
    // codex reads `decision`; `action` satisfies the SDK's ElicitResult validation.
    return { action: 'decline' as const, decision: 'denied' };
  });

  const fail = async (error: CodexWorkerError): Promise<never> => {
    await transport.close();
    (error.details as Record<string, unknown>)['pid'] ??= transport.pid ?? null;
    throw error;
  };

  try {
    await client.connect(transport, { timeout: handshakeTimeoutMs });
  } catch (error) {
    if (error instanceof CodexWorkerError) return fail(error);
    const message = error instanceof Error ? error.message : String(error);
    const versionMatch = /protocol version is not supported: (.*)$/.exec(message);
    if (versionMatch) {
      return fail(
        new CodexWorkerError('mcp_protocol_mismatch', 'mcp protocol version mismatch', {
          actual: versionMatch[1],
          supported: 'see @modelcontextprotocol/sdk SUPPORTED_PROTOCOL_VERSIONS',
        }),
      );
    }
    await transport.close();
    const tail = transport.stderrTail();
    if (tail.some((line) => /stdin is not a terminal/i.test(line))) {
      throw new CodexWorkerError(
        'codex_version_unsupported',
        '`codex mcp-server` did not start an MCP server (stderr: "stdin is not a terminal"): this codex has no mcp-server (removed in 0.154.0). Pin @openai/codex@0.153.4.',
        { command: options.command, args: [...options.args], stderr_tail: tail.slice(-15) },
      );
    }
    throw session.toCodexError(error, { method: 'initialize', timeoutMs: handshakeTimeoutMs });
  }

  const server = client.getServerVersion();
  session.serverVersion = server ?? { name: 'unknown', version: 'unknown' };
  session.protocolVersion = transport.protocolVersion ?? 'unknown';

  let listed: unknown;
  try {
    // A plain request rather than client.listTools(): that would cache outputSchema validators and make
    // the SDK reject results of servers that omit structuredContent.
    listed = await client.request({ method: 'tools/list', params: {} }, z.unknown(), { timeout: handshakeTimeoutMs });
  } catch (error) {
    return fail(session.toCodexError(error, { method: 'tools/list', timeoutMs: handshakeTimeoutMs }));
  }
  const parsed = ListToolsResultSchema.safeParse(listed);
  if (!parsed.success) {
    return fail(
      new CodexWorkerError('mcp_invalid_tools', 'mcp tools/list result has no valid tools array', {
        result: JSON.stringify(listed)?.slice(0, 2000) ?? null,
      }),
    );
  }
  session.tools = parsed.data.tools;
  if (!session.tools.some((tool) => tool.name === 'codex')) {
    return fail(
      new CodexWorkerError('mcp_missing_codex_tool', 'mcp server does not offer the codex tool', {
        tools: session.tools.map((tool) => tool.name),
        server: session.serverVersion,
      }),
    );
  }
  return session;
}

/** Opens a session, runs `fn`, and always closes (kills) the server process afterwards. */
export async function withCodexSession<T>(options: OpenCodexSessionOptions, fn: (session: McpCodexSession) => Promise<T>): Promise<T> {
  const session = await openCodexSession(options);
  try {
    return await fn(session);
  } finally {
    await session.close();
  }
}
