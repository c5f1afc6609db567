/**
 * The Codex worker activity: one fresh `codex mcp-server` per intent (runner-behaviour.md §3.2).
 * Fetches the role's bundle, calls the `codex` tool with the exact §3.2 arguments, re-asks once
 * through `codex-reply` on unparsable output, and returns the validated worker result.
 */
import { Context } from '@temporalio/activity';
import type { RunnerConfig } from '../config';
import { CodexWorkerError } from '../domain/errors';
import { buildBaseInstructions, buildCodexToolArguments, buildWorkerPrompt, WORKER_REASK_PROMPT } from '../domain/prompts';
import { extractThreadId, extractToolText, parseWorkerResult } from '../domain/worker-result';
import type { CodexRunInput, WorkerResult } from '../workflows/item/ports';
import type { BackendClient } from './backend-client';
import { inCodexSession } from './codex-activity-session';

export const REASK_TIMEOUT_MS = 180_000;

export function createCodexWorkerActivity(config: RunnerConfig, backend: BackendClient) {
  return async function runCodexWorker(input: CodexRunInput): Promise<WorkerResult & { attempt: number }> {
    const { intent } = input;
    const { attempt } = Context.current().info;
    const result = await inCodexSession(config, { run_id: intent.run_id, role: intent.role }, async (session, signal) => {
      const bundle = await backend.get('/internal/agent-context', { role: intent.role });
      const baseInstructions = buildBaseInstructions(bundle);
      const prompt = buildWorkerPrompt(config.backendBaseUrl, (input.rawIntent ?? intent) as unknown as { role: string; run_id: string });
      const result = await session.callCodex(buildCodexToolArguments(intent.role, prompt, baseInstructions), { timeoutMs: input.toolsCallTimeoutS * 1000, signal });
      const threadId = extractThreadId(result);
      const expected = { run_id: intent.run_id.trim(), role: intent.role };
      try {
        return parseWorkerResult(extractToolText(result), expected);
      } catch (err) {
        if (!(err instanceof CodexWorkerError) || err.code === 'codex_tool_error') throw err;
        const reply = await session.reply(threadId, WORKER_REASK_PROMPT, { timeoutMs: REASK_TIMEOUT_MS, signal });
        return parseWorkerResult(extractToolText(reply), expected);
      }
    });
    return { ...result, attempt };
  };
}
