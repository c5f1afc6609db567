/**
 * Kickoff adapters (../../docs/spec/runner-behaviour.md §4): the Codex plan generation (ORCHESTRATOR bundle, §4.2
 * prompt, read-only sandbox, one JSON re-ask), plan-apply, the sprint plan file, and the `codex mcp
 * list` startup check (../../docs/spec/runner-behaviour.md §3.7). The decisions between them live in domain/kickoff-plan.ts, kickoff-apply.ts, kickoff-once.ts and the workflow.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import type { RunnerConfig } from '../config';
import { childEnv, redactSecrets } from '../config';
import { KickoffRecordSchema, type PlanApplyDraft, type SprintPlanCache } from '../contracts/kickoff';
import { parseAt } from '../contracts/parse';
import { parseMcpListJson, requiredMcpServerProblems } from '../domain/codex-mcp-list';
import { CodexWorkerError, HttpError, KickoffError, RunnerError } from '../domain/errors';
import { kickoffBackendError } from '../domain/kickoff-plan';
import { describePartialPlanApply } from '../domain/kickoff-apply';
import { existingKickoffFromPlanFile, existingKickoffFromRecord, existingKickoffFromStateFile, kickoffApplyUnknownError, type ExistingKickoff } from '../domain/kickoff-once';
import { buildBaseInstructions, buildKickoffCodexArguments, buildKickoffPrompt, KICKOFF_REASK_PROMPT } from '../domain/prompts';
import { pythonJsonFileText } from '../domain/python-json';
import { parseKickoffOutput } from '../domain/worker-result';
import type { ExistingKickoffQuery, ExistingKickoffs, KickoffGenerationInput, LoadedSprintPlan, PlanApplyOptions } from '../workflows/sprint/ports';
import type { BackendClient } from './backend-client';
import { askCodexInSession } from './codex-activity-session';
import { writeFileAtomically } from './files';
import { readStateFile } from './orchestrator-state';

const JsonObjectSchema = z.record(z.string(), z.unknown());

const MCP_LIST_TIMEOUT_MS = 10_000;

/** A JSON file's content; missing or unreadable → null (the guard then relies on the other sources). */
async function readJsonOrNull(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch {
    return null;
  }
}

export function createKickoffActivities(config: RunnerConfig, backend: BackendClient, client: () => Client) {
  return {
    /** ../../docs/spec/runner-behaviour.md §4.1 steps 3–4: the raw plan object Codex generated (validated by the workflow). */
    async generateKickoffPlan(input: KickoffGenerationInput): Promise<Record<string, unknown>> {
      const prompt = buildKickoffPrompt(input.sprint, input.readyLimit, input.goal);
      return askCodexInSession(config, backend, {
        label: { run_id: `kickoff-${input.sprint}`, role: 'ORCHESTRATOR' },
        bundleRole: 'ORCHESTRATOR',
        toolArguments: (bundle) => buildKickoffCodexArguments(prompt, buildBaseInstructions(bundle)),
        parse: parseKickoffOutput,
        reaskPrompt: KICKOFF_REASK_PROMPT,
        toolsCallTimeoutS: input.toolsCallTimeoutS,
      });
    },

    /**
     * ../../docs/spec/runner-behaviour.md §4.5 live step 1, sent once. `kickoff_id` is the kickoff's idempotency identity: the backend at
     * 45fae0b ignores extra keys (it cannot dedupe), so the runner's own guard is the kickoff record
     * (findExistingKickoff). What a failure means for the board decides its code:
     * - 4xx: refused before anything was created → kickoff_backend_error;
     * - PARTIAL_FAIL: some issues exist, listed → kickoff_backend_error with `partial`;
     * - no answer, timeout or another 5xx (a 502 also comes from the state-file write after every
     *   issue was created): the outcome is unknown → kickoff_apply_unknown.
     */
    async applyKickoffDraft(draft: PlanApplyDraft, options: PlanApplyOptions = {}): Promise<Record<string, unknown>> {
      try {
        return await backend.post('/internal/plan-apply', { role: 'ORCHESTRATOR', draft, ...(options.kickoffId ? { kickoff_id: options.kickoffId } : {}) });
      } catch (err) {
        if (!(err instanceof HttpError)) throw err;
        const partial = describePartialPlanApply(err.payload, draft);
        const failure = kickoffBackendError(err);
        if (partial) throw new KickoffError(failure.code, `${failure.message}: ${partial.message}`, { ...failure.details, partial });
        if (err.statusCode >= 400 && err.statusCode < 500) throw failure;
        const cause =
          err.statusCode === 0
            ? `no answer: ${err.message}`
            : err.code === 'backend_invalid_payload'
              ? `HTTP ${err.statusCode} with an answer that breaks the contract: ${err.message}`
              : `HTTP ${err.statusCode}: ${JSON.stringify(err.payload).slice(0, 300)}`;
        throw kickoffApplyUnknownError(draft, options.kickoffId ?? '', cause);
      }
    },

    /**
     * What shows this sprint was kicked off before: earlier runs of its workflow (their memo record,
     * Temporal visibility) that applied to this backend, the sprint plan file, and the goal issue in
     * the orchestrator state file. Runs on the orchestrator queue, where both files live.
     */
    async findExistingKickoff(input: ExistingKickoffQuery): Promise<ExistingKickoffs> {
      const found: ExistingKickoff[] = [];
      const query = `WorkflowId = ${JSON.stringify(input.workflowId)}`;
      for await (const run of client().workflow.list({ query })) {
        if (run.runId === input.runId) continue;
        const record = KickoffRecordSchema.safeParse(run.memo?.kickoff);
        const existing =
          record.success && record.data.sprint === input.sprint && record.data.backend === config.backendBaseUrl
            ? existingKickoffFromRecord(record.data, { workflowId: run.workflowId, runId: run.runId, status: run.status.name })
            : null;
        if (existing) found.push(existing);
      }
      const planFile = await readJsonOrNull(config.sprintPlanPath);
      const fromPlan = existingKickoffFromPlanFile(planFile, input.sprint, config.sprintPlanPath);
      if (fromPlan) found.push(fromPlan);
      const state = await readStateFile(config.orchestratorStatePath);
      const fromBoard = existingKickoffFromStateFile(state, input.sprint, config.orchestratorStatePath);
      if (fromBoard) found.push(fromBoard);
      return { backend: config.backendBaseUrl, existing: found };
    },

    /** ../../docs/spec/runner-behaviour.md §10.3: the compatibility copy of the sprint plan kept in workflow state. */
    async saveSprintPlan(cache: SprintPlanCache): Promise<string> {
      await writeFileAtomically(config.sprintPlanPath, pythonJsonFileText(cache));
      return config.sprintPlanPath;
    },

    /** ../../docs/spec/runner-behaviour.md §2.1 step 9: missing → none; not a JSON object → sprint_plan_invalid; another sprint's plan → none. */
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
      // Only its being an object is checked here (../../docs/spec/runner-behaviour.md §2.1 step 9); what autopromotion reads from
      // it is checked there (malformed_sprint_plan).
      const object = parseAt(JsonObjectSchema, plan, (problem) => new RunnerError('sprint_plan_invalid', `sprint plan ${path} must be a JSON object: ${problem}`, { path }));
      return { path, plan: object.sprint === input.sprint ? object : null };
    },

    /**
     * ../../docs/spec/runner-behaviour.md §3.7: `codex mcp list --json` must show github and github_projects enabled (names matched exactly).
     * Its stdout holds env values in clear text: only parsed names and states leave this function.
     */
    async checkCodexMcp(): Promise<{ servers: string[] }> {
      const output = await new Promise<string>((resolve, reject) => {
        execFile(config.codexBin, ['mcp', 'list', '--json'], { timeout: MCP_LIST_TIMEOUT_MS, env: childEnv(process.env, config.childEnvAllowlist) }, (err, stdout, stderr) => {
          if (!err) return resolve(stdout);
          const exitCode = typeof err.code === 'number' ? err.code : null;
          reject(
            new CodexWorkerError('codex_mcp_check_failed', `\`${config.codexBin} mcp list --json\` failed: ${err.message.split('\n')[0]}`, {
              exit_code: exitCode,
              stderr: redactSecrets(String(stderr)).trim().slice(0, 2000),
            }),
          );
        });
      });
      let problems;
      try {
        problems = requiredMcpServerProblems(parseMcpListJson(output));
      } catch (err) {
        throw new CodexWorkerError('codex_mcp_check_failed', (err as Error).message, {});
      }
      if (problems.length) {
        const missing = problems.map((problem) => problem.name);
        throw new CodexWorkerError('codex_mcp_servers_missing', `Codex MCP servers missing or disabled: ${missing.join(', ')}`, {
          missing,
          problems,
          hint: problems.map((problem) => `${problem.name}: ${problem.advice}`).join('; '),
        });
      }
      return { servers: ['github', 'github_projects'] };
    },
  };
}
