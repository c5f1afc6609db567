/**
 * The app-server side of the agent emulator: a stand-in for `codex app-server` on stdio, with the
 * same scripted behaviours as the MCP side (server.ts `playPrompt`: outcomes, crash, hang, garbage,
 * wrong run_id, isError, approval request, child process, stdout noise). Wire format as observed with
 * codex 0.153.4 / 0.171.0: newline-delimited JSON-RPC without `"jsonrpc"`; `initialize` →
 * `thread/start` → `turn/start` → `turn/started`, `item/started` / `item/completed`,
 * `thread/tokenUsage/updated`, `turn/completed`; `turn/interrupt` ends a turn as `interrupted`.
 */
import { appendFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { Cancelled, EMULATOR_VERSION, playPrompt, replyTextFor, type PlayedTurn } from './server';
import { loadAgentScript, type AgentScript } from './script';
import { parseWorkerPrompt } from './prompt';

type Json = Record<string, unknown>;

const ThreadStartSchema = z.looseObject({
  cwd: z.string().nullish(),
  approvalPolicy: z.enum(['untrusted', 'on-failure', 'on-request', 'never']).nullish(),
  sandbox: z.enum(['read-only', 'workspace-write', 'danger-full-access']).nullish(),
  baseInstructions: z.string().nullish(),
  developerInstructions: z.string().nullish(),
});
const TurnStartSchema = z.looseObject({
  threadId: z.string(),
  input: z.array(z.looseObject({ type: z.string(), text: z.string().optional() })),
});
const TurnInterruptSchema = z.looseObject({ threadId: z.string(), turnId: z.string() });

interface ThreadState {
  id: string;
  cwd: string;
  played: PlayedTurn | null;
  tokens: number;
  running: { turnId: string; abort: AbortController } | null;
}

export class AppServerEmulator {
  private readonly threads = new Map<string, ThreadState>();
  private nextRequestId = 1;
  private readonly pending = new Map<number, (result: unknown) => void>();

  constructor(
    private readonly script: AgentScript,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  private write(message: Json): void {
    process.stdout.write(`${JSON.stringify(message)}\n`);
  }

  private notify(method: string, params: Json): void {
    this.write({ method, params, emittedAtMs: Date.now() });
  }

  private request(method: string, params: Json): Promise<unknown> {
    const id = this.nextRequestId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.write({ id, method, params });
    });
  }

  private logCall(tool: string, played: { runId: string | null; role: string | null } | null): void {
    const path = this.env['AGENT_EVENTS_LOG'];
    if (!path) return;
    const at = Date.now();
    appendFileSync(
      path,
      `${JSON.stringify({ at, iso: new Date(at).toISOString(), pid: process.pid, spawned_at: Math.round(performance.timeOrigin), tool, transport: 'app-server', run_id: played?.runId ?? null, role: played?.role ?? null })}\n`,
    );
  }

  handleLine(line: string): void {
    if (!line.trim()) return;
    let message: Json;
    try {
      message = JSON.parse(line) as Json;
    } catch {
      this.write({ id: null, error: { code: -32700, message: 'Parse error' } });
      return;
    }
    const id = message['id'] as number | string | undefined;
    const method = message['method'];
    if (typeof method !== 'string') {
      if (typeof id === 'number' && this.pending.has(id)) {
        const resolve = this.pending.get(id)!;
        this.pending.delete(id);
        resolve('result' in message ? message['result'] : { error: message['error'] });
      }
      return;
    }
    if (id === undefined) return; // notifications (`initialized`)
    const reply = (result: unknown) => this.write({ id, result });
    const fail = (code: number, text: string) => this.write({ id, error: { code, message: text } });
    const params = (message['params'] ?? {}) as Json;
    switch (method) {
      case 'initialize':
        reply({
          userAgent: `codex_emulator/${EMULATOR_VERSION} (emulated; agent-emulator)`,
          codexHome: this.env['CODEX_HOME'] ?? '/nonexistent',
          platformFamily: 'unix',
          platformOs: process.platform,
        });
        return;
      case 'thread/start': {
        const parsed = ThreadStartSchema.safeParse(params);
        if (!parsed.success) return fail(-32602, `Invalid request: ${parsed.error.issues[0]?.message ?? 'invalid params'}`);
        const thread: ThreadState = { id: randomUUID(), cwd: parsed.data.cwd ?? process.cwd(), played: null, tokens: 0, running: null };
        this.threads.set(thread.id, thread);
        const view = {
          id: thread.id,
          sessionId: thread.id,
          forkedFromId: null,
          parentThreadId: null,
          preview: '',
          ephemeral: false,
          modelProvider: 'emulator',
          createdAt: Math.floor(Date.now() / 1000),
          updatedAt: Math.floor(Date.now() / 1000),
          cwd: thread.cwd,
        };
        reply({
          thread: view,
          model: 'agent-emulator',
          modelProvider: 'emulator',
          serviceTier: null,
          disabledPluginIds: [],
          cwd: thread.cwd,
          instructionSources: [],
          approvalPolicy: parsed.data.approvalPolicy ?? 'on-request',
          approvalsReviewer: 'user',
          sandbox: { type: parsed.data.sandbox ?? 'read-only' },
          reasoningEffort: null,
        });
        this.notify('thread/started', { thread: view });
        return;
      }
      case 'turn/start': {
        const parsed = TurnStartSchema.safeParse(params);
        if (!parsed.success) return fail(-32602, `Invalid request: ${parsed.error.issues[0]?.message ?? 'invalid params'}`);
        const thread = this.threads.get(parsed.data.threadId);
        if (!thread) return fail(-32600, `thread not found: ${parsed.data.threadId}`);
        if (thread.running) return fail(-32600, 'a turn is already running on this thread');
        const turnId = randomUUID();
        const abort = new AbortController();
        thread.running = { turnId, abort };
        const prompt = parsed.data.input.map((item) => item.text ?? '').join('\n');
        reply({ turn: { id: turnId, items: [], status: 'inProgress', error: null, startedAt: null, completedAt: null, durationMs: null } });
        void this.runTurn(thread, turnId, prompt, abort.signal);
        return;
      }
      case 'turn/interrupt': {
        const parsed = TurnInterruptSchema.safeParse(params);
        const thread = parsed.success ? this.threads.get(parsed.data.threadId) : undefined;
        if (!thread?.running || thread.running.turnId !== parsed.data?.turnId) return fail(-32600, 'no such running turn');
        thread.running.abort.abort();
        reply({});
        return;
      }
      default:
        fail(-32601, `method not found: ${method}`);
    }
  }

  private async runTurn(thread: ThreadState, turnId: string, prompt: string, signal: AbortSignal): Promise<void> {
    const startedAt = Date.now();
    const turnView = (status: string, items: Json[], error: Json | null) => ({
      id: turnId,
      items,
      status,
      error,
      startedAt: Math.floor(startedAt / 1000),
      completedAt: status === 'inProgress' ? null : Math.floor(Date.now() / 1000),
      durationMs: status === 'inProgress' ? null : Date.now() - startedAt,
    });
    const item = (method: 'item/started' | 'item/completed', body: Json) =>
      this.notify(method, { item: body, threadId: thread.id, turnId, ...(method === 'item/completed' ? { completedAtMs: Date.now() } : { startedAtMs: Date.now() }) });
    this.notify('turn/started', { threadId: thread.id, turn: turnView('inProgress', [], null) });
    const userItem = { type: 'userMessage', id: randomUUID(), content: [{ type: 'text', text: prompt, text_elements: [] }] };
    item('item/started', userItem);
    item('item/completed', userItem);
    try {
      let text: string;
      let isError = false;
      let tokens: number;
      if (!thread.played) {
        const worker = parseWorkerPrompt(prompt);
        this.logCall('codex', { runId: worker?.intent.run_id ?? null, role: worker?.intent.role ?? null });
        const played = await playPrompt(this.script, prompt, {
          signal,
          elicit: () => this.elicit(thread, turnId),
          startChild: () => this.startChild(thread, turnId),
          commandRan: async (command, output, exitCode) => this.reportCommand(thread, turnId, command, output, exitCode),
        });
        thread.played = played;
        ({ text, isError, tokens } = played);
      } else {
        this.logCall('codex-reply', thread.played);
        text = replyTextFor(thread.played);
        tokens = thread.tokens + 200;
      }
      const last = Math.max(0, tokens - thread.tokens);
      thread.tokens = tokens;
      const usage = (total: number) => ({
        totalTokens: total,
        inputTokens: Math.round(total * 0.8),
        cachedInputTokens: 0,
        cacheWriteInputTokens: 0,
        outputTokens: total - Math.round(total * 0.8),
        reasoningOutputTokens: 0,
      });
      this.notify('thread/tokenUsage/updated', { threadId: thread.id, turnId, tokenUsage: { total: usage(tokens), last: usage(last), modelContextWindow: 258400 } });
      if (isError) {
        const error = { message: text, codexErrorInfo: 'other', additionalDetails: null };
        this.notify('error', { error, willRetry: false, threadId: thread.id, turnId });
        this.notify('turn/completed', { threadId: thread.id, turn: turnView('failed', [], error) });
        return;
      }
      const message = { type: 'agentMessage', id: randomUUID(), text, phase: null };
      item('item/started', { ...message, text: '' });
      item('item/completed', message);
      this.notify('turn/completed', { threadId: thread.id, turn: turnView('completed', [message], null) });
    } catch (error) {
      if (!(error instanceof Cancelled)) throw error;
      this.notify('turn/completed', { threadId: thread.id, turn: turnView('interrupted', [], null) });
    } finally {
      thread.running = null;
    }
  }

  private async elicit(thread: ThreadState, turnId: string): Promise<string> {
    const command = "/bin/bash -lc 'git push --force origin HEAD'";
    const answer = (await this.request('item/commandExecution/requestApproval', {
      threadId: thread.id,
      turnId,
      itemId: `call_${randomUUID().slice(0, 8)}`,
      command,
      cwd: thread.cwd,
      reason: 'emulated escalation request',
      availableDecisions: ['accept', 'decline'],
    })) as Json | undefined;
    const decision = answer?.['decision'];
    return typeof decision === 'string' ? decision : `denied (no decision: ${JSON.stringify(answer ?? null).slice(0, 100)})`;
  }

  /** item/started + item/completed of a commandExecution that ran to completion. */
  private reportCommand(thread: ThreadState, turnId: string, command: string, output: string, exitCode: number): void {
    const started = Date.now();
    const item = {
      type: 'commandExecution',
      id: `call_${randomUUID().slice(0, 8)}`,
      pluginId: null,
      scriptPath: null,
      command,
      cwd: thread.cwd,
      processId: null,
      source: 'agent',
      commandActions: [],
    };
    this.notify('item/started', {
      item: { ...item, status: 'inProgress', aggregatedOutput: null, exitCode: null, durationMs: null },
      threadId: thread.id,
      turnId,
      startedAtMs: started,
    });
    this.notify('item/completed', {
      item: { ...item, status: exitCode === 0 ? 'completed' : 'failed', aggregatedOutput: output, exitCode, durationMs: Date.now() - started },
      threadId: thread.id,
      turnId,
      completedAtMs: Date.now(),
    });
  }

  private async startChild(thread: ThreadState, turnId: string): Promise<void> {
    const code = "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000);";
    const child = spawn(process.execPath, ['-e', code], { stdio: 'ignore' });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    this.notify('item/started', {
      item: {
        type: 'commandExecution',
        id: `call_${randomUUID().slice(0, 8)}`,
        command: `${process.execPath} -e ${JSON.stringify(code)}`,
        cwd: thread.cwd,
        processId: String(child.pid),
        status: 'inProgress',
        commandActions: [],
        aggregatedOutput: null,
        exitCode: null,
        durationMs: null,
      },
      threadId: thread.id,
      turnId,
      startedAtMs: Date.now(),
    });
  }
}

/** Serves app-server on this process's stdio until stdin closes. */
export async function runAppServerEmulator(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const emulator = new AppServerEmulator(loadAgentScript(env), env);
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  lines.on('line', (line) => emulator.handleLine(line));
  lines.once('close', () => process.exit(0));
}
