/**
 * The Codex worker activity: one fresh `codex mcp-server` per intent (runner-behaviour.md §3.2).
 * Fetches the role's bundle, calls the `codex` tool with the exact §3.2 arguments, re-asks once
 * through `codex-reply` on unparsable output, and returns the validated worker result. While the
 * call runs it heartbeats (elapsed seconds, tokens so far); on cancellation (watchdog, worker
 * shutdown, heartbeat timeout) the whole Codex process group is killed before the activity ends.
 */
import { Context } from '@temporalio/activity';
import type { RunnerConfig } from '../config';
import { childEnv } from '../config';
import { CodexWorkerError } from '../domain/errors';
import { buildBaseInstructions, buildCodexToolArguments, buildWorkerPrompt, WORKER_REASK_PROMPT } from '../domain/prompts';
import { extractThreadId, extractToolText, parseWorkerResult } from '../domain/worker-result';
import { emitEvent } from '../logging';
import type { CodexRunInput, WorkerResult } from '../workflows/item/ports';
import type { BackendClient } from './backend-client';
import { openCodexSession } from './codex-mcp';

const REASK_TIMEOUT_MS = 180_000;
const HEARTBEAT_EVERY_MS = 5_000;

export function createCodexWorkerActivity(config: RunnerConfig, backend: BackendClient) {
  return async function runCodexWorker(input: CodexRunInput): Promise<WorkerResult> {
    const ctx = Context.current();
    const { intent } = input;
    const startedAt = Date.now();
    const session = await openCodexSession({
      command: config.codexBin,
      args: config.codexMcpArgs,
      env: childEnv(process.env, config.childEnvAllowlist),
      onElicitation: (request) =>
        emitEvent({ type: 'CODEX_ELICITATION_DENIED', run_id: intent.run_id, role: intent.role, message: String(request.message ?? '') }),
    });
    const kill = () => void session.close();
    ctx.cancellationSignal.addEventListener('abort', kill);
    const beat = setInterval(
      () => ctx.heartbeat({ run_id: intent.run_id, pid: session.pid, elapsed_s: Math.floor((Date.now() - startedAt) / 1000), tokens: session.tokensSoFar() }),
      HEARTBEAT_EVERY_MS,
    );
    try {
      const bundle = await backend.get('/internal/agent-context', { role: intent.role });
      const baseInstructions = buildBaseInstructions(bundle);
      const prompt = buildWorkerPrompt(config.backendBaseUrl, (input.rawIntent ?? intent) as unknown as { role: string; run_id: string });
      const callOptions = { timeoutMs: input.toolsCallTimeoutS * 1000, signal: ctx.cancellationSignal };
      const result = await session.callCodex(buildCodexToolArguments(intent.role, prompt, baseInstructions), callOptions);
      const threadId = extractThreadId(result);
      const expected = { run_id: intent.run_id.trim(), role: intent.role };
      try {
        return parseWorkerResult(extractToolText(result), expected);
      } catch (err) {
        if (!(err instanceof CodexWorkerError) || err.code === 'codex_tool_error') throw err;
        const reply = await session.reply(threadId, WORKER_REASK_PROMPT, { timeoutMs: REASK_TIMEOUT_MS, signal: ctx.cancellationSignal });
        return parseWorkerResult(extractToolText(reply), expected);
      }
    } finally {
      clearInterval(beat);
      ctx.cancellationSignal.removeEventListener('abort', kill);
      await session.close();
    }
  };
}
