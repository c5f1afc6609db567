/**
 * Everything the runner tells Codex, byte-exact with the seed (runner-behaviour.md §3.2, §3.3,
 * §3.8): the worker prompt with its role rules, the bundle as base-instructions, the developer
 * instructions and the `codex` tool arguments. Pure; workflows and activities may import it.
 */
import { CodexWorkerError } from './errors';

export const WORKER_DEVELOPER_INSTRUCTIONS =
  'Treat base-instructions as executable contract. Do not rewrite or summarize it. Do not attempt to start the backend server. ' +
  'Do not read or write outside the repository workspace. Never merge PRs or close issues. Fail closed on ambiguity.';

/** Asks for every required key — the seed's re-ask omitted outcome and marker_verified (⚠ §14.9). */
export const WORKER_REASK_PROMPT =
  'Re-output the final result as JSON only with keys: run_id, role, status, outcome, summary, urls, errors, marker_verified. No prose.';

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

export type WorkerRole = 'EXECUTOR' | 'REVIEWER';

export function sandboxForRole(role: string): 'workspace-write' | 'read-only' {
  const normalized = role.trim().toUpperCase();
  if (normalized === 'EXECUTOR') return 'workspace-write';
  if (normalized === 'REVIEWER') return 'read-only';
  throw new CodexWorkerError('worker_invalid_intent', 'intent role must be EXECUTOR or REVIEWER', { role });
}

/** §3.3.1; `rawIntent` is inserted verbatim (2-space pretty JSON, key order kept). */
export function buildWorkerPrompt(backendBaseUrl: string, rawIntent: { role: string; run_id: string } & Record<string, unknown>): string {
  const role = rawIntent.role.trim().toUpperCase();
  sandboxForRole(role);
  const runId = rawIntent.run_id.trim();
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
${JSON.stringify(rawIntent, null, 2)}

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

/** §3.3.2: the agent-context bundle, validated, as base-instructions (no trailing newline). */
export function buildBaseInstructions(bundle: unknown): string {
  const invalid = (message: string, details: Record<string, unknown> = {}) => new CodexWorkerError('bundle_invalid', message, details);
  if (typeof bundle !== 'object' || bundle === null) throw invalid('agent context bundle missing role');
  const { role, files } = bundle as { role?: unknown; files?: unknown };
  if (typeof role !== 'string' || !role.trim()) throw invalid('agent context bundle missing role');
  if (!Array.isArray(files)) throw invalid('agent context bundle missing files array');
  const lines = [`ROLE: ${role.trim()}`, 'BUNDLE_FILES_BEGIN'];
  for (const file of files as Array<{ path?: unknown; content?: unknown }>) {
    if (typeof file?.path !== 'string' || !file.path.trim()) throw invalid('bundle file missing path');
    if (typeof file.content !== 'string') throw invalid('bundle file missing content', { path: file.path });
    lines.push(`FILE_BEGIN ${file.path.trim()}`, file.content, `FILE_END ${file.path.trim()}`);
  }
  lines.push('BUNDLE_FILES_END');
  return lines.join('\n');
}

/** The exact `codex` tool arguments of §3.2 (no model/config/profile: Codex's own config applies). */
export function buildCodexToolArguments(role: string, prompt: string, baseInstructions: string, developerInstructions = WORKER_DEVELOPER_INSTRUCTIONS) {
  return {
    prompt,
    'base-instructions': baseInstructions,
    'developer-instructions': developerInstructions,
    cwd: '.',
    sandbox: sandboxForRole(role),
    'approval-policy': 'never' as const,
  };
}
