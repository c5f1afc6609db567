/**
 * From a validated kickoff plan to the board (../../docs/spec/runner-behaviour.md §4.4–4.5): the /internal/plan-apply
 * draft, then what happens after plan-apply answered: the sprint plan cache and the ready-set
 * promotions, planned before the first promotion POST (a deviation: a ready-set title without a
 * created issue fails the kickoff before any item moves; the old runner failed half way through).
 * A 502 PARTIAL_FAIL is described for the operator.
 */
import type { RunnerEvent } from '../contracts/event';
import type { IssueBrief, KickoffPlan, PlanApplyDraft, PlanApplyIssue, SprintPlanCache } from '../contracts/kickoff';
import { PlanApplyPartialFailSchema } from '../contracts/backend';
import type { DispatchSummary } from '../contracts/summary';
import { POLICY_AREAS } from '../contracts/vocabulary';
import { KickoffError } from './errors';
import { PathReservations, promotionBlocker, type Promotion, type PromotionStep } from './autopromotion';
import { extractScopePlan, scopeItemsFrom } from './dependency-graph';
import { promoteToReadyBody } from './transitions';

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isPositiveInt = (value: unknown): value is number => Number.isInteger(value) && (value as number) > 0;
const oneOf = <T extends string>(values: readonly T[], value: string): value is T => (values as readonly string[]).includes(value);

const BRIEF_SECTIONS = [
  ['goal', 'Goal'],
  ['non_goals', 'Non-goals'],
  ['acceptance_criteria', 'Acceptance Criteria'],
  ['files_likely_touched', 'Files Likely Touched'],
  ['definition_of_done', 'Definition of Done'],
] as const;
const LIST_ITEM_PREFIXES = ['- [ ] ', '- [x] ', '- [X] ', '- ', '* '];
/** Python's str.splitlines() boundaries. */
const LINE_BREAK = /\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]/;

/** ../../docs/spec/runner-behaviour.md §4.4: the five `## ` sections of an issue body (headings case-insensitive, repeated headings append). */
export function parseIssueBodyMarkdown(markdown: string): IssueBrief {
  if (!markdown.trim()) throw new KickoffError('kickoff_invalid_body_markdown', 'body_markdown must be a non-empty string');
  const sections = new Map<string, string[]>();
  let current: string[] | null = null;
  for (const line of markdown.split(LINE_BREAK)) {
    const trimmedEnd = line.trimEnd();
    if (trimmedEnd.startsWith('## ')) {
      const heading = trimmedEnd.slice(3).trim().toLowerCase();
      current = sections.get(heading) ?? [];
      sections.set(heading, current);
    } else {
      current?.push(line);
    }
  }
  for (const [, heading] of BRIEF_SECTIONS) {
    if (!sections.has(heading.toLowerCase()))
      throw new KickoffError('kickoff_body_markdown_missing_section', `body_markdown is missing section "## ${heading}"`, { section: heading });
  }
  const linesOf = (heading: string) => sections.get(heading.toLowerCase())!;
  const goal = linesOf('Goal').join('\n').trim();
  if (!goal) throw new KickoffError('kickoff_body_markdown_invalid', 'body_markdown section "## Goal" is empty', { section: 'Goal' });
  const list = (heading: string): string[] => {
    const items = linesOf(heading).flatMap((line) => {
      const stripped = line.trim();
      const prefix = LIST_ITEM_PREFIXES.find((p) => stripped.startsWith(p));
      const item = prefix === undefined ? '' : stripped.slice(prefix.length).trim();
      return item ? [item] : [];
    });
    if (!items.length) throw new KickoffError('kickoff_body_markdown_invalid', `body_markdown section "## ${heading}" has no list items`, { section: heading });
    return items;
  };
  return {
    goal,
    non_goals: list('Non-goals'),
    acceptance_criteria: list('Acceptance Criteria'),
    files_likely_touched: list('Files Likely Touched'),
    definition_of_done: list('Definition of Done'),
  };
}

/** Kickoff task areas → the backend's policy areas (plan-apply knows no orchestrator/runner/tests). */
const POLICY_AREA_FOR_TASK_AREA: Record<string, (typeof POLICY_AREAS)[number]> = {
  infra: 'infra',
  orchestrator: 'infra',
  runner: 'infra',
  tests: 'infra',
  api: 'api',
  docs: 'docs',
};

/** ../../docs/spec/runner-behaviour.md §4.4: goal issue first (with its labels), then the tasks in plan order. */
export function toPlanApplyDraft(plan: KickoffPlan): PlanApplyDraft {
  const goalFields = plan.goal_issue.fields;
  const goal: PlanApplyIssue = {
    title: plan.goal_issue.title,
    ...parseIssueBodyMarkdown(plan.goal_issue.body_markdown),
    size: goalFields.Size as PlanApplyIssue['size'],
    area: goalFields.Area as PlanApplyIssue['area'],
    priority: goalFields.Priority as PlanApplyIssue['priority'],
    initial_status: 'Backlog',
    labels: plan.goal_issue.labels,
  };
  const tasks = plan.tasks.map((task): PlanApplyIssue => {
    const area = POLICY_AREA_FOR_TASK_AREA[task.area];
    if (!area) throw new KickoffError('kickoff_invalid_area', `task area ${task.area} has no policy area`, { title: task.title, area: task.area });
    return {
      title: task.title,
      ...parseIssueBodyMarkdown(task.body_markdown),
      size: task.size,
      area,
      priority: task.priority,
      initial_status: 'Backlog',
    };
  });
  const issues = [goal, ...tasks];
  for (const issue of issues) {
    if (!oneOf(POLICY_AREAS, issue.area)) {
      throw new KickoffError('kickoff_invalid_policy_area', `area ${String(issue.area)} is not a policy area`, { title: issue.title, area: issue.area });
    }
  }
  return { sprint: plan.sprint, issues };
}

export interface KickoffApplyInput {
  plan: KickoffPlan;
  draft: PlanApplyDraft;
  /** The 200 body of POST /internal/plan-apply. */
  planApplyResponse: unknown;
  readyLimit: number;
  nowIso: string;
}

export interface KickoffApplyPlan {
  /** Write to RUNNER_SPRINT_PLAN_PATH, then emit SPRINT_PLAN_SAVED. */
  sprintPlanCache: SprintPlanCache;
  /** Ready-set promotions and skip events in order (no sanitisation, no ready target: ../../docs/spec/runner-behaviour.md §4.5 step 6). */
  readySet: PromotionStep[];
  /** Set when the ready set promotes nothing: emit `event`, then autopromote from `summary` with readyTarget = readyLimit. */
  fallback: { event: RunnerEvent; summary: DispatchSummary } | null;
}

/** ../../docs/spec/runner-behaviour.md §4.5 live steps 1–7 after plan-apply answered 200. */
export function planKickoffApply(input: KickoffApplyInput): KickoffApplyPlan {
  const { plan, draft, planApplyResponse: response } = input;
  if (!draft.issues.length) throw new KickoffError('kickoff_invalid_draft', 'draft has no issues');
  if (!isObject(response) || response.status !== 'APPLIED') {
    throw new KickoffError('kickoff_plan_apply_failed', 'plan-apply did not report APPLIED', { payload: response ?? null });
  }
  const created = response.created;
  if (!Array.isArray(created) || created.length !== draft.issues.length) {
    throw new KickoffError('kickoff_plan_apply_failed', 'plan-apply created a different number of issues than drafted', {
      created_count: Array.isArray(created) ? created.length : null,
    });
  }

  const createdByTitle = new Map<string, { issueNumber: unknown; projectItemId: string }>();
  draft.issues.forEach((issue, index) => {
    const title = issue.title.trim();
    if (!title) throw new KickoffError('kickoff_invalid_draft', 'draft issue title is blank', { index });
    if (createdByTitle.has(title)) throw new KickoffError('kickoff_title_collision', 'draft issue titles must be unique', { title });
    const entry = isObject(created[index]) ? created[index] : {};
    const projectItemId = typeof entry.project_item_id === 'string' ? entry.project_item_id.trim() : '';
    if (!projectItemId) throw new KickoffError('kickoff_plan_apply_failed', 'plan-apply response is missing a project_item_id', { index });
    createdByTitle.set(title, { issueNumber: entry.issue_number, projectItemId });
  });

  const cacheFailed = (message: string, details: Record<string, unknown>) => new KickoffError('kickoff_plan_cache_failed', message, details);
  const numberedIssue = (title: string) => {
    const mapping = createdByTitle.get(title.trim())!;
    if (!isPositiveInt(mapping.issueNumber)) throw cacheFailed('plan-apply response has no issue_number for an issue', { title });
    return { title, issue_number: mapping.issueNumber, project_item_id: mapping.projectItemId };
  };
  const sprintPlan = isObject(response.sprint_plan) ? response.sprint_plan : {};
  const taskByTitle = new Map(plan.tasks.map((task) => [task.title, task]));
  const tasks = draft.issues.slice(1).map((issue) => {
    const task = taskByTitle.get(issue.title);
    if (!task) throw cacheFailed('drafted task is not in the plan', { title: issue.title });
    const numbered = numberedIssue(issue.title);
    const scope = sprintPlan[String(numbered.issue_number)];
    return { ...numbered, priority: task.priority, depends_on_titles: task.depends_on_titles, scope: isObject(scope) ? scope : null };
  });
  const sprintPlanCache: SprintPlanCache = {
    version: 1,
    sprint: draft.sprint,
    generated_at: input.nowIso,
    goal: numberedIssue(draft.issues[0]!.title),
    tasks,
    ready_set_titles: plan.ready_set_titles,
    sprint_plan: sprintPlan,
    ownership_index: isObject(response.ownership_index) ? response.ownership_index : {},
  };

  const scope = new Map(scopeItemsFrom(extractScopePlan(sprintPlanCache)).map((item) => [item.number, item]));
  const statusByIssue = new Map<number, string>(tasks.map((task) => [task.issue_number, 'Backlog']));
  const reservations = new PathReservations();
  const readySet: PromotionStep[] = [];
  for (const title of plan.ready_set_titles) {
    const mapping = createdByTitle.get(title.trim());
    if (!mapping || !isPositiveInt(mapping.issueNumber)) throw new KickoffError('kickoff_ready_set_missing_mapping', 'ready set title has no created issue', { title });
    const issue = mapping.issueNumber;
    const meta = scope.get(issue);
    const skip = meta && promotionBlocker(issue, meta, statusByIssue, reservations, { reason: 'kickoff_ready_set' });
    if (skip) {
      readySet.push({ kind: 'emit', event: skip });
      continue;
    }
    const promotion: Promotion = {
      issue_number: issue,
      project_item_id: mapping.projectItemId,
      title,
      reason: 'kickoff_ready_set',
      body: promoteToReadyBody(mapping.projectItemId),
    };
    readySet.push({ kind: 'promote', promotion });
    statusByIssue.set(issue, 'Ready');
    if (meta) reservations.reserve(issue, meta);
  }

  const promotesSomething = readySet.some((step) => step.kind === 'promote');
  return {
    sprintPlanCache,
    readySet,
    fallback: promotesSomething
      ? null
      : {
          event: { type: 'KICKOFF_READY_SET_EMPTY', ready_set_titles: plan.ready_set_titles, fallback_ready_target: input.readyLimit },
          summary: {
            type: 'DISPATCH_SUMMARY',
            sprint: sprintPlanCache.sprint,
            status_counts: { Ready: 0, Backlog: tasks.length },
            processed_items: tasks.map((task) => ({ issue_number: task.issue_number, project_item_id: task.project_item_id, status: 'Backlog' })),
          },
        },
  };
}

export interface PartialPlanApplyReport {
  /** Issues that exist on GitHub now (not rolled back), including one created without its project item. */
  created: Array<{
    index: number | null;
    title: string | null;
    issue_number: number | null;
    project_item_id: string | null;
    issue_url: string | null;
    /** Set when plan-apply stopped after creating this issue: what it lacks. */
    incomplete?: string;
  }>;
  failed: { index: number | null; title: string | null; step: string; error: string } | null;
  message: string;
}

/**
 * What a failing step leaves behind for its own issue: the backend lists an issue in `created` only
 * once all its steps passed, but at add_to_project / set_project_fields the issue already exists.
 */
const LEFT_BEHIND_BY_FAILED_STEP: Record<string, string> = {
  add_to_project: 'issue created, not added to the project (its number is not reported)',
  set_project_fields: 'issue created and added to the project, fields not set (its number is not reported)',
};

/** A 502 PARTIAL_FAIL body of plan-apply (../../docs/spec/backend-orchestrator-contract.md §A.4), described for the operator; null for any other body. */
export function describePartialPlanApply(body: unknown, draft?: PlanApplyDraft): PartialPlanApplyReport | null {
  const parsed = PlanApplyPartialFailSchema.safeParse(body);
  if (!parsed.success) return null;
  const titleAt = (index: number | null) => (index !== null && draft?.issues[index]?.title) || null;
  const created: PartialPlanApplyReport['created'] = parsed.data.created.map((entry) => ({
    index: entry.index,
    title: titleAt(entry.index),
    issue_number: entry.issue_number,
    project_item_id: entry.project_item_id,
    issue_url: entry.issue_url,
  }));
  const failure = parsed.data.failed;
  const failed = failure && {
    index: failure.index,
    title: titleAt(failure.index),
    step: failure.step ?? 'unknown step',
    error: failure.error ?? 'unknown error',
  };
  const leftBehind = failed && LEFT_BEHIND_BY_FAILED_STEP[failed.step];
  if (failed && leftBehind && !created.some((entry) => entry.index === failed.index)) {
    created.push({ index: failed.index, title: failed.title, issue_number: null, project_item_id: null, issue_url: null, incomplete: leftBehind });
  }
  const createdText = created.length
    ? created
        .map((entry) => `#${entry.issue_number ?? '?'}${entry.title ? ` "${entry.title}"` : ''} (${entry.incomplete ?? entry.project_item_id ?? 'no project item'})`)
        .join(', ')
    : 'nothing';
  const failedText = failed ? `failed at issue ${failed.index ?? '?'}${failed.title ? ` "${failed.title}"` : ''} (${failed.step}: ${failed.error})` : 'failed';
  return {
    created,
    failed,
    message: `plan-apply ${failedText}; already created: ${createdText}. These issues stay on GitHub; a new kickoff of this sprint is refused unless --replan (which creates a whole new set).`,
  };
}

/** The goal issue's number in a 200 plan-apply answer (created[0]), if it is there. */
export function goalIssueNumberOf(planApplyResponse: unknown): number | null {
  const first = isObject(planApplyResponse) && Array.isArray(planApplyResponse.created) ? planApplyResponse.created[0] : null;
  return isObject(first) && isPositiveInt(first.issue_number) ? first.issue_number : null;
}
