/**
 * POST /internal/plan-apply — creates the sprint's issues and project items from a draft, computes
 * their scope metadata and appends it to each issue body. Not idempotent: a retry creates duplicates.
 * Extra body keys are ignored as at 45fae0b, including the runner's `kickoff_id` (it cannot dedupe on it).
 * A PARTIAL_FAIL (502) can be injected through a `partial_fail` fault rule.
 */
import { isNonEmptyString, isPlainObject } from '../../shared/json-file';
import { TargetIdentityError, resolveTargetIdentity } from '../identity';
import { IDENTITY_POLICY_PATH, bundleJson } from '../policy';
import { resolveStatePath, writeSprintPlanToStateFile } from '../state-file';
import { computeSprintPlanMetadata, renderIssueBody, renderScopeSection, type IssueDraft } from '../sprint-ownership';
import { type RouteHandler, type RouteResult, badRequest, isRouteResult, loadBundleOrError, preflightGate, requestBody } from './common';

export const PLAN_APPLY_ROUTE = '/internal/plan-apply';

const SPRINTS = ['M1', 'M2', 'M3', 'M4'];
const SIZES = ['S', 'M', 'L'];
const AREAS = ['db', 'api', 'web', 'providers', 'infra', 'docs'];
const PRIORITIES = ['P0', 'P1', 'P2'];
const LIST_KEYS = ['non_goals', 'acceptance_criteria', 'files_likely_touched', 'definition_of_done'] as const;

/** A plan-apply draft issue: the body fields renderIssueBody uses, plus the board fields. */
interface DraftIssue extends IssueDraft {
  title: string;
  area: string;
  priority: string;
  initial_status?: unknown;
  labels?: string[];
}

type PlanStep = 'create_issue' | 'add_to_project' | 'set_project_fields' | 'update_issue_scope';

function isNonEmptyStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.length > 0 && value.every(isNonEmptyString);
}

/** First failure wins, in field order. */
function validateDraft(body: Record<string, unknown>): string | { sprint: string; issues: DraftIssue[] } {
  if (
    String(body.role ?? '')
      .trim()
      .toUpperCase() !== 'ORCHESTRATOR'
  )
    return 'body.role must be ORCHESTRATOR';
  const draft = body.draft;
  if (!isPlainObject(draft)) return 'body.draft is required';
  if (typeof draft.sprint !== 'string' || !SPRINTS.includes(draft.sprint)) return 'body.draft.sprint must be one of M1, M2, M3, M4';
  if (!Array.isArray(draft.issues) || draft.issues.length === 0) return 'body.draft.issues must be a non-empty array';
  for (const [index, raw] of draft.issues.entries()) {
    const issue = isPlainObject(raw) ? raw : {};
    const at = `draft.issues[${index}]`;
    if (!isNonEmptyString(issue.title)) return `${at}.title is required`;
    if (!isNonEmptyString(issue.goal)) return `${at}.goal is required`;
    for (const key of LIST_KEYS) if (!isNonEmptyStringArray(issue[key])) return `${at}.${key} must be a non-empty string array`;
    if (!SIZES.includes(issue.size as string)) return `${at}.size must be one of S, M, L`;
    if (!AREAS.includes(issue.area as string)) return `${at}.area must be one of db, api, web, providers, infra, docs`;
    if (!PRIORITIES.includes(issue.priority as string)) return `${at}.priority must be one of P0, P1, P2`;
    if (issue.labels !== undefined && !isNonEmptyStringArray(issue.labels)) return `${at}.labels must be a non-empty string array`;
  }
  return { sprint: draft.sprint, issues: draft.issues as DraftIssue[] };
}

class StepFailure extends Error {
  constructor(
    readonly index: number,
    readonly step: PlanStep,
    message: string,
  ) {
    super(message);
  }
}

export const handlePlanApply: RouteHandler = async (ctx, request, directives) => {
  const partialFail = directives?.partialFail;
  const body = requestBody(request);
  const draft = validateDraft(body);
  if (typeof draft === 'string') return badRequest(draft);
  const role = 'ORCHESTRATOR';

  const gate = await preflightGate(ctx, role);
  if (gate) return gate;
  const bundle = await loadBundleOrError(ctx, role);
  if (isRouteResult(bundle)) return bundle;
  try {
    resolveTargetIdentity(ctx.env, bundleJson(bundle, IDENTITY_POLICY_PATH));
  } catch (err) {
    if (err instanceof TargetIdentityError) return { status: 500, body: { error: err.message, ...err.details } };
    throw err;
  }

  const source = { role, http_route: PLAN_APPLY_ROUTE };
  const created: Record<string, unknown>[] = [];
  const planned: { issue_number: number; title: string; priority: string; labels?: string[]; files_likely_touched: string[]; plan_order: number; body: string }[] = [];
  const failAt = (index: number, step: PlanStep) => {
    if (partialFail && (partialFail.index ?? draft.issues.length - 1) === index && (partialFail.step ?? 'add_to_project') === step) {
      throw new StepFailure(index, step, partialFail.error ?? defaultStepError(step));
    }
  };

  try {
    for (const [index, issue] of draft.issues.entries()) {
      const trimmedTitle = issue.title.trim();
      const title = trimmedTitle.startsWith('[') ? trimmedTitle : `[TASK] ${trimmedTitle}`;
      const issueBody = renderIssueBody(issue);
      failAt(index, 'create_issue');
      const createdIssue = ctx.board.createIssue({ title, body: issueBody, labels: issue.labels }, source);
      failAt(index, 'add_to_project');
      const item = ctx.board.addIssueToProject(createdIssue.number);
      const fieldsSet = {
        Status: issue.initial_status === 'Ready' ? 'Ready' : 'Backlog',
        Size: issue.size,
        Area: issue.area,
        Priority: issue.priority,
        Sprint: draft.sprint,
      };
      failAt(index, 'set_project_fields');
      for (const [field, value] of Object.entries(fieldsSet)) ctx.board.setField(item.project_item_id, field, value, source);
      created.push({ index, issue_number: createdIssue.number, issue_url: createdIssue.html_url, project_item_id: item.project_item_id, fields_set: fieldsSet });
      planned.push({
        issue_number: createdIssue.number,
        title,
        priority: issue.priority,
        labels: issue.labels,
        files_likely_touched: issue.files_likely_touched,
        plan_order: index,
        body: issueBody,
      });
    }

    const { sprint_plan, ownership_index } = computeSprintPlanMetadata(planned, ctx.architecture);
    for (const [index, issue] of planned.entries()) {
      failAt(index, 'update_issue_scope');
      ctx.board.updateIssueBody(issue.issue_number, `${issue.body}\n\n${renderScopeSection(sprint_plan[String(issue.issue_number)])}\n`);
    }

    const statePath = ctx.env.ORCHESTRATOR_STATE_PATH;
    if (isNonEmptyString(statePath)) {
      try {
        await writeSprintPlanToStateFile(resolveStatePath(ctx.repoRoot, statePath.trim()), sprint_plan, ownership_index);
      } catch (err) {
        return { status: 502, body: { error: (err as Error).message } };
      }
    }
    ctx.board.record({ kind: 'plan_apply', ...source });
    ctx.board.persist();
    return { status: 200, body: { role, sprint: draft.sprint, created, sprint_plan, ownership_index, status: 'APPLIED' } };
  } catch (err) {
    if (err instanceof StepFailure) return partialFailure(created, err);
    throw err;
  }
};

function partialFailure(created: Record<string, unknown>[], failure: StepFailure): RouteResult {
  return { status: 502, body: { status: 'PARTIAL_FAIL', created, failed: { index: failure.index, step: failure.step, error: failure.message } } };
}

function defaultStepError(step: PlanStep): string {
  return {
    create_issue: 'issue create failed',
    add_to_project: 'project add failed',
    set_project_fields: 'project field update failed',
    update_issue_scope: 'issue update failed',
  }[step];
}
