/**
 * The Codex worker activity: one fresh Codex process per intent (../../docs/spec/runner-behaviour.md §3.2; MCP or
 * app-server, CODEX_TRANSPORT). Fetches the role's bundle, starts a thread with the exact ../../docs/spec/runner-behaviour.md §3.2
 * arguments, re-asks once on the same thread on unparsable output, and returns the validated result.
 */
import { Context } from '@temporalio/activity';
import type { RunnerConfig } from '../config';
import { buildBaseInstructions, buildCodexToolArguments, buildWorkerPrompt, WORKER_REASK_PROMPT } from '../domain/prompts';
import { parseWorkerResult } from '../domain/worker-result';
import type { CodexRunInput, WorkerResult } from '../workflows/item/ports';
import type { BackendClient } from './backend-client';
import { inCodexSession } from './codex-activity-session';
import { askCodex } from './codex-session';

export const REASK_TIMEOUT_MS = 180_000;

export function createCodexWorkerActivity(config: RunnerConfig, backend: BackendClient) {
  return async function runCodexWorker(input: CodexRunInput): Promise<WorkerResult & { attempt: number }> {
    const { intent } = input;
    const { attempt } = Context.current().info;
    const result = await inCodexSession(config, { run_id: intent.run_id, role: intent.role }, async (session, signal) => {
      const bundle = await backend.get('/internal/agent-context', { role: intent.role });
      const baseInstructions = buildBaseInstructions(bundle);
      const prompt = buildWorkerPrompt(config.backendBaseUrl, (input.rawIntent ?? intent) as unknown as { role: string; run_id: string });
      const expected = { run_id: intent.run_id.trim(), role: intent.role };
      return askCodex(session, buildCodexToolArguments(intent.role, prompt, baseInstructions), {
        parse: (text) => parseWorkerResult(text, expected),
        reaskPrompt: WORKER_REASK_PROMPT,
        timeoutMs: input.toolsCallTimeoutS * 1000,
        reaskTimeoutMs: REASK_TIMEOUT_MS,
        signal,
      });
    });
    return { ...result, attempt };
  };
}
