/**
 * What the emulated agent does against the backend emulator for one RUN_INTENT, over real HTTP:
 * EXECUTOR claim runs claim, open a marked PR and move the item to In Review; EXECUTOR fix-up runs
 * resolve the linked PR and push to it; REVIEWER runs resolve the linked PR and comment findings.
 */
import type { WorkerPrompt } from './prompt';
import { resolveBehaviour, type AgentBehaviour, type AgentRole, type AgentScript } from './script';

export interface WorkerResultJson {
  run_id: string;
  role: string;
  status: 'succeeded' | 'failed';
  outcome: 'PASS' | 'FAIL' | 'INCOMPLETE' | null;
  summary: string;
  urls: Record<string, string>;
  errors: { code: string; message: string }[];
  marker_verified: boolean | null;
}

export interface RolePlayHooks {
  /** Applies a scripted crash/hang for this phase (resolves when there is none). */
  checkpoint(behaviour: AgentBehaviour, phase: 'start' | 'end'): Promise<void>;
  think(ms: number): Promise<void>;
  /** Reports a backend call the way Codex reports the shell command it ran for it (command + output). */
  commandRan(command: string, output: string, exitCode: number): Promise<void>;
}

export interface RolePlay {
  behaviour: AgentBehaviour;
  issue: number | null;
  attempt: number | null;
  result: WorkerResultJson;
}

interface HttpReply {
  ok: boolean;
  status: number;
  json: unknown;
  text: string;
}

const CLAIM_ENDPOINT = '/internal/executor/claim-ready-item';
const RESOLVE_ENDPOINT = '/internal/reviewer/resolve-linked-pr';
const HTTP_TIMEOUT_MS = 30_000;

export class BackendHttp {
  constructor(readonly baseUrl: string) {}

  async post(path: string, body: unknown): Promise<HttpReply> {
    try {
      const response = await fetch(`${this.baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
      });
      const text = await response.text();
      let json: unknown = null;
      try {
        json = text ? JSON.parse(text) : null;
      } catch {
        json = null;
      }
      return { ok: response.ok, status: response.status, json, text };
    } catch (error) {
      return { ok: false, status: 0, json: null, text: (error as Error).message };
    }
  }

  /** Attempt number of (issue, role) across emulator processes, from the backend's admin counter. */
  async nextAttempt(issue: number, role: string): Promise<number | null> {
    const key = encodeURIComponent(`agent-attempt:${issue}:${role}`);
    const reply = await this.post(`/__admin/counters/${key}/increment`, {});
    const value = (reply.json as { value?: unknown } | null)?.value;
    return reply.ok && typeof value === 'number' ? value : null;
  }
}

function record(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function int(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

function httpError(path: string, reply: HttpReply): { code: string; message: string } {
  return {
    code: reply.status === 0 ? 'backend_unreachable' : 'backend_http_error',
    message: `POST ${path} → ${reply.status || 'no response'}: ${reply.text.slice(0, 500)}`,
  };
}

export function executorMarker(issue: number, projectItemId: string, runId: string): string {
  return `<!-- EXECUTOR_RUN_V1\nissue: ${issue}\nproject_item_id: ${projectItemId}\nrun_id: ${runId}\n-->`;
}

export function executorPrBody(issue: number, projectItemId: string, runId: string): string {
  return [`Implements issue #${issue} (emulated executor run).`, '', `Refs #${issue}`, '', executorMarker(issue, projectItemId, runId), ''].join('\n');
}

export async function playRole(prompt: WorkerPrompt, script: AgentScript, hooks: RolePlayHooks): Promise<RolePlay> {
  const { intent } = prompt;
  const http = new BackendHttp(prompt.backendBaseUrl);
  const role = intent.role === 'EXECUTOR' || intent.role === 'REVIEWER' ? (intent.role as AgentRole) : undefined;
  const base = (overrides: Partial<WorkerResultJson>): WorkerResultJson => ({
    run_id: intent.run_id,
    role: intent.role,
    status: 'succeeded',
    outcome: null,
    summary: '',
    urls: {},
    errors: [],
    marker_verified: null,
    ...overrides,
  });
  let behaviour = resolveBehaviour(script, role);
  let issue: number | null = null;
  let attempt: number | null = null;
  const enter = async (issueNumber: number) => {
    issue = issueNumber;
    attempt = role ? await http.nextAttempt(issueNumber, role) : null;
    behaviour = resolveBehaviour(script, role, issueNumber, attempt ?? undefined);
    await hooks.checkpoint(behaviour, 'start');
    await hooks.think(Math.floor((behaviour.thinkMs ?? 0) / 2));
  };
  const leave = async () => {
    await hooks.think(Math.ceil((behaviour.thinkMs ?? 0) / 2));
    await hooks.checkpoint(behaviour, 'end');
  };
  const done = (result: WorkerResultJson): RolePlay => ({
    behaviour,
    issue,
    attempt,
    result: behaviour.summary !== undefined ? { ...result, summary: behaviour.summary } : result,
  });

  if (!role) {
    return done(base({ status: 'failed', summary: `unsupported role ${intent.role}`, errors: [{ code: 'invalid_role', message: intent.role }] }));
  }

  if (role === 'EXECUTOR' && intent.endpoint === CLAIM_ENDPOINT) {
    const claim = await http.post(intent.endpoint, intent.body);
    // A real agent makes this call with a shell command (curl), which Codex reports with its output.
    await hooks.commandRan(curlCommand(http.baseUrl, intent.endpoint, intent.body), claim.text, claim.ok ? 0 : 22);
    if (!claim.ok) {
      return done(base({ status: 'failed', summary: 'claim-ready-item failed', errors: [httpError(intent.endpoint, claim)] }));
    }
    const claimed = record(record(claim.json)['claimed']);
    const issueNumber = int(claimed['issue_number']);
    const projectItemId = str(claimed['project_item_id']);
    if (!issueNumber || !projectItemId) {
      await hooks.checkpoint(behaviour, 'start');
      await leave();
      return done(base({ summary: 'no claimable item' }));
    }
    await enter(issueNumber);
    if (behaviour.status === 'failed') {
      await leave();
      return done(
        base({ status: 'failed', summary: `scripted executor failure on issue #${issueNumber}`, errors: [{ code: 'scripted_failure', message: 'agent script status=failed' }] }),
      );
    }
    const prPath = '/__admin/prs';
    const pr = await http.post(prPath, {
      issue_number: issueNumber,
      body: executorPrBody(issueNumber, projectItemId, intent.run_id),
      head_ref: str(claimed['branch']) ?? `executor/issue-${issueNumber}`,
      role: 'EXECUTOR',
      run_id: intent.run_id,
    });
    if (!pr.ok) {
      await leave();
      return done(base({ status: 'failed', summary: `could not open a PR for issue #${issueNumber}`, errors: [httpError(prPath, pr)] }));
    }
    const prJson = record(pr.json);
    const prRecord = Object.keys(record(prJson['pr'])).length > 0 ? record(prJson['pr']) : prJson;
    const prUrl = str(prRecord['html_url']) ?? str(prRecord['pr_url']) ?? str(prRecord['url']) ?? '';
    const prNumber = int(prRecord['number']) ?? int(prRecord['pr_number']);
    const updatePath = '/internal/project-item/update-field';
    const update = await http.post(updatePath, {
      role: 'EXECUTOR',
      project_item_id: projectItemId,
      field: 'Status',
      value: 'In Review',
    });
    await leave();
    if (!update.ok) {
      return done(
        base({
          status: 'failed',
          summary: `opened PR #${prNumber ?? '?'} but could not move issue #${issueNumber} to In Review`,
          urls: prUrl ? { pr_url: prUrl } : {},
          errors: [httpError(updatePath, update)],
          marker_verified: true,
        }),
      );
    }
    return done(
      base({
        summary: `Opened PR #${prNumber ?? '?'} for issue #${issueNumber} and moved it to In Review.`,
        urls: prUrl ? { pr_url: prUrl } : {},
        marker_verified: true,
      }),
    );
  }

  if (intent.endpoint !== RESOLVE_ENDPOINT) {
    return done(base({ status: 'failed', summary: `unsupported endpoint ${intent.endpoint}`, errors: [{ code: 'invalid_endpoint', message: intent.endpoint }] }));
  }

  const issueNumber = int(intent.body['issue_number']);
  if (issueNumber) await enter(issueNumber);
  else await hooks.checkpoint(behaviour, 'start');
  const linkage = await http.post(intent.endpoint, intent.body);
  if (!linkage.ok) {
    await leave();
    return done(
      base({
        status: 'failed',
        outcome: role === 'REVIEWER' ? 'INCOMPLETE' : null,
        summary: 'resolve-linked-pr failed',
        errors: [httpError(intent.endpoint, linkage)],
      }),
    );
  }
  const linked = record(linkage.json);
  const prUrl = str(linked['pr_url']) ?? '';
  const prNumber = int(linked['pr_number']);

  if (role === 'EXECUTOR') {
    if (behaviour.status === 'failed') {
      await leave();
      return done(
        base({
          status: 'failed',
          summary: `scripted fix-up failure on issue #${issueNumber ?? '?'}`,
          errors: [{ code: 'scripted_failure', message: 'agent script status=failed' }],
        }),
      );
    }
    const pushPath = `/__admin/prs/${prNumber ?? 0}/push`;
    const push = await http.post(pushPath, { role: 'EXECUTOR', run_id: intent.run_id });
    await leave();
    if (!push.ok) {
      return done(
        base({
          status: 'failed',
          summary: `could not push to PR #${prNumber ?? '?'}`,
          urls: prUrl ? { pr_url: prUrl } : {},
          errors: [httpError(pushPath, push)],
          marker_verified: true,
        }),
      );
    }
    return done(
      base({
        summary: `Pushed a fix-up commit to PR #${prNumber ?? '?'} for issue #${issueNumber ?? '?'}.`,
        urls: prUrl ? { pr_url: prUrl } : {},
        marker_verified: true,
      }),
    );
  }

  const outcome = behaviour.outcome ?? 'PASS';
  const errors: WorkerResultJson['errors'] = [];
  if (issueNumber && (behaviour.comment !== undefined || outcome !== 'PASS')) {
    const body =
      behaviour.comment ??
      (outcome === 'FAIL'
        ? '- [ ] R1: add a deterministic test for the changed behaviour (done when the test fails before the change and passes after).'
        : '- [ ] R1: review could not be completed; re-run the review.');
    const commentPath = `/__admin/issues/${issueNumber}/comments`;
    const comment = await http.post(commentPath, { body, role: 'REVIEWER', run_id: intent.run_id });
    if (!comment.ok) errors.push(httpError(commentPath, comment));
  }
  await leave();
  return done(
    base({
      status: behaviour.status ?? 'succeeded',
      outcome,
      summary: `Review of PR #${prNumber ?? '?'} for issue #${issueNumber ?? '?'}: ${outcome}.`,
      urls: prUrl ? { pr_url: prUrl } : {},
      errors,
    }),
  );
}

/** The curl command line an agent would run for a backend call (what Codex reports as the command). */
function curlCommand(baseUrl: string, path: string, body: unknown): string {
  const json = JSON.stringify(body).replace(/'/g, "'\\''");
  return `curl -sS -X POST -H 'content-type: application/json' -d '${json}' ${baseUrl}${path}`;
}
