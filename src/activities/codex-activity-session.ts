/**
 * One fresh Codex process (`codex mcp-server` or `codex app-server`, CODEX_TRANSPORT) for the length of an activity: Temporal heartbeats (elapsed seconds,
 * tokens so far) every 5 s and a WORKER_HEARTBEAT event every 30 s while it works, its token usage
 * handed to the metrics interceptor when it ends (src/telemetry/codex-usage.ts), and on
 * cancellation (watchdog, shutdown, heartbeat timeout) the running turn is interrupted and every
 * process of the run (Codex, its MCP servers, their children) is killed before the activity ends.
 * Shared by worker runs and kickoff.
 */
import { Context } from '@temporalio/activity';
import type { RunnerConfig } from '../config';
import { childEnv } from '../config';
import { emitEvent } from '../logging';
import { reportCodexTokenUsage } from '../telemetry/codex-usage';
import type { CodexToolArguments } from '../domain/prompts';
import type { BackendClient } from './backend-client';
import { askCodex, codexRunConfig, codexRunOverrides, openCodex, resolveCodexTransport, type CodexSession } from './codex-session';

/** The re-ask turn's own deadline (the first turn's is CODEX_TOOLS_CALL_TIMEOUT_S). */
export const REASK_TIMEOUT_MS = 180_000;
const HEARTBEAT_EVERY_MS = 5_000;
const WORKER_HEARTBEAT_EVENT_EVERY_MS = 30_000;

/**
 * The two beats of a running Codex session, measured from now: a Temporal heartbeat every 5 s
 * and, for humans watching a long run, the old runner's WORKER_HEARTBEAT event every 30 s
 * (../../docs/spec/runner-behaviour.md §11). Returns the function that stops both.
 */
export function startRunBeats(beats: { heartbeat: (elapsedS: number) => void; announce: (elapsedS: number) => void }): () => void {
  const startedAt = Date.now();
  const elapsed = () => Math.floor((Date.now() - startedAt) / 1000);
  const heartbeat = setInterval(() => beats.heartbeat(elapsed()), HEARTBEAT_EVERY_MS);
  const announce = setInterval(() => beats.announce(elapsed()), WORKER_HEARTBEAT_EVENT_EVERY_MS);
  return () => {
    clearInterval(heartbeat);
    clearInterval(announce);
  };
}

export async function inCodexSession<T>(
  config: RunnerConfig,
  label: { run_id: string; role: string },
  work: (session: CodexSession, signal: AbortSignal) => Promise<T>,
  onCommandFinished?: (command: string, output: string | null) => void,
): Promise<T> {
  const ctx = Context.current();
  const env = childEnv(process.env, config.childEnvAllowlist);
  const transport = await resolveCodexTransport(config.codexTransport, config.codexBin, env);
  const session = await openCodex({
    transport,
    command: config.codexBin,
    mcpArgs: config.codexMcpArgs,
    extraArgs: codexRunOverrides(config.secretEnvNames),
    runConfig: codexRunConfig(config.secretEnvNames),
    env,
    onApprovalDenied: (message) => emitEvent({ type: 'CODEX_ELICITATION_DENIED', ...label, transport, message }),
    onCommandFinished,
  });
  emitEvent({ type: 'CODEX_SESSION_STARTED', ...label, transport, pid: session.pid, codex_version: session.serverVersion.version });
  const kill = () => void session.close();
  ctx.cancellationSignal.addEventListener('abort', kill);
  const stopBeats = startRunBeats({
    heartbeat: (elapsed_s) => ctx.heartbeat({ ...label, transport, pid: session.pid, elapsed_s, tokens: session.tokensSoFar() }),
    announce: (elapsed_s) => emitEvent({ type: 'WORKER_HEARTBEAT', role: label.role, run_id: label.run_id, elapsed_s }),
  });
  try {
    return await work(session, ctx.cancellationSignal);
  } finally {
    stopBeats();
    // What this process used, for sprint_runner_codex_tokens (src/telemetry/codex-usage.ts), whatever the outcome.
    const usage = session.tokenUsage();
    reportCodexTokenUsage(ctx, { input: usage.input, output: usage.output, total: usage.total });
    ctx.cancellationSignal.removeEventListener('abort', kill);
    await session.close();
  }
}

export interface CodexQuestion<T> {
  label: { run_id: string; role: string };
  /** The role whose agent-context bundle (base instructions) the question is asked with. */
  bundleRole: string;
  toolArguments: (bundle: unknown) => CodexToolArguments;
  parse: (text: string) => T;
  reaskPrompt: string;
  toolsCallTimeoutS: number;
  /** Each shell command Codex ran, once finished (see OpenCodexOptions.onCommandFinished). */
  onCommandFinished?: (command: string, output: string | null) => void;
}

/**
 * One question to a fresh Codex process, as the worker run and kickoff planning both ask it: fetch
 * the role's bundle, call Codex and re-ask once on unparsable output (askCodex), in an activity
 * session that heartbeats and is killed on cancellation.
 */
export function askCodexInSession<T>(config: RunnerConfig, backend: BackendClient, question: CodexQuestion<T>): Promise<T> {
  return inCodexSession(
    config,
    question.label,
    async (session, signal) => {
      const bundle = await backend.get('/internal/agent-context', { role: question.bundleRole });
      return askCodex(session, question.toolArguments(bundle), {
        parse: question.parse,
        reaskPrompt: question.reaskPrompt,
        timeoutMs: question.toolsCallTimeoutS * 1000,
        reaskTimeoutMs: REASK_TIMEOUT_MS,
        signal,
      });
    },
    question.onCommandFinished,
  );
}
