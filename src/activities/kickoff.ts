/**
 * Kickoff adapters (runner-behaviour.md §4): the Codex plan generation (ORCHESTRATOR bundle, §4.2
 * prompt, read-only sandbox, one JSON re-ask), plan-apply, the sprint plan file, and the `codex mcp
 * list` startup check (§3.7). The decisions between them live in domain/kickoff.ts and the workflow.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { RunnerConfig } from '../config';
import { childEnv } from '../config';
import type { PlanApplyDraft, SprintPlanCache } from '../contracts/kickoff';
import { missingCodexMcpServers } from '../domain/codex-mcp-list';
import { CodexWorkerError, HttpError, KickoffError, RunnerError } from '../domain/errors';
import { describePartialPlanApply, kickoffBackendError } from '../domain/kickoff';
import { buildBaseInstructions, buildKickoffCodexArguments, buildKickoffPrompt, KICKOFF_REASK_PROMPT } from '../domain/prompts';
import { pythonJsonFileText } from '../domain/python-json';
import { extractThreadId, extractToolText, parseKickoffOutput } from '../domain/worker-result';
import type { KickoffGenerationInput, LoadedSprintPlan } from '../workflows/sprint/ports';
import type { BackendClient } from './backend-client';
import { inCodexSession } from './codex-activity-session';
import { REASK_TIMEOUT_MS } from './codex-worker';
import { writeFileAtomically } from './files';

const MCP_LIST_TIMEOUT_MS = 10_000;

export function createKickoffActivities(config: RunnerConfig, backend: BackendClient) {
  return {
    /** §4.1 steps 3–4: the raw plan object Codex generated (validated by the workflow). */
    async generateKickoffPlan(input: KickoffGenerationInput): Promise<Record<string, unknown>> {
      return inCodexSession(config, { run_id: `kickoff-${input.sprint}`, role: 'ORCHESTRATOR' }, async (session, signal) => {
        const bundle = await backend.get('/internal/agent-context', { role: 'ORCHESTRATOR' });
        const prompt = buildKickoffPrompt(input.sprint, input.readyLimit, input.goal);
        const result = await session.callCodex(buildKickoffCodexArguments(prompt, buildBaseInstructions(bundle)), { timeoutMs: input.toolsCallTimeoutS * 1000, signal });
        const threadId = extractThreadId(result);
        try {
          return parseKickoffOutput(extractToolText(result));
        } catch (err) {
          if (!(err instanceof CodexWorkerError) || err.code === 'codex_tool_error') throw err;
          const reply = await session.reply(threadId, KICKOFF_REASK_PROMPT, { timeoutMs: REASK_TIMEOUT_MS, signal });
          return parseKickoffOutput(extractToolText(reply));
        }
      });
    },

    /** §4.5 live step 1. Any backend failure is kickoff_backend_error; a partial apply says what exists now. */
    async applyKickoffDraft(draft: PlanApplyDraft): Promise<Record<string, unknown>> {
      try {
        return await backend.post('/internal/plan-apply', { role: 'ORCHESTRATOR', draft });
      } catch (err) {
        if (!(err instanceof HttpError)) throw err;
        const failure = kickoffBackendError(err);
        const partial = describePartialPlanApply(err.payload, draft);
        if (!partial) throw failure;
        throw new KickoffError(failure.code, `${failure.message}: ${partial.message}`, { ...failure.details, partial });
      }
    },

    /** §10.3: the compatibility copy of the sprint plan kept in workflow state. */
    async saveSprintPlan(cache: SprintPlanCache): Promise<string> {
      await writeFileAtomically(config.sprintPlanPath, pythonJsonFileText(cache));
      return config.sprintPlanPath;
    },

    /** §2.1 step 9: missing → none; not a JSON object → sprint_plan_invalid; another sprint's plan → none. */
    async loadSprintPlan(input: { sprint: string }): Promise<LoadedSprintPlan> {
      const path = config.sprintPlanPath;
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { path, plan: null };
        throw new RunnerError('sprint_plan_invalid', `sprint plan ${path} cannot be read: ${(err as Error).message}`, { path });
      }
      let plan: unknown;
      try {
        plan = JSON.parse(text);
      } catch (err) {
        throw new RunnerError('sprint_plan_invalid', `sprint plan ${path} is not valid JSON: ${(err as Error).message}`, { path });
      }
      if (typeof plan !== 'object' || plan === null || Array.isArray(plan)) {
        throw new RunnerError('sprint_plan_invalid', `sprint plan ${path} must be a JSON object`, { path });
      }
      return { path, plan: (plan as { sprint?: unknown }).sprint === input.sprint ? (plan as Record<string, unknown>) : null };
    },

    /** §3.7: `codex mcp list` must show github and github_projects enabled (names matched exactly). */
    async checkCodexMcp(): Promise<{ servers: string[] }> {
      const output = await new Promise<string>((resolve, reject) => {
        execFile(config.codexBin, ['mcp', 'list'], { timeout: MCP_LIST_TIMEOUT_MS, env: childEnv(process.env, config.childEnvAllowlist) }, (err, stdout, stderr) => {
          const combined = `${stdout}\n${stderr}`.trim().slice(0, 2000);
          if (!err) return resolve(stdout);
          const exitCode = typeof err.code === 'number' ? err.code : null;
          reject(new CodexWorkerError('codex_mcp_check_failed', `\`${config.codexBin} mcp list\` failed: ${err.message}`, { exit_code: exitCode, output: combined }));
        });
      });
      const missing = missingCodexMcpServers(output);
      if (missing.length) {
        throw new CodexWorkerError('codex_mcp_servers_missing', `Codex MCP servers missing or disabled: ${missing.join(', ')}`, {
          missing, hint: 'Run `codex mcp login github` and ensure GITHUB_PAT is set.',
        });
      }
      return { servers: ['github', 'github_projects'] };
    },
  };
}
