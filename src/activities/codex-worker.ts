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
import { askCodexInSession } from './codex-activity-session';

export function createCodexWorkerActivity(config: RunnerConfig, backend: BackendClient) {
  return async function runCodexWorker(input: CodexRunInput): Promise<WorkerResult & { attempt: number }> {
    const { intent } = input;
    const { attempt } = Context.current().info;
    const expected = { run_id: intent.run_id.trim(), role: intent.role };
    const prompt = buildWorkerPrompt(config.backendBaseUrl, (input.rawIntent ?? intent) as unknown as { role: string; run_id: string });
    const result = await askCodexInSession(config, backend, {
      label: { run_id: intent.run_id, role: intent.role },
      bundleRole: intent.role,
      toolArguments: (bundle) => buildCodexToolArguments(intent.role, prompt, buildBaseInstructions(bundle)),
      parse: (text) => parseWorkerResult(text, expected),
      reaskPrompt: WORKER_REASK_PROMPT,
      toolsCallTimeoutS: input.toolsCallTimeoutS,
    });
    return { ...result, attempt };
  };
}
