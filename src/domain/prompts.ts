/**
 * Everything the runner tells Codex, byte-exact with the old runner (../../docs/spec/runner-behaviour.md §3.2, §3.3,
 * ../../docs/spec/runner-behaviour.md §3.8, §4.2): worker prompt and role rules, the bundle as base-instructions, developer
 * instructions, the `codex` tool arguments, the kickoff prompt and the re-ask prompts.
 */
import type { z } from 'zod';
import { AgentContextBundleSchema } from '../contracts/bundle';
import { describeParseIssues } from '../contracts/parse';
import { CodexWorkerError } from './errors';
import { pythonJsonDumps } from './python-json';

export const WORKER_DEVELOPER_INSTRUCTIONS =
  'Treat base-instructions as executable contract. Do not rewrite or summarize it. Do not attempt to start the backend server. ' +
  'Do not read or write outside the repository workspace. Never merge PRs or close issues. Fail closed on ambiguity.';

/** Deviation: asks for every required key; the old runner omitted outcome and marker_verified, so a reviewer re-ask could never pass (⚠ ../../docs/spec/runner-behaviour.md §14.9). */
export const WORKER_REASK_PROMPT = 'Re-output the final result as JSON only with keys: run_id, role, status, outcome, summary, urls, errors, marker_verified. No prose.';

export const KICKOFF_DEVELOPER_INSTRUCTIONS =
  'Return JSON only (single object) matching the provided schema exactly. Do not include any additional keys. ' +
  'No prose, no markdown, no code fences. Do not use auto-close keywords. Ensure body_markdown uses the required headings and list formats.';

export const KICKOFF_REASK_PROMPT = 'Re-output the final result as JSON only. No prose. No markdown.';

const REVIEWER_RULES = `Reviewer-specific constraints:
- Leave feedback as GitHub ISSUE comments only.
- Do NOT call github.pull_request_review_write and do NOT submit approvals.
- Do NOT change project status directly; runner handles status transition on PASS.
- For findings, use checklist IDs (R1, R2, ...) with explicit done conditions.
- Do NOT demand videos, screenshots, or other human-only artifacts.
- Prefer verification via tests and deterministic manual steps.
- If CI/checks are missing or pending with zero checks, treat that as N/A (not a standalone failure).
- Canonical linkage note: the EXECUTOR_RUN_V1 marker is often an HTML comment and will be hidden in rendered views. Trust backend /internal/reviewer/resolve-linked-pr; do not claim the marker is missing if the backend resolved the PR.
- If executable behavior changed and there are no tests and no deterministic manual verification steps, FAIL with a concrete request.
`;

const EXECUTOR_RULES = `Executor-specific constraints:
- For any created/updated PR, enforce canonical linkage in PR body and issue comment.
- After opening or updating PR, re-fetch PR body and patch it if marker/linkage is missing.
- This check must be idempotent.
- IMPORTANT: If you output any PR URL in urls (pr_url/pull_request/pr/resolved_pr), you MUST set marker_verified=true.
- If intent.endpoint is /internal/reviewer/resolve-linked-pr, this is an In Review fixup run:
  - Do NOT open a new PR.
  - Use the backend response (pr_number/pr_url/head_ref/head_sha) to check out the existing PR head branch and push new commits to it.
  - New commits must descend from head_sha (no history rewrite).
  - Do not force-push.
- Only modify files within the task's Allowed touch paths (see the issue's ## Scope section). If you need to modify files outside scope, comment on the issue requesting scope expansion and stop the run.
`;

export type Sandbox = 'workspace-write' | 'read-only';

export interface CodexToolArguments {
  prompt: string;
  'base-instructions': string;
  'developer-instructions': string;
  cwd: '.';
  sandbox: Sandbox;
  'approval-policy': 'never';
}

export function sandboxForRole(role: string): Sandbox {
  const normalized = role.trim().toUpperCase();
  if (normalized === 'EXECUTOR') return 'workspace-write';
  if (normalized === 'REVIEWER') return 'read-only';
  throw new CodexWorkerError('worker_invalid_intent', 'intent role must be EXECUTOR or REVIEWER', { role });
}

/** ../../docs/spec/runner-behaviour.md §3.3.1. `rawIntent` is the orchestrator's object, shown verbatim (Python's indent=2, non-ASCII kept). */
export function buildWorkerPrompt(backendBaseUrl: string, rawIntent: Record<string, unknown>): string {
  const role = typeof rawIntent.role === 'string' ? rawIntent.role.trim().toUpperCase() : '';
  sandboxForRole(role);
  const runId = typeof rawIntent.run_id === 'string' ? rawIntent.run_id.trim() : '';
  if (!runId) throw new CodexWorkerError('worker_invalid_intent', 'intent run_id is required');
  if (!backendBaseUrl.trim()) throw new CodexWorkerError('worker_invalid_intent', 'backend_base_url is required');
  const roleRules = role === 'REVIEWER' ? REVIEWER_RULES : EXECUTOR_RULES;
  return `You are a Codex worker executing exactly one RUN_INTENT.
Non-negotiable rules:
- Treat the provided bundle as executable contract; do not summarize, rewrite, or omit any content.
- Do not merge PRs. Do not close issues. Do not use auto-close keywords.
- Never bypass backend policy gates; all state changes must go through backend endpoints.
- Do NOT attempt to start or run the backend server; if the backend endpoint is unreachable, fail closed.
- Do not read or write files outside the repository workspace. Never use /tmp or home-directory paths.
- Fail closed on ambiguity.

Backend base URL: ${backendBaseUrl}

${roleRules}
RUN_INTENT (verbatim):
${pythonJsonDumps(rawIntent, { indent: 2, ensureAscii: false })}

Execution requirement:
- Call the backend endpoint at: <backend base URL> + intent.endpoint with JSON body intent.body.
- Then follow the role runbook (from base-instructions) to complete the workflow.

Return EXACTLY one JSON object and nothing else (no prose, no markdown, no wrappers) with this exact shape:
{
  "run_id": "${runId}",
  "role": "${role}",
  "status": "succeeded"|"failed",
  "outcome": null|"PASS"|"FAIL"|"INCOMPLETE",
  "summary": "...",
  "urls": {"key":"value"},
  "errors": [{"code":"...","message":"..."}],
  "marker_verified": true|false|null
}
`;
}

/**
 * ../../docs/spec/runner-behaviour.md §3.3.2: the agent-context bundle, parsed (AgentContextBundleSchema), as base-instructions (no
 * trailing newline). A bundle that does not parse is `bundle_invalid` with the old runner's message
 * for its first problem; `details.problem` names every problem (path, expected, got).
 */
export function buildBaseInstructions(bundle: unknown): string {
  const parsed = AgentContextBundleSchema.safeParse(bundle);
  if (!parsed.success) throw bundleInvalid(parsed.error, bundle);
  const lines = [`ROLE: ${parsed.data.role.trim()}`, 'BUNDLE_FILES_BEGIN'];
  for (const file of parsed.data.files) lines.push(`FILE_BEGIN ${file.path.trim()}`, file.content, `FILE_END ${file.path.trim()}`);
  lines.push('BUNDLE_FILES_END');
  return lines.join('\n');
}

function bundleInvalid(error: z.ZodError, bundle: unknown): CodexWorkerError {
  const problem = `GET /internal/agent-context: ${describeParseIssues(error, bundle)}`;
  const [first, index] = error.issues[0]!.path;
  const invalid = (message: string, details: Record<string, unknown> = {}) => new CodexWorkerError('bundle_invalid', message, { ...details, problem });
  if (first === undefined || first === 'role') return invalid('agent context bundle missing role');
  if (index === undefined) return invalid('agent context bundle missing files array');
  const file = (bundle as { files: unknown[] }).files[index as number] as { path?: unknown } | null;
  const path = error.issues[0]!.path[2];
  if (path === 'content') return invalid('bundle file missing content', { path: file?.path });
  return invalid('bundle file missing path');
}

/** The exact `codex` tool arguments of a worker run (../../docs/spec/runner-behaviour.md §3.2); no model/config/profile: Codex's own config applies. */
export function buildCodexToolArguments(role: string, prompt: string, baseInstructions: string): CodexToolArguments {
  return {
    prompt,
    'base-instructions': baseInstructions,
    'developer-instructions': WORKER_DEVELOPER_INSTRUCTIONS,
    cwd: '.',
    sandbox: sandboxForRole(role),
    'approval-policy': 'never',
  };
}

/** The `codex` tool arguments of the kickoff plan generation (../../docs/spec/runner-behaviour.md §3.8): always read-only. */
export function buildKickoffCodexArguments(prompt: string, baseInstructions: string): CodexToolArguments {
  if (!prompt.trim()) throw new CodexWorkerError('codex_invalid_prompt', 'prompt is required');
  return {
    prompt,
    'base-instructions': baseInstructions,
    'developer-instructions': KICKOFF_DEVELOPER_INSTRUCTIONS,
    cwd: '.',
    sandbox: 'read-only',
    'approval-policy': 'never',
  };
}

/** ../../docs/spec/runner-behaviour.md §4.2, exact (note the two blank lines after the schema). `goal` is the stripped goal text. */
export function buildKickoffPrompt(sprint: string, readyLimit: number, goal: string): string {
  return `You are ORCHESTRATOR (kickoff-only). Your output is a machine-validated JSON plan.
You are drafting sprint issues for EXECUTOR/REVIEWER runs. You are not implementing the work yourself.
Return JSON only. No prose. No markdown code fences.
Do not use auto-close keywords (Closes/Fixes/Resolves #N).

Sprint: ${sprint}
Ready limit: ${readyLimit} (ready_set_titles length must be <= ${readyLimit} and <= 3)

Goal text (verbatim):
${goal}

Hard constraints:
- tasks length must be between 3 and 25
- Every task must set initial_status=Backlog
- depends_on_titles must reference exact task titles (including [TASK] prefix)
- ready_set_titles must reference existing tasks with zero dependencies and priority=P0 only
- goal_issue.labels must include meta:sprint-goal
- goal_issue.fields must be exactly: Sprint=sprint, Status=Backlog, Priority=P0, Size=S, Area=docs

Quality constraints (non-negotiable):
- Tasks MUST be direct, executable engineering work that implements the goal.
- Tasks MUST implement goal.txt in code. Do not create process/runbook/template tasks unless goal.txt is about process tooling.Do NOT create meta-process tasks like: defining templates, writing runbooks, creating a backlog map, or drafting reviewer/executor checklists.
- Do NOT make the sprint about improving this orchestration system; the sprint is about implementing the goal in the target repository.
- The sprint goal issue may touch docs, but sprint tasks should generally touch real product code/assets, not just markdown.
- ready_set_titles should include the most dependency-free P0 implementation tasks.

Output schema (exact keys):
{
  "sprint": "${sprint}",
  "goal_issue": {
    "title": "[SPRINT GOAL] ${sprint}: <short>",
    "body_markdown": "<markdown>",
    "labels": ["meta:sprint-goal"],
    "fields": {"Sprint":"${sprint}","Status":"Backlog","Priority":"P0","Size":"S","Area":"docs"}
  },
  "tasks": [
    {
      "title": "[TASK] <short>",
      "body_markdown": "<markdown>",
      "priority": "P0|P1|P2",
      "size": "S|M|L",
      "area": "infra|api|orchestrator|runner|docs|tests",
      "depends_on_titles": ["[TASK] ..."],
      "initial_status": "Backlog"
    }
  ],
  "ready_set_titles": ["[TASK] ..."],
  "prioritization_rationale": "..."
}


For every body_markdown (goal + tasks), you MUST use this exact section structure with these exact headings:
## Goal
<one or more lines>
## Non-goals
- <bullet>
## Acceptance Criteria
- [ ] <checkbox item>
## Files Likely Touched
- <path>
## Definition of Done
- [ ] <checkbox item>

Notes:
- Task count should be intelligently sized for the goal (within bounds).
- Prefer dependency-light P0 tasks in ready_set_titles.
`;
}
