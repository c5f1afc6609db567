/**
 * One `codex app-server` process per run, driven over stdio JSON-RPC (the interface OpenAI recommends
 * for programs; `codex mcp-server` was removed in 0.154.0). Flow: `initialize` → `initialized` →
 * `thread/start` (cwd, `approvalPolicy: "never"`, sandbox, base and developer instructions) →
 * `turn/start` → `item/*`, `thread/tokenUsage/updated`, `turn/completed`. A re-ask is a second
 * `turn/start` on the same thread. Cancellation: `turn/interrupt`, then the caller kills the process
 * tree (ChildProcessTransport.close()).
 *
 * Every incoming message is validated (src/codex-protocol/app-server-messages.ts, pinned to the types
 * generated from the binary). Approval requests are always refused. Failures are CodexWorkerErrors
 * with the same codes as the MCP transport (mcp_timeout, mcp_stdio_unavailable, mcp_cancelled,
 * mcp_error_response, mcp_invalid_result, codex_version_unsupported), so the item workflow classifies
 * both transports alike.
 */
import { resolve as resolvePath } from 'node:path';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import {
  AgentMessageItemSchema,
  AppServerEnvelopeSchema,
  CommandExecutionItemSchema,
  DENIALS,
  ErrorNotificationSchema,
  InitializeResponseSchema,
  ItemCompletedSchema,
  ThreadStartResponseSchema,
  TokenUsageUpdatedSchema,
  TurnCompletedSchema,
  TurnStartResponseSchema,
  type InitializeParams,
  type ThreadStartParams,
  type TurnInterruptParams,
  type TurnStartParams,
} from '../codex-protocol/app-server-messages';
import { CodexWorkerError } from '../domain/errors';
import { CodexProcessSession, tokenUsageOf } from './codex-process-session';
import { ChildProcessTransport } from './codex-stdio-transport';

const CLIENT_NAME = 'sprint-runner';
const CLIENT_VERSION = '0.1.0';
const MAX_TIMER_MS = 2_147_483_647;
const INTERRUPT_WAIT_MS = 2_000;

export interface AppServerThreadArguments {
  prompt: string;
  baseInstructions: string;
  developerInstructions: string;
  /** Resolved against the session's cwd (the worker's when not given), like mcp-server resolves `cwd`. */
  cwd: string;
  sandbox: 'read-only' | 'workspace-write';
  approvalPolicy: 'never';
  /** Per-thread config overrides (dotted keys). */
  config?: Record<string, unknown>;
}

export interface AppServerCallOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

/** A turn's answer, in the shape of the MCP `codex` tool result so one parser reads both. */
export interface AppServerTurnResult {
  [key: string]: unknown;
  content: { type: 'text'; text: string }[];
  structuredContent: { threadId: string; content: string };
  isError?: boolean;
}

export interface OpenAppServerOptions {
  command: string;
  args: readonly string[];
  env: Readonly<Record<string, string>>;
  cwd?: string;
  handshakeTimeoutMs?: number;
  maxMessageBytes?: number;
  killGraceMs?: number;
  /** Every valid notification (method + params), e.g. for logs. */
  onNotification?: (method: string, params: unknown) => void;
  onStderrLine?: (line: string) => void;
  /** A server→client approval/elicitation request that was refused. */
  onApprovalDenied?: (method: string, params: unknown) => void;
  onStdoutNoise?: (line: string, error: Error) => void;
  /** A message that failed validation, or another protocol problem; the session goes on. */
  onProtocolError?: (error: Error) => void;
  /** A commandExecution item completed: its command line and aggregated output. */
  onCommandFinished?: (command: string, output: string | null) => void;
}

interface Pending {
  method: string;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

interface ActiveTurn {
  threadId: string;
  turnId?: string;
  lastText: string | null;
  lastError: string | null;
  done: (outcome: { status: string; error: string | null; items: { type: string; text?: unknown }[] }) => void;
  fail: (error: CodexWorkerError) => void;
}

function validateTimeout(name: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > MAX_TIMER_MS) {
    throw new CodexWorkerError('codex_invalid_call_options', `${name} must be a positive number of milliseconds ≤ ${MAX_TIMER_MS}`, { [name]: value });
  }
  return value;
}

export class AppServerSession extends CodexProcessSession {
  serverVersion = { name: 'codex-app-server', version: 'unknown' };
  userAgent = '';
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private active: ActiveTurn | null = null;
  private closedReason: string | null = null;

  constructor(
    transport: ChildProcessTransport,
    private readonly options: OpenAppServerOptions,
  ) {
    super(transport);
  }

  unavailable(method: string, message: string): CodexWorkerError {
    return new CodexWorkerError('mcp_stdio_unavailable', message, { method, transport: 'app-server', ...this.diagnostics() });
  }

  // ---- wire ----

  handleMessage(raw: unknown): void {
    const envelope = AppServerEnvelopeSchema.safeParse(raw);
    if (!envelope.success) {
      this.options.onProtocolError?.(new Error(`invalid app-server message: ${JSON.stringify(raw).slice(0, 300)}`));
      return;
    }
    const message = envelope.data as Record<string, unknown>;
    const hasId = message['id'] !== undefined && message['id'] !== null;
    if (typeof message['method'] === 'string') {
      if (hasId) void this.answerServerRequest(message['id'] as string | number, message['method'], message['params']);
      else this.handleNotification(message['method'], message['params']);
      return;
    }
    const pending = typeof message['id'] === 'number' ? this.pending.get(message['id']) : undefined;
    if (!pending) {
      this.options.onProtocolError?.(new Error(`app-server response to an unknown request id ${String(message['id'])}`));
      return;
    }
    this.pending.delete(message['id'] as number);
    if ('error' in message) {
      const error = message['error'] as { code: number; message: string; data?: unknown };
      pending.reject(
        new CodexWorkerError('mcp_error_response', `app-server returned an error for ${pending.method}: ${error.message}`, {
          method: pending.method,
          transport: 'app-server',
          error: { code: error.code, message: error.message, data: error.data ?? null },
        }),
      );
    } else {
      pending.resolve(message['result']);
    }
  }

  private async answerServerRequest(id: string | number, method: string, params: unknown): Promise<void> {
    const denial = (DENIALS as Record<string, unknown>)[method];
    try {
      this.options.onApprovalDenied?.(method, params);
    } catch {
      // logging must not change the answer
    }
    const reply = denial !== undefined ? { id, result: denial } : { id, error: { code: -32601, message: `sprint-runner does not handle ${method}` } };
    await this.transport.send(reply as unknown as JSONRPCMessage).catch(() => undefined);
  }

  private handleNotification(method: string, params: unknown): void {
    const parse = <S extends z.ZodType>(schema: S): z.infer<S> | null => {
      const parsed = schema.safeParse(params);
      if (parsed.success) return parsed.data;
      this.options.onProtocolError?.(
        new Error(
          `invalid ${method} notification: ${parsed.error.issues
            .slice(0, 3)
            .map((i) => `${i.path.join('.')}: ${i.message}`)
            .join('; ')}`,
        ),
      );
      return null;
    };
    const active = this.active;
    switch (method) {
      case 'thread/tokenUsage/updated': {
        const usage = parse(TokenUsageUpdatedSchema);
        if (usage) {
          const total = usage.tokenUsage.total;
          this.tokensByThread.set(
            usage.threadId,
            tokenUsageOf({
              input: total['inputTokens'],
              cachedInput: total['cachedInputTokens'],
              output: total['outputTokens'],
              reasoningOutput: total['reasoningOutputTokens'],
              total: total.totalTokens,
            }),
          );
        }
        break;
      }
      case 'item/completed': {
        const item = parse(ItemCompletedSchema);
        if (!item || !active || item.threadId !== active.threadId || (active.turnId && item.turnId !== active.turnId)) break;
        const message = AgentMessageItemSchema.safeParse(item.item);
        if (message.success) active.lastText = message.data.text;
        const command = CommandExecutionItemSchema.safeParse(item.item);
        if (command.success) this.options.onCommandFinished?.(command.data.command, command.data.aggregatedOutput);
        break;
      }
      case 'error': {
        const error = parse(ErrorNotificationSchema);
        if (error && active && error.threadId === active.threadId && !error.willRetry) active.lastError = error.error.message;
        break;
      }
      case 'turn/completed': {
        const completed = parse(TurnCompletedSchema);
        if (!completed || !active || completed.threadId !== active.threadId) break;
        if (active.turnId && completed.turn.id !== active.turnId) break;
        active.done({ status: completed.turn.status, error: completed.turn.error?.message ?? null, items: completed.turn.items });
        break;
      }
      default:
        break;
    }
    try {
      this.options.onNotification?.(method, params);
    } catch {
      // a listener must not break the session
    }
  }

  handleClose(): void {
    this.closedReason ??= 'codex app-server closed the connection (process exited or stdout closed)';
    for (const [id, pending] of this.pending) {
      this.pending.delete(id);
      pending.reject(this.unavailable(pending.method, this.closedReason));
    }
    this.active?.fail(this.unavailable('turn/start', this.closedReason));
  }

  request<S extends z.ZodType>(method: string, params: unknown, schema: S, timeoutMs: number, signal?: AbortSignal): Promise<z.infer<S>> {
    if (this.exited || this.closedReason) return Promise.reject(this.unavailable(method, 'codex app-server is not running'));
    const id = this.nextId++;
    return new Promise<z.infer<S>>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.pending.delete(id);
      };
      const onAbort = () => {
        finish();
        reject(new CodexWorkerError('mcp_cancelled', `app-server ${method} cancelled`, { method, transport: 'app-server' }));
      };
      timer = setTimeout(() => {
        finish();
        reject(new CodexWorkerError('mcp_timeout', `app-server ${method} timed out`, { method, transport: 'app-server', timeout_ms: timeoutMs }));
      }, timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        method,
        resolve: (value) => {
          finish();
          const parsed = schema.safeParse(value);
          if (parsed.success) resolve(parsed.data);
          else
            reject(
              new CodexWorkerError('mcp_invalid_result', `app-server ${method} returned a malformed result`, {
                method,
                transport: 'app-server',
                issues: parsed.error.issues.slice(0, 10),
              }),
            );
        },
        reject: (error) => {
          finish();
          reject(error);
        },
      });
      this.transport.send({ id, method, params } as unknown as JSONRPCMessage).catch((error: Error) => {
        finish();
        reject(this.unavailable(method, `could not write to codex app-server: ${error.message}`));
      });
    });
  }

  private notify(method: string, params?: unknown): Promise<void> {
    return this.transport.send((params === undefined ? { method } : { method, params }) as unknown as JSONRPCMessage);
  }

  // ---- turns ----

  /** `thread/start` with the role's settings, then the first turn. */
  async startThread(args: AppServerThreadArguments, options: AppServerCallOptions): Promise<AppServerTurnResult> {
    const timeoutMs = validateTimeout('timeoutMs', options.timeoutMs);
    const params: ThreadStartParams = {
      cwd: resolvePath(this.options.cwd ?? process.cwd(), args.cwd),
      approvalPolicy: args.approvalPolicy,
      sandbox: args.sandbox,
      baseInstructions: args.baseInstructions,
      developerInstructions: args.developerInstructions,
      ...(args.config ? { config: args.config as ThreadStartParams['config'] } : {}),
    };
    const started = await this.request('thread/start', params, ThreadStartResponseSchema, Math.min(timeoutMs, 60_000), options.signal);
    return this.turn(started.thread.id, args.prompt, timeoutMs, options.signal);
  }

  /** A further turn on the same thread (the re-ask). */
  reask(threadId: string, prompt: string, options: AppServerCallOptions): Promise<AppServerTurnResult> {
    return this.turn(threadId, prompt, validateTimeout('timeoutMs', options.timeoutMs), options.signal);
  }

  private async turn(threadId: string, prompt: string, timeoutMs: number, signal?: AbortSignal): Promise<AppServerTurnResult> {
    if (signal?.aborted) throw new CodexWorkerError('mcp_cancelled', 'app-server turn cancelled before it started', { transport: 'app-server' });
    if (this.active) throw new CodexWorkerError('codex_invalid_call_options', 'one turn at a time per session', { transport: 'app-server' });
    const deadline = Date.now() + timeoutMs;
    let settle!: { done: ActiveTurn['done']; fail: ActiveTurn['fail'] };
    const outcome = new Promise<Parameters<ActiveTurn['done']>[0]>((resolve, reject) => {
      settle = { done: resolve, fail: reject };
    });
    outcome.catch(() => undefined);
    const active: ActiveTurn = { threadId, lastText: null, lastError: null, done: (o) => settle.done(o), fail: (e) => settle.fail(e) };
    this.active = active;
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => active.fail(new CodexWorkerError('mcp_cancelled', 'app-server turn cancelled', { method: 'turn/start', transport: 'app-server' }));
    try {
      const params: TurnStartParams = { threadId, input: [{ type: 'text', text: prompt, text_elements: [] }] };
      const started = await this.request('turn/start', params, TurnStartResponseSchema, Math.max(1, Math.min(deadline - Date.now(), 60_000)), signal);
      active.turnId = started.turn.id;
      signal?.addEventListener('abort', onAbort, { once: true });
      if (signal?.aborted) onAbort();
      timer = setTimeout(
        () =>
          active.fail(
            new CodexWorkerError('mcp_timeout', 'app-server turn timed out', {
              method: 'turn/start',
              transport: 'app-server',
              timeout_ms: timeoutMs,
            }),
          ),
        Math.max(1, deadline - Date.now()),
      );
      let result: Parameters<ActiveTurn['done']>[0];
      try {
        result = await outcome;
      } catch (error) {
        if (error instanceof CodexWorkerError && (error.code === 'mcp_timeout' || error.code === 'mcp_cancelled')) await this.interrupt(threadId, started.turn.id);
        throw error;
      }
      if (result.status === 'completed') {
        const fromItems = [...result.items].reverse().find((item) => item.type === 'agentMessage' && typeof item.text === 'string');
        const text = active.lastText ?? (fromItems?.text as string | undefined) ?? '';
        return { content: [{ type: 'text', text }], structuredContent: { threadId, content: text } };
      }
      if (result.status === 'failed') {
        const text = result.error ?? active.lastError ?? 'codex turn failed';
        return { isError: true, content: [{ type: 'text', text }], structuredContent: { threadId, content: text } };
      }
      throw new CodexWorkerError('mcp_cancelled', `app-server turn ended ${result.status}`, { method: 'turn/start', transport: 'app-server', status: result.status });
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      this.active = null;
    }
  }

  /** `turn/interrupt`, waiting briefly for the answer; the process is killed afterwards anyway. */
  async interrupt(threadId: string, turnId: string): Promise<void> {
    if (this.exited) return;
    const params: TurnInterruptParams = { threadId, turnId };
    await this.request('turn/interrupt', params, z.unknown(), INTERRUPT_WAIT_MS).catch(() => undefined);
  }

  /** Interrupts the running turn, if any, then kills the process tree. Idempotent. */
  async close(): Promise<void> {
    const active = this.active;
    if (active?.turnId && !this.exited) await this.interrupt(active.threadId, active.turnId);
    this.closedReason ??= 'codex app-server session closed';
    await this.transport.close();
  }

  async handshake(timeoutMs: number): Promise<void> {
    const params: InitializeParams = { clientInfo: { name: CLIENT_NAME, title: null, version: CLIENT_VERSION }, capabilities: null };
    const init = await this.request('initialize', params, InitializeResponseSchema, timeoutMs);
    this.userAgent = init.userAgent;
    this.serverVersion = { name: 'codex-app-server', version: /\/(\d+\.\d+\.\d+[^\s(]*)/.exec(init.userAgent)?.[1] ?? 'unknown' };
    await this.notify('initialized');
  }
}

/** Spawns `codex app-server` (own process group, descendants tracked) and runs the handshake. */
export async function openAppServerSession(options: OpenAppServerOptions): Promise<AppServerSession> {
  const handshakeTimeoutMs = validateTimeout('handshakeTimeoutMs', options.handshakeTimeoutMs ?? 30_000);
  // The process options (command, args, env, cwd, limits, stderr/noise callbacks) have the transport's names.
  const transport = new ChildProcessTransport({ ...options, wire: 'codex-app-server' });
  const session = new AppServerSession(transport, options);
  transport.onmessage = (message) => session.handleMessage(message);
  transport.onclose = () => session.handleClose();
  transport.onerror = (error) => options.onProtocolError?.(error);
  await transport.start();
  try {
    await session.handshake(handshakeTimeoutMs);
  } catch (error) {
    await transport.close();
    const tail = transport.stderrTail();
    if (tail.some((line) => /unrecognized subcommand|stdin is not a terminal/i.test(line))) {
      throw new CodexWorkerError('codex_version_unsupported', `\`${options.command} app-server\` did not start an app server: this codex has no app-server`, {
        command: options.command,
        args: [...options.args],
        stderr_tail: tail.slice(-15),
      });
    }
    throw error;
  }
  return session;
}
