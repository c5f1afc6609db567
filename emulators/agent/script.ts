/**
 * The agent emulator's script: what each fresh "codex" process does for a given (issue, role, attempt).
 *
 * Source: env AGENT_SCRIPT (path to a JSON file) or AGENT_SCRIPT_JSON (inline JSON); neither → `{}`
 * (every run succeeds, reviewers PASS).
 *
 * ```json
 * {
 *   "defaults": { "thinkMs": 50, "tokens": 1200 },
 *   "roles":    { "REVIEWER": { "outcome": "PASS" } },
 *   "issues": {
 *     "12": {
 *       "defaults": { "thinkMs": 200 },
 *       "roles":    { "REVIEWER": { "outcome": "FAIL", "comment": "R1: add a test for the parser" } },
 *       "attempts": { "EXECUTOR": [ { "mode": "crash" }, {} ],
 *                     "REVIEWER": [ { "outcome": "FAIL" }, { "outcome": "PASS" } ] }
 *     }
 *   }
 * }
 * ```
 *
 * Resolution, later wins, field by field: `defaults` < `roles[role]` < `issues[n].defaults` <
 * `issues[n].roles[role]` < `issues[n].attempts[role][attempt-1]`. The attempt number counts the
 * tools/call runs of that (issue, role) across processes through the backend emulator counter
 * `agent-attempt:<issue>:<role>` (1-based); an attempt past the end of the list adds no override.
 * An EXECUTOR claim run learns its issue only from the claim response, so its issue entries apply
 * from that point on (a claim that returns `claimed:null` uses `defaults` + `roles` only).
 * Prompts that carry no RUN_INTENT (direct use of the emulator) use `defaults` only.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

export const AgentRoleSchema = z.enum(['EXECUTOR', 'REVIEWER']);
export type AgentRole = z.infer<typeof AgentRoleSchema>;

export const AgentBehaviourSchema = z
  .object({
    /** Worker result `status` (default `succeeded`). A failed EXECUTOR opens no PR. */
    status: z.enum(['succeeded', 'failed']).optional(),
    /** REVIEWER verdict (default `PASS`; `INCOMPLETE` when the backend linkage call fails). */
    outcome: z.enum(['PASS', 'FAIL', 'INCOMPLETE']).optional(),
    /** Replaces the generated result summary. */
    summary: z.string().optional(),
    /** REVIEWER: issue comment with findings; posted when given, or (with a default text) on FAIL/INCOMPLETE. */
    comment: z.string().optional(),
    /** Final text for prompts without a RUN_INTENT (default: an echo of the prompt). */
    text: z.string().optional(),
    /** Simulated work time in ms, spent half before and half after the backend side effects (default 0). */
    thinkMs: z.number().int().nonnegative().optional(),
    /** total_tokens reported by the token_count event (default 1000). */
    tokens: z.number().int().nonnegative().optional(),
    /**
     * `normal` (default) · `crash`: the process exits mid-call · `hang`: never answers (stays alive until
     * killed or cancelled) · `garbage`: final text is not JSON · `wrongRunId`: result carries another
     * run_id · `isError`: tool error result (`isError:true`, like a codex stream failure) ·
     * `markerUnverified`: EXECUTOR opens the PR but returns `marker_verified:false` with the PR url.
     */
    mode: z.enum(['normal', 'crash', 'hang', 'garbage', 'wrongRunId', 'isError', 'markerUnverified']).optional(),
    /** When `crash`/`hang` strike: `start` (default; for claim runs right after the claim) or `end` (after the side effects). */
    at: z.enum(['start', 'end']).optional(),
    /** Exit code of a `crash` (default 70). */
    exitCode: z.number().int().min(1).max(255).optional(),
    /** Send an exec-approval `elicitation/create` before answering; the client's decision goes into the summary. */
    elicit: z.boolean().optional(),
    /**
     * Start a long-running child process that ignores SIGTERM (like a command codex runs for the model);
     * its pid is reported as `exec_command_begin.process_id`. It lives until its process group is killed.
     */
    childProcess: z.boolean().optional(),
    /** Print non-JSON lines on stdout during the call. */
    stdoutNoise: z.boolean().optional(),
    /**
     * Answer to a `codex-reply` re-ask on the thread: `json` (default: the result JSON the first answer
     * would have carried, so `garbage` recovers and `wrongRunId` stays wrong) or `garbage` (non-JSON again).
     */
    reply: z.enum(['json', 'garbage']).optional(),
  })
  .strict();
export type AgentBehaviour = z.infer<typeof AgentBehaviourSchema>;

export const IssueScriptSchema = z
  .object({
    defaults: AgentBehaviourSchema.optional(),
    roles: z.partialRecord(AgentRoleSchema, AgentBehaviourSchema).optional(),
    attempts: z.partialRecord(AgentRoleSchema, z.array(AgentBehaviourSchema)).optional(),
  })
  .strict();

export const AgentScriptSchema = z
  .object({
    defaults: AgentBehaviourSchema.optional(),
    roles: z.partialRecord(AgentRoleSchema, AgentBehaviourSchema).optional(),
    issues: z.record(z.string().regex(/^[1-9]\d*$/, 'issue keys are positive integers'), IssueScriptSchema).optional(),
  })
  .strict();
export type AgentScript = z.infer<typeof AgentScriptSchema>;

export function parseAgentScript(value: unknown): AgentScript {
  return AgentScriptSchema.parse(value);
}

export function loadAgentScript(env: NodeJS.ProcessEnv = process.env): AgentScript {
  if (env['AGENT_SCRIPT_JSON']) return parseAgentScript(JSON.parse(env['AGENT_SCRIPT_JSON']));
  if (env['AGENT_SCRIPT']) return parseAgentScript(JSON.parse(readFileSync(env['AGENT_SCRIPT'], 'utf8')));
  return {};
}

/** The effective behaviour for one run (see the resolution order above). */
export function resolveBehaviour(script: AgentScript, role?: AgentRole, issue?: number, attempt?: number): AgentBehaviour {
  const layers: (AgentBehaviour | undefined)[] = [script.defaults];
  if (role) layers.push(script.roles?.[role]);
  const issueScript = issue !== undefined ? script.issues?.[String(issue)] : undefined;
  if (issueScript) {
    layers.push(issueScript.defaults);
    if (role) {
      layers.push(issueScript.roles?.[role]);
      if (attempt !== undefined && attempt >= 1) layers.push(issueScript.attempts?.[role]?.[attempt - 1]);
    }
  }
  return Object.assign({}, ...layers.filter(Boolean)) as AgentBehaviour;
}
