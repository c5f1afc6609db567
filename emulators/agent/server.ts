/**
 * The MCP side of the agent emulator: a stand-in for `codex mcp-server` 0.153.4 on stdio. Same
 * serverInfo name, the exact 0.153.4 `tools/list` (codex-tools-0.153.4.json, taken from the captured
 * fixture), codex-like argument errors, `codex/event` notifications shaped like the captures, and
 * results with `content` + `structuredContent {threadId, content}`.
 */
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { ListToolsRequestSchema, type CallToolResult, type ServerNotification, type ServerRequest, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import codexTools from './codex-tools-0.153.4.json';
import { kickoffPlanFor, parseKickoffPrompt } from './kickoff';
import { parseWorkerPrompt } from './prompt';
import { playRole, type WorkerResultJson } from './roles';
import { loadAgentScript, resolveBehaviour, type AgentBehaviour, type AgentScript } from './script';

/** `codex --version` of the emulator; AGENT_EMULATOR_VERSION (e.g. `0.171.0-emulator`) plays a release without mcp-server. */
export const EMULATOR_VERSION = process.env['AGENT_EMULATOR_VERSION'] || '0.153.4-emulator';

const CODEX_TOOLS = codexTools as unknown as Tool[];

const CodexArgsSchema = z
  .object({
    prompt: z.string(),
    model: z.string().optional(),
    cwd: z.string().optional(),
    'approval-policy': z.enum(['on-request', 'never']).optional(),
    sandbox: z.enum(['read-only', 'workspace-write', 'danger-full-access']).optional(),
    config: z.record(z.string(), z.unknown()).optional(),
    'base-instructions': z.string().optional(),
    'developer-instructions': z.string().optional(),
    'compact-prompt': z.string().optional(),
  })
  .strict();
const CODEX_KEYS = Object.keys(CodexArgsSchema.shape);

const ReplyArgsSchema = z.object({
  prompt: z.string(),
  threadId: z.string().optional(),
  conversationId: z.string().optional(),
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const GARBAGE_TEXT = 'All done! I opened the pull request and everything looks good to me.';

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

interface ThreadState {
  runId: string | null;
  role: string | null;
  behaviour: AgentBehaviour;
  /** The answer a successful re-ask gives: the result JSON (or the plain text for direct prompts). */
  replyText: string;
  tokens: number;
}

class Cancelled extends Error {}

/** Mirrors codex's serde message for a bad `codex` argument. */
function codexArgsError(args: Record<string, unknown>, error: z.ZodError): string {
  const unknown = Object.keys(args).find((key) => !CODEX_KEYS.includes(key));
  if (unknown) {
    return `Failed to parse configuration for Codex tool: unknown field \`${unknown}\`, expected one of ${CODEX_KEYS.map((k) => `\`${k}\``).join(', ')}`;
  }
  const issue = error.issues[0];
  if (issue?.code === 'invalid_value' && 'values' in issue) {
    const got = issue.path.reduce<unknown>((value, key) => (value as Record<PropertyKey, unknown> | undefined)?.[key], args);
    const values = issue.values.map((v) => `\`${String(v)}\``);
    return `Failed to parse configuration for Codex tool: unknown variant \`${String(got)}\`, expected ${values.slice(0, -1).join(', ')} or ${values.at(-1)}`;
  }
  if (issue?.path[0] === 'prompt' && issue.code === 'invalid_type' && args['prompt'] === undefined) {
    return 'Failed to parse configuration for Codex tool: missing field `prompt`';
  }
  return `Failed to parse configuration for Codex tool: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid arguments'}`;
}

function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) return signal.aborted ? Promise.reject(new Cancelled()) : Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Cancelled());
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}

async function checkpoint(behaviour: AgentBehaviour, phase: 'start' | 'end', signal: AbortSignal): Promise<void> {
  if ((behaviour.at ?? 'start') !== phase) return;
  if (behaviour.mode === 'crash') {
    process.stderr.write(`agent-emulator: scripted crash (${phase})\n`);
    process.exit(behaviour.exitCode ?? 70);
  }
  if (behaviour.mode === 'hang') {
    process.stderr.write(`agent-emulator: scripted hang (${phase})\n`);
    await new Promise<never>((_, reject) => {
      if (signal.aborted) reject(new Cancelled());
      signal.addEventListener('abort', () => reject(new Cancelled()), { once: true });
    });
  }
}

/** What one first turn of a thread did, whichever protocol carried it. */
export interface PlayedTurn {
  behaviour: AgentBehaviour;
  /** The final text of this turn. */
  text: string;
  /** What a re-ask on the thread answers (unless the behaviour says `reply: garbage`). */
  replyText: string;
  isError: boolean;
  tokens: number;
  runId: string | null;
  role: string | null;
}

export interface PlayContext {
  signal: AbortSignal;
  /** Sends an exec-approval request; resolves with the client's decision as text. */
  elicit(): Promise<string>;
  /** Starts the SIGTERM-ignoring child and reports it as a command execution. */
  startChild(): Promise<void>;
  /** Reports a finished shell command (begin + end events with its output), as Codex does. */
  commandRan(command: string, output: string, exitCode: number): Promise<void>;
}

/** The scripted behaviour for one prompt (a worker RUN_INTENT, the kickoff prompt, or any text): shared by both protocols. */
export async function playPrompt(script: AgentScript, prompt: string, ctx: PlayContext): Promise<PlayedTurn> {
  const worker = parseWorkerPrompt(prompt);
  let behaviour: AgentBehaviour = resolveBehaviour(script, worker?.intent.role === 'REVIEWER' || worker?.intent.role === 'EXECUTOR' ? worker.intent.role : undefined);
  if (behaviour.stdoutNoise) process.stdout.write('agent-emulator: this line is not JSON\n[noise] {"half": json\n');
  // The child starts once the behaviour of this run is known: for a worker that is after its issue
  // (and the attempt) is known, which may be only after its claim.
  let childStarted = false;
  const startChildFor = async (b: AgentBehaviour) => {
    if (!b.childProcess || childStarted) return;
    childStarted = true;
    await ctx.startChild();
  };
  let result: WorkerResultJson | null = null;
  if (worker) {
    const play = await playRole(worker, script, {
      checkpoint: async (b, phase) => {
        if (phase === 'start') await startChildFor(b);
        await checkpoint(b, phase, ctx.signal);
      },
      think: (ms) => sleepUnlessAborted(ms, ctx.signal),
      commandRan: (command, output, exitCode) => ctx.commandRan(command, output, exitCode),
    });
    behaviour = play.behaviour;
    result = play.result;
  } else {
    behaviour = resolveBehaviour(script);
    await startChildFor(behaviour);
    await checkpoint(behaviour, 'start', ctx.signal);
    await sleepUnlessAborted(behaviour.thinkMs ?? 0, ctx.signal);
    await checkpoint(behaviour, 'end', ctx.signal);
  }
  if (behaviour.stdoutNoise) process.stdout.write('agent-emulator: more noise after the work\n');
  let decision: string | undefined;
  if (behaviour.elicit) decision = await ctx.elicit();

  let replyText: string;
  if (result) {
    if (decision !== undefined) result.summary = `${result.summary} [elicitation decision: ${decision}]`;
    if (behaviour.mode === 'markerUnverified' && result.urls['pr_url']) result.marker_verified = false;
    if (behaviour.mode === 'wrongRunId') result.run_id = randomUUID();
    replyText = JSON.stringify(result, null, 2);
  } else {
    const kickoff = parseKickoffPrompt(prompt);
    replyText = behaviour.text ?? (kickoff ? JSON.stringify(kickoffPlanFor(kickoff), null, 2) : `agent-emulator answer to: ${prompt.slice(0, 200)}`);
    if (decision !== undefined) replyText = `${replyText} [elicitation decision: ${decision}]`;
  }
  const isError = behaviour.mode === 'isError';
  const text = isError ? 'stream disconnected before completion: emulated model failure' : behaviour.mode === 'garbage' ? GARBAGE_TEXT : replyText;
  return { behaviour, text, replyText, isError, tokens: behaviour.tokens ?? 1000, runId: worker?.intent.run_id ?? null, role: worker?.intent.role ?? null };
}

/** The answer to a re-ask on a thread whose first turn was `played`. */
export function replyTextFor(played: { behaviour: AgentBehaviour; replyText: string }): string {
  return played.behaviour.reply === 'garbage' ? GARBAGE_TEXT : played.replyText;
}

export { Cancelled };

export class AgentEmulator {
  readonly mcp: McpServer;
  private readonly threads = new Map<string, ThreadState>();

  constructor(
    private readonly script: AgentScript,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.mcp = new McpServer({ name: 'codex-mcp-server', title: 'Codex', version: EMULATOR_VERSION }, { capabilities: { tools: { listChanged: true } } });
    const loose = z.looseObject({});
    this.mcp.registerTool('codex', { title: 'Codex', description: CODEX_TOOLS[0]?.description, inputSchema: loose, outputSchema: loose }, (args, extra) => this.codex(args, extra));
    this.mcp.registerTool('codex-reply', { title: 'Codex Reply', description: CODEX_TOOLS[1]?.description, inputSchema: loose, outputSchema: loose }, (args, extra) =>
      this.codexReply(args, extra),
    );
    // Serve the exact 0.153.4 schemas rather than the ones McpServer derives from the zod shapes.
    this.mcp.server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: CODEX_TOOLS }));
  }

  async connectStdio(): Promise<void> {
    await this.mcp.connect(new StdioServerTransport());
  }

  private logCall(tool: string, runId: string | null, role: string | null): void {
    const path = this.env['AGENT_EVENTS_LOG'];
    if (!path) return;
    const at = Date.now();
    // spawned_at: when this process started (performance.timeOrigin), the "Codex spawned" time of the bench.
    appendFileSync(
      path,
      `${JSON.stringify({ at, iso: new Date(at).toISOString(), pid: process.pid, spawned_at: Math.round(performance.timeOrigin), tool, run_id: runId, role })}\n`,
    );
  }

  private emitter(extra: Extra, threadId: string, turnId: string) {
    // server.notification rather than extra.sendNotification: the latter goes quiet once the request is
    // cancelled, and codex still reports `turn_aborted` then.
    return async (msg: Record<string, unknown>, id: string = turnId) => {
      const notification = { method: 'codex/event', params: { _meta: { requestId: extra.requestId, threadId }, id, msg } };
      await this.mcp.server.notification(notification as unknown as Parameters<Extra['sendNotification']>[0]).catch(() => undefined);
    };
  }

  private async elicit(extra: Extra, threadId: string, turnId: string, emit: ReturnType<AgentEmulator['emitter']>): Promise<string> {
    const callId = `call_${randomUUID().slice(0, 8)}`;
    const command = ['/bin/bash', '-lc', 'git push --force origin HEAD'];
    const cwd = process.cwd();
    await emit({
      type: 'exec_approval_request',
      call_id: callId,
      turn_id: turnId,
      command,
      cwd,
      reason: 'emulated escalation request',
      parsed_cmd: [{ type: 'unknown', cmd: command[2] }],
      available_decisions: ['approved', 'abort'],
    });
    try {
      const answer = await extra.sendRequest(
        {
          method: 'elicitation/create',
          params: {
            message: `Allow Codex to run \`${command.join(' ')}\` in \`${cwd}\`?`,
            requestedSchema: { type: 'object', properties: {} },
            threadId,
            codex_elicitation: 'exec-approval',
            codex_mcp_tool_call_id: String(extra.requestId),
            codex_event_id: turnId,
            codex_call_id: callId,
            codex_command: command,
            codex_cwd: cwd,
            codex_parsed_cmd: [{ type: 'unknown', cmd: command[2] }],
          },
        } as unknown as Parameters<Extra['sendRequest']>[0],
        z.looseObject({}),
        { timeout: 30_000 },
      );
      const record = answer as Record<string, unknown>;
      // Like codex: only `decision` counts; a reply without it is a denial.
      return typeof record['decision'] === 'string' ? record['decision'] : `denied (no decision; action=${String(record['action'])})`;
    } catch (error) {
      return `error: ${(error as Error).message}`;
    }
  }

  private async startChildProcess(emit: ReturnType<AgentEmulator['emitter']>, turnId: string): Promise<void> {
    const code = "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000);";
    const child = spawn(process.execPath, ['-e', code], { stdio: 'ignore' });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    const command = [process.execPath, '-e', code];
    await emit({
      type: 'exec_command_begin',
      call_id: `call_${randomUUID().slice(0, 8)}`,
      process_id: String(child.pid),
      turn_id: turnId,
      started_at_ms: Date.now(),
      command,
      cwd: `file://${process.cwd()}`,
      parsed_cmd: [{ type: 'unknown', cmd: command.join(' ') }],
      source: 'unified_exec_startup',
    });
  }

  /** exec_command_begin / exec_command_end of a command that ran to completion (the fields of codex 0.153.4). */
  private async reportCommand(emit: ReturnType<AgentEmulator['emitter']>, turnId: string, commandLine: string, output: string, exitCode: number): Promise<void> {
    const callId = `call_${randomUUID().slice(0, 8)}`;
    const command = ['/bin/bash', '-lc', commandLine];
    const common = {
      call_id: callId,
      process_id: null,
      turn_id: turnId,
      command,
      cwd: `file://${process.cwd()}`,
      parsed_cmd: [{ type: 'unknown', cmd: commandLine }],
      source: 'unified_exec_startup',
    };
    const startedAt = Date.now();
    await emit({ type: 'exec_command_begin', ...common, started_at_ms: startedAt });
    await emit({
      type: 'exec_command_end',
      ...common,
      completed_at_ms: Date.now(),
      stdout: output,
      stderr: '',
      aggregated_output: output,
      exit_code: exitCode,
      duration: { secs: 0, nanos: (Date.now() - startedAt) * 1e6 },
      formatted_output: output,
      status: exitCode === 0 ? 'completed' : 'failed',
    });
  }

  private async finish(
    emit: ReturnType<AgentEmulator['emitter']>,
    threadId: string,
    turnId: string,
    startedAt: number,
    text: string,
    tokens: number,
    isError: boolean,
  ): Promise<CallToolResult> {
    if (isError) {
      await emit({ type: 'error', message: text, codex_error_info: 'other' });
      return { isError: true, content: [{ type: 'text', text }], structuredContent: { threadId, content: text } };
    }
    await emit({ type: 'agent_message', message: text, phase: null, memory_citation: null });
    const usage = (total: number) => {
      const input = Math.round(total * 0.8);
      return {
        input_tokens: input,
        cached_input_tokens: 0,
        cache_write_input_tokens: 0,
        output_tokens: total - input,
        reasoning_output_tokens: 0,
        total_tokens: total,
      };
    };
    const state = this.threads.get(threadId);
    const last = tokens - (state ? state.tokens : 0);
    await emit({
      type: 'token_count',
      info: { total_token_usage: usage(tokens), last_token_usage: usage(Math.max(0, last)), model_context_window: 258400 },
      rate_limits: null,
    });
    const completedAt = Date.now();
    await emit({
      type: 'task_complete',
      turn_id: turnId,
      last_agent_message: text,
      started_at: Math.floor(startedAt / 1000),
      completed_at: Math.floor(completedAt / 1000),
      duration_ms: completedAt - startedAt,
      time_to_first_token_ms: null,
    });
    return { content: [{ type: 'text', text }], structuredContent: { threadId, content: text } };
  }

  private async codex(rawArgs: Record<string, unknown>, extra: Extra): Promise<CallToolResult> {
    const parsed = CodexArgsSchema.safeParse(rawArgs);
    if (!parsed.success) throw new Error(codexArgsError(rawArgs, parsed.error));
    const args = parsed.data;
    const worker = parseWorkerPrompt(args.prompt);
    this.logCall('codex', worker?.intent.run_id ?? null, worker?.intent.role ?? null);

    const threadId = randomUUID();
    const turnId = randomUUID();
    const startedAt = Date.now();
    const emit = this.emitter(extra, threadId, turnId);
    await emit(
      {
        type: 'session_configured',
        session_id: threadId,
        thread_id: threadId,
        model: args.model ?? 'agent-emulator',
        model_provider_id: 'emulator',
        approval_policy: args['approval-policy'] ?? 'on-request',
        sandbox: args.sandbox ?? 'read-only',
        cwd: args.cwd ?? process.cwd(),
        rollout_path: null,
      },
      '',
    );
    await emit({ type: 'mcp_startup_complete', ready: [], failed: [], cancelled: [] }, '');
    await emit({ type: 'task_started', turn_id: turnId, started_at: Math.floor(startedAt / 1000), model_context_window: 258400, collaboration_mode_kind: 'default' });
    await emit({ type: 'user_message', message: args.prompt, images: [], local_images: [], text_elements: [] });

    try {
      const played = await playPrompt(this.script, args.prompt, {
        signal: extra.signal,
        elicit: () => this.elicit(extra, threadId, turnId, emit),
        startChild: () => this.startChildProcess(emit, turnId),
        commandRan: (command, output, exitCode) => this.reportCommand(emit, turnId, command, output, exitCode),
      });
      const answer = await this.finish(emit, threadId, turnId, startedAt, played.text, played.tokens, played.isError);
      this.threads.set(threadId, { runId: played.runId, role: played.role, behaviour: played.behaviour, replyText: played.replyText, tokens: played.tokens });
      return answer;
    } catch (error) {
      if (error instanceof Cancelled) {
        await emit({ type: 'turn_aborted', turn_id: turnId, reason: 'interrupted', duration_ms: Date.now() - startedAt });
      }
      throw error;
    }
  }

  private async codexReply(rawArgs: Record<string, unknown>, extra: Extra): Promise<CallToolResult> {
    const parsed = ReplyArgsSchema.safeParse(rawArgs);
    if (!parsed.success) throw new Error(`Failed to parse configuration for Codex Reply tool: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    const threadId = parsed.data.threadId ?? parsed.data.conversationId;
    const known = threadId ? this.threads.get(threadId) : undefined;
    this.logCall('codex-reply', known?.runId ?? null, known?.role ?? null);
    if (!threadId) throw new Error('Missing threadId');
    if (!UUID.test(threadId))
      throw new Error(
        `Failed to parse thread_id: invalid character: expected an optional prefix of \`urn:uuid:\` followed by [0-9a-fA-F-], found \`${threadId.replace(/[0-9a-f-]/gi, '').charAt(0)}\``,
      );
    const state = this.threads.get(threadId);
    if (!state) {
      const text = `Session not found for thread_id: ${threadId}`;
      return { isError: true, content: [{ type: 'text', text }], structuredContent: { threadId, content: text } };
    }
    const turnId = randomUUID();
    const startedAt = Date.now();
    const emit = this.emitter(extra, threadId, turnId);
    await emit({ type: 'task_started', turn_id: turnId, started_at: Math.floor(startedAt / 1000), model_context_window: 258400, collaboration_mode_kind: 'default' });
    await emit({ type: 'user_message', message: parsed.data.prompt, images: [], local_images: [], text_elements: [] });
    const text = replyTextFor(state);
    const tokens = state.tokens + 200;
    const answer = await this.finish(emit, threadId, turnId, startedAt, text, tokens, false);
    state.tokens = tokens;
    return answer;
  }
}

/** Runs the emulator on this process's stdio until stdin closes. */
export async function runAgentEmulator(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const emulator = new AgentEmulator(loadAgentScript(env), env);
  // The 1.x StdioServerTransport does not end the process on stdin EOF.
  process.stdin.once('end', () => process.exit(0));
  await emulator.connectStdio();
}
