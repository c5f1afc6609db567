/**
 * The Codex worker activity: one fresh Codex process per intent (../../docs/spec/runner-behaviour.md §3.2; MCP or
 * app-server, CODEX_TRANSPORT). Fetches the role's bundle, starts a thread with the exact ../../docs/spec/runner-behaviour.md §3.2
 * arguments, re-asks once on the same thread on unparsable output, and returns the validated result.
 */
import { AsyncResource } from 'node:async_hooks';
import { Context } from '@temporalio/activity';
import type { RunnerConfig } from '../config';
import { buildBaseInstructions, buildCodexToolArguments, buildWorkerPrompt, WORKER_REASK_PROMPT } from '../domain/prompts';
import { parseWorkerResult } from '../domain/worker-result';
import { claimedItemFromCommand, type ClaimedItem } from '../domain/claim-observation';
import { CLAIM_ENDPOINT } from '../domain/intents';
import { emitEvent } from '../logging';
import type { CodexRunInput, WorkerResult } from '../workflows/item/ports';
import type { BackendClient } from './backend-client';
import { askCodexInSession } from './codex-activity-session';

/** Records in the item workflow which item a claim run holds, as soon as its claim call answered. */
export type ClaimRecorder = (workflowId: string, runId: string, claimed: ClaimedItem) => void;

export function createCodexWorkerActivity(config: RunnerConfig, backend: BackendClient, recordClaim?: ClaimRecorder) {
  return async function runCodexWorker(input: CodexRunInput): Promise<WorkerResult & { attempt: number }> {
    const { intent } = input;
    const { attempt, workflowExecution } = Context.current().info;
    const expected = { run_id: intent.run_id.trim(), role: intent.role };
    const prompt = buildWorkerPrompt(config.backendBaseUrl, (input.rawIntent ?? intent) as unknown as { role: string; run_id: string });
    const result = await askCodexInSession(config, backend, {
      label: { run_id: intent.run_id, role: intent.role },
      bundleRole: intent.role,
      toolArguments: (bundle) => buildCodexToolArguments(intent.role, prompt, buildBaseInstructions(bundle)),
      parse: (text) => parseWorkerResult(text, expected),
      reaskPrompt: WORKER_REASK_PROMPT,
      toolsCallTimeoutS: input.toolsCallTimeoutS,
      onCommandFinished:
        intent.endpoint === CLAIM_ENDPOINT && recordClaim && workflowExecution
          ? // Codex's events arrive on its transport's callbacks, outside the activity's async context: bound
            // here, the claim's signal stays in the run's trace (a child of the activity's span).
            claimObserver(
              intent.run_id,
              AsyncResource.bind((claimed: ClaimedItem) => recordClaim(workflowExecution.workflowId, intent.run_id, claimed)),
            )
          : undefined,
    });
    return { ...result, attempt };
  };
}

/** The first claim call that answered with an item, reported once. */
function claimObserver(runId: string, record: (claimed: ClaimedItem) => void): (command: string, output: string | null) => void {
  let seen = false;
  return (command, output) => {
    const claimed = seen ? null : claimedItemFromCommand(command, output);
    if (!claimed) return;
    seen = true;
    emitEvent({ type: 'CLAIM_OBSERVED', run_id: runId, issue_number: claimed.issueNumber, project_item_id: claimed.projectItemId });
    record(claimed);
  };
}
