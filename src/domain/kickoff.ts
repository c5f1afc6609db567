/**
 * Sprint kickoff decisions (../../docs/spec/runner-behaviour.md §4): validate the plan Codex generated (23 rules,
 * the old runner's order, codes and details), turn it into the /internal/plan-apply draft, and plan what
 * happens after plan-apply: the sprint plan cache and the ready-set promotions.
 *
 * Deviations from the old runner:
 * - the sprint name and ready limit are checked before Codex runs (prevalidateKickoff; ⚠ ../../docs/spec/runner-behaviour.md §14.14);
 * - the ready set is planned before the first promotion POST, so a ready-set title without a
 *   created issue fails the kickoff before any item moves (the old runner failed half way through);
 * - kickoff happens once per sprint: a sprint that already has a kickoff record, a sprint plan or a
 *   goal issue is refused (`kickoff_already_done`) unless the operator asks to replan;
 * - a plan whose depends_on_titles form a cycle is refused before plan-apply (`kickoff_dependency_cycle`);
 * - a plan-apply whose outcome is unknown (no answer, 5xx, worker lost) is `kickoff_apply_unknown`.
 */
import type { RunnerEvent } from '../contracts/event';
import type { IssueBrief, KickoffPlan, KickoffRecord, KickoffTask, PlanApplyDraft, PlanApplyIssue, SprintPlanCache } from '../contracts/kickoff';
import { PlanApplyPartialFailSchema } from '../contracts/backend';
import type { DispatchSummary } from '../contracts/summary';
import { POLICY_AREAS, PRIORITIES, SIZES, SPRINT_GOAL_LABEL, SPRINTS, TASK_AREAS } from '../contracts/vocabulary';
import { KickoffError, type HttpError } from './errors';
import { PathReservations, promotionBlocker, type Promotion, type PromotionStep } from './autopromotion';
import { extractScopePlan, findCycles, scopeItemsFrom } from './dependency-graph';
import { promoteToReadyBody } from './transitions';

const GOAL_TITLE = /^\[SPRINT GOAL\]\s+(M1|M2|M3|M4):\s+\S/;
const TASK_TITLE = /^\[TASK\]\s+\S/;
const AUTO_CLOSE = /\b(?:closes|closed|fixes|fixed|resolves|resolved)\s*#\d+\b/i;
const MIN_TASKS = 3;
const MAX_TASKS = 25;
const MAX_READY_LIMIT = 3;
const GOAL_FIELDS: ReadonlyArray<readonly [string, (sprint: string) => string]> = [
  ['Sprint', (sprint) => sprint], ['Status', () => 'Backlog'], ['Priority', () => 'P0'], ['Size', () => 'S'], ['Area', () => 'docs'],
];

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isPositiveInt = (value: unknown): value is number => Number.isInteger(value) && (value as number) > 0;
const oneOf = <T extends string>(values: readonly T[], value: string): value is T => (values as readonly string[]).includes(value);

/** ../../docs/spec/runner-behaviour.md §4.1 step 1: the goal text, stripped; blank is refused (`goalFilePath` names where it came from). */
export function requireKickoffGoal(text: string, goalFilePath?: string): string {
  const goal = text.trim();
  if (goal) return goal;
  if (goalFilePath !== undefined) throw new KickoffError('kickoff_goal_missing', 'goal file is empty', { path: goalFilePath });
  throw new KickoffError('kickoff_goal_missing', '--goal must be non-empty');
}

/** ../../docs/spec/runner-behaviour.md §4.1 step 7: any backend failure inside the kickoff apply. */
export function kickoffBackendError(err: HttpError): KickoffError {
  return new KickoffError('kickoff_backend_error', 'kickoff backend request failed', { code: err.code, status_code: err.statusCode, payload: err.payload });
}

/** Rules 1–2 of ../../docs/spec/runner-behaviour.md §4.3, run before the (expensive) Codex call. */
export function prevalidateKickoff(sprint: string, readyLimit: number): void {
  if (!oneOf(SPRINTS, sprint)) throw new KickoffError('kickoff_invalid_sprint', `sprint must be one of ${SPRINTS.join(', ')}`, { sprint });
  if (!Number.isInteger(readyLimit) || readyLimit < 1 || readyLimit > MAX_READY_LIMIT) {
    throw new KickoffError('kickoff_invalid_ready_limit', `ready_limit must be an integer from 1 to ${MAX_READY_LIMIT}`, { ready_limit: readyLimit });
  }
}

/** ../../docs/spec/runner-behaviour.md §4.3: all 23 rules in order; returns the normalised plan (strings stripped, areas lower-cased, extra keys dropped). */
export function validateKickoffPlan(raw: unknown, sprint: string, readyLimit: number): KickoffPlan {
  prevalidateKickoff(sprint, readyLimit);
  if (!isObject(raw)) throw new KickoffError('kickoff_invalid', 'kickoff plan must be a JSON object');

  const planSprint = requiredString(raw.sprint, 'sprint');
  if (planSprint !== sprint) throw new KickoffError('kickoff_sprint_mismatch', 'plan sprint does not match the requested sprint', { expected: sprint, actual: planSprint });

  const goalIssue = raw.goal_issue;
  if (!isObject(goalIssue)) throw invalidField('goal_issue must be an object', { field: 'goal_issue' });
  const goalTitle = requiredString(goalIssue.title, 'goal_issue.title');
  if (!GOAL_TITLE.test(goalTitle)) throw new KickoffError('kickoff_invalid_goal_title', 'goal_issue.title must start with "[SPRINT GOAL] M<n>: "', { title: goalTitle });
  const goalBody = requiredString(goalIssue.body_markdown, 'goal_issue.body_markdown');
  const labels = stringList(goalIssue.labels, 'goal_issue.labels', false);
  if (!labels.includes(SPRINT_GOAL_LABEL)) throw new KickoffError('kickoff_missing_goal_label', `goal_issue.labels must include ${SPRINT_GOAL_LABEL}`, { labels });
  const fields = goalIssue.fields;
  if (!isObject(fields)) throw invalidField('goal_issue.fields must be an object', { field: 'goal_issue.fields' });
  for (const [field, expectedFor] of GOAL_FIELDS) {
    const expected = expectedFor(sprint);
    if (fields[field] !== expected) {
      throw new KickoffError('kickoff_invalid_goal_fields', `goal_issue.fields.${field} must be ${expected}`, { field, expected, actual: fields[field] ?? null });
    }
  }

  if (!Array.isArray(raw.tasks)) throw invalidField('tasks must be an array', { field: 'tasks' });
  if (raw.tasks.length < MIN_TASKS || raw.tasks.length > MAX_TASKS) {
    throw new KickoffError('kickoff_invalid_task_count', `tasks must contain between ${MIN_TASKS} and ${MAX_TASKS} items`, { count: raw.tasks.length });
  }
  const tasks = raw.tasks.map(validateTask);

  const byTitle = new Map<string, KickoffTask>();
  for (const task of tasks) {
    if (byTitle.has(task.title)) throw new KickoffError('kickoff_title_collision', 'task titles must be unique', { title: task.title });
    byTitle.set(task.title, task);
  }
  for (const task of tasks) {
    for (const dependency of task.depends_on_titles) {
      if (!byTitle.has(dependency)) throw new KickoffError('kickoff_unknown_dependency', 'depends_on_titles must name tasks of this plan', { title: task.title, dependency });
      if (dependency === task.title) throw new KickoffError('kickoff_invalid_dependency', 'a task cannot depend on itself', { title: task.title });
    }
  }

  const readySet = raw.ready_set_titles === undefined ? [] : stringList(raw.ready_set_titles, 'ready_set_titles', true);
  if (readySet.length > readyLimit) {
    throw new KickoffError('kickoff_ready_set_too_large', 'ready_set_titles is longer than the ready limit', { count: readySet.length, ready_limit: readyLimit });
  }
  const seen = new Set<string>();
  for (const title of readySet) {
    if (seen.has(title)) throw new KickoffError('kickoff_ready_set_duplicate', 'ready_set_titles must be unique', { title });
    seen.add(title);
    const task = byTitle.get(title);
    if (!task) throw new KickoffError('kickoff_ready_set_unknown_title', 'ready_set_titles must name tasks of this plan', { title });
    if (task.depends_on_titles.length) throw new KickoffError('kickoff_ready_set_has_dependencies', 'ready set tasks must have no dependencies', { title });
    if (task.priority !== 'P0') throw new KickoffError('kickoff_ready_set_not_p0', 'ready set tasks must be P0', { title, priority: task.priority });
  }

  const rationale = requiredString(raw.prioritization_rationale, 'prioritization_rationale');

  const texts: Array<[string, string]> = [
    ['goal_issue.title', goalTitle], ['goal_issue.body_markdown', goalBody],
    ...tasks.flatMap((task, i): Array<[string, string]> => [[`tasks[${i}].title`, task.title], [`tasks[${i}].body_markdown`, task.body_markdown]]),
    ['prioritization_rationale', rationale],
  ];
  for (const [where, text] of texts) {
    const match = AUTO_CLOSE.exec(text);
    if (match) throw new KickoffError('kickoff_forbidden_autoclose', 'auto-close keywords are forbidden', { where, match: match[0] });
  }

  return {
    sprint: planSprint as KickoffPlan['sprint'],
    goal_issue: { title: goalTitle, body_markdown: goalBody, labels, fields },
    tasks,
    ready_set_titles: readySet,
    prioritization_rationale: rationale,
  };
}

/** Rules 11–18 for tasks[index]. */
function validateTask(raw: unknown, index: number): KickoffTask {
  if (!isObject(raw)) throw new KickoffError('kickoff_invalid_task', `tasks[${index}] must be an object`, { index });
  const field = (name: string) => `tasks[${index}].${name}`;
  const title = requiredString(raw.title, field('title'));
  if (!TASK_TITLE.test(title)) throw new KickoffError('kickoff_invalid_task_title', `${field('title')} must start with "[TASK] "`, { index, title });
  const body = requiredString(raw.body_markdown, field('body_markdown'));
  const priority = requiredString(raw.priority, field('priority'));
  if (!oneOf(PRIORITIES, priority)) throw new KickoffError('kickoff_invalid_priority', `${field('priority')} must be one of ${PRIORITIES.join(', ')}`, { index, priority });
  const size = requiredString(raw.size, field('size'));
  if (!oneOf(SIZES, size)) throw new KickoffError('kickoff_invalid_size', `${field('size')} must be one of ${SIZES.join(', ')}`, { index, size });
  const area = requiredString(raw.area, field('area')).toLowerCase();
  if (!oneOf(TASK_AREAS, area)) throw new KickoffError('kickoff_invalid_area', `${field('area')} must be one of ${TASK_AREAS.join(', ')}`, { index, area });
  const dependsOn = 'depends_on_titles' in raw ? stringList(raw.depends_on_titles, field('depends_on_titles'), true) : [];
  const initialStatus = requiredString(raw.initial_status, field('initial_status'));
  if (initialStatus !== 'Backlog') {
    throw new KickoffError('kickoff_invalid_initial_status', `${field('initial_status')} must be Backlog`, { index, initial_status: initialStatus });
  }
  return { title, body_markdown: body, priority, size, area, depends_on_titles: dependsOn, initial_status: 'Backlog' };
}

function invalidField(message: string, details: Record<string, unknown>): KickoffError {
  return new KickoffError('kickoff_invalid_field', message, details);
}

function requiredString(value: unknown, field: string): string {
  if (typeof value !== 'string' || !value.trim()) throw invalidField(`${field} must be a non-empty string`, { field });
  return value.trim();
}

function stringList(value: unknown, field: string, allowEmpty: boolean): string[] {
  if (!Array.isArray(value)) throw invalidField(`${field} must be an array of strings`, { field });
  const entries = value.map((entry, index) => {
    if (typeof entry !== 'string' || !entry.trim()) throw invalidField(`${field}[${index}] must be a non-empty string`, { field, index });
    return entry.trim();
  });
  if (!allowEmpty && !entries.length) throw invalidField(`${field} must be a non-empty array`, { field });
  return entries;
}

const BRIEF_SECTIONS = [
  ['goal', 'Goal'], ['non_goals', 'Non-goals'], ['acceptance_criteria', 'Acceptance Criteria'],
  ['files_likely_touched', 'Files Likely Touched'], ['definition_of_done', 'Definition of Done'],
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
    if (!sections.has(heading.toLowerCase())) throw new KickoffError('kickoff_body_markdown_missing_section', `body_markdown is missing section "## ${heading}"`, { section: heading });
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
  infra: 'infra', orchestrator: 'infra', runner: 'infra', tests: 'infra', api: 'api', docs: 'docs',
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
      title: task.title, ...parseIssueBodyMarkdown(task.body_markdown), size: task.size, area, priority: task.priority, initial_status: 'Backlog',
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
      issue_number: issue, project_item_id: mapping.projectItemId, title, reason: 'kickoff_ready_set', body: promoteToReadyBody(mapping.projectItemId),
    };
    readySet.push({ kind: 'promote', promotion });
    statusByIssue.set(issue, 'Ready');
    if (meta) reservations.reserve(issue, meta);
  }

  const promotesSomething = readySet.some((step) => step.kind === 'promote');
  return {
    sprintPlanCache,
    readySet,
    fallback: promotesSomething ? null : {
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
    index: number | null; title: string | null; issue_number: number | null; project_item_id: string | null; issue_url: string | null;
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
    index: entry.index, title: titleAt(entry.index), issue_number: entry.issue_number, project_item_id: entry.project_item_id, issue_url: entry.issue_url,
  }));
  const failure = parsed.data.failed;
  const failed = failure && {
    index: failure.index, title: titleAt(failure.index), step: failure.step ?? 'unknown step', error: failure.error ?? 'unknown error',
  };
  const leftBehind = failed && LEFT_BEHIND_BY_FAILED_STEP[failed.step];
  if (failed && leftBehind && !created.some((entry) => entry.index === failed.index)) {
    created.push({ index: failed.index, title: failed.title, issue_number: null, project_item_id: null, issue_url: null, incomplete: leftBehind });
  }
  const createdText = created.length
    ? created.map((entry) => `#${entry.issue_number ?? '?'}${entry.title ? ` "${entry.title}"` : ''} (${entry.incomplete ?? entry.project_item_id ?? 'no project item'})`).join(', ')
    : 'nothing';
  const failedText = failed ? `failed at issue ${failed.index ?? '?'}${failed.title ? ` "${failed.title}"` : ''} (${failed.step}: ${failed.error})` : 'failed';
  return {
    created,
    failed,
    message: `plan-apply ${failedText}; already created: ${createdText}. These issues stay on GitHub; a new kickoff of this sprint is refused unless --replan (which creates a whole new set).`,
  };
}

// ---------------------------------------------------------------------------------------------
// Kickoff exactly once

/** The idempotency identity of one kickoff: the sprint workflow and the run that planned it. */
export function kickoffIdFor(workflowId: string, firstRunId: string): string {
  return `${workflowId}/${firstRunId}`;
}

/** The command that shows a sprint, named in every refusal. */
export const statusCommandFor = (sprint: string) => `sprint-runner status --sprint ${sprint}`;

/** Something that shows the sprint was kicked off before. */
export interface ExistingKickoff {
  source: 'workflow' | 'plan_file' | 'board';
  /** One line for the operator: what exists and where. */
  description: string;
  goal_issue_number: number | null;
}

/** An earlier run of this sprint workflow that kicked off (its memo record); null when it created nothing. */
export function existingKickoffFromRecord(record: KickoffRecord, run: { workflowId: string; runId: string; status: string }): ExistingKickoff | null {
  if (record.status === 'NOTHING_CREATED') return null;
  const goal = record.goal_issue_number !== null ? `goal issue #${record.goal_issue_number} "${record.goal_title}"` : `goal "${record.goal_title}"`;
  const what = {
    APPLIED: `applied ${record.issue_count} issues`,
    APPLYING: 'was stopped while plan-apply was in flight: issues may exist',
    APPLY_UNKNOWN: 'plan-apply outcome unknown: issues may exist',
    PARTIAL_FAIL: 'plan-apply failed part way: some issues exist',
  }[record.status];
  return {
    source: 'workflow',
    description: `workflow ${run.workflowId} run ${run.runId} (${run.status.toLowerCase()}) kicked off ${record.sprint} on ${record.backend}: ${goal}, ${what}`,
    goal_issue_number: record.goal_issue_number,
  };
}

/** RUNNER_SPRINT_PLAN_PATH holding this sprint's plan (../../docs/spec/runner-behaviour.md §10.3); another sprint's plan or no plan → null. */
export function existingKickoffFromPlanFile(plan: unknown, sprint: string, path: string): ExistingKickoff | null {
  if (!isObject(plan) || plan.sprint !== sprint) return null;
  const goal = isObject(plan.goal) ? plan.goal : {};
  const number = isPositiveInt(goal.issue_number) ? goal.issue_number : null;
  const title = typeof goal.title === 'string' ? ` "${goal.title}"` : '';
  const tasks = Array.isArray(plan.tasks) ? plan.tasks.length : 0;
  const when = typeof plan.generated_at === 'string' ? ` generated ${plan.generated_at}` : '';
  return { source: 'plan_file', description: `sprint plan ${path}${when}: goal issue #${number ?? '?'}${title}, ${tasks} tasks`, goal_issue_number: number };
}

/**
 * The board as far as the runner can see it: the backend has no read route (../../docs/spec/backend-orchestrator-contract.md §0), but
 * plan-apply writes its scope metadata into the orchestrator state file and the orchestrator records
 * each item's sprint there. A sprint-goal entry (group_id `meta:sprint-goal`, B.3) whose issue the
 * orchestrator saw in this sprint is this sprint's goal issue.
 */
export function existingKickoffFromStateFile(state: unknown, sprint: string, path: string): ExistingKickoff | null {
  if (!isObject(state) || !isObject(state.sprint_plan) || !isObject(state.items)) return null;
  const inSprint = new Set(
    Object.values(state.items).filter(isObject).filter((item) => item.last_seen_sprint === sprint).map((item) => item.last_seen_issue_number),
  );
  const goal = Object.entries(state.sprint_plan)
    .filter(([, meta]) => isObject(meta) && meta.group_id === 'meta:sprint-goal')
    .map(([key]) => Number(key))
    .find((number) => isPositiveInt(number) && inSprint.has(number));
  if (goal === undefined) return null;
  return { source: 'board', description: `goal issue #${goal} is on the board in sprint ${sprint} (orchestrator state ${path})`, goal_issue_number: goal };
}

/** ../../docs/spec/runner-behaviour.md §4 deviation: a second kickoff of a sprint is refused, naming what exists and how to see it. */
export function kickoffAlreadyDoneError(sprint: string, existing: ExistingKickoff[]): KickoffError {
  const status = statusCommandFor(sprint);
  return new KickoffError(
    'kickoff_already_done',
    `sprint ${sprint} was already kicked off: ${existing.map((found) => found.description).join('; ')}. `
      + `See it with \`${status}\`; run it without --kickoff to continue. To plan it again anyway, add --replan `
      + '(existing issues stay on the board as they are; a new set is created and the sprint plan replaced).',
    { sprint, existing, status_command: status },
  );
}

/**
 * Dependencies among a plan's tasks that can never be satisfied: each cycle (titles) and every task
 * that is in one or waits on one, directly or not. Autopromotion needs a task's depends_on_titles to
 * be Done first, so these tasks would stay in Backlog forever.
 */
export function kickoffDependencyCycles(plan: Pick<KickoffPlan, 'tasks'>): { cycles: string[][]; unpromotable: string[] } {
  const numberOf = new Map(plan.tasks.map((task, i) => [task.title, i + 1]));
  const nodes = plan.tasks.map((task, i) => ({ number: i + 1, depends_on: task.depends_on_titles.map((title) => numberOf.get(title)).filter((n): n is number => n !== undefined) }));
  const cycles = findCycles(nodes);
  const stuck = new Set(cycles.flat());
  // Fixed point: a task waiting on a stuck task is stuck too.
  for (let changed = true; changed;) {
    changed = false;
    for (const node of nodes) {
      if (!stuck.has(node.number) && node.depends_on.some((dep) => stuck.has(dep))) {
        stuck.add(node.number);
        changed = true;
      }
    }
  }
  const titleOf = (n: number) => plan.tasks[n - 1]!.title;
  return { cycles: cycles.map((cycle) => cycle.map(titleOf)), unpromotable: [...stuck].sort((a, b) => a - b).map(titleOf) };
}

/** Refuses a plan with a dependency cycle before anything is created (the old runner accepted it silently). */
export function refuseDependencyCycles(plan: Pick<KickoffPlan, 'tasks'>): void {
  const { cycles, unpromotable } = kickoffDependencyCycles(plan);
  if (!cycles.length) return;
  const quoted = (titles: string[]) => titles.map((title) => `"${title}"`).join(', ');
  throw new KickoffError(
    'kickoff_dependency_cycle',
    `the plan's depends_on_titles form ${cycles.length === 1 ? 'a cycle' : `${cycles.length} cycles`} (${cycles.map(quoted).join('; ')}), `
      + `so these tasks could never be promoted: ${quoted(unpromotable)}. Nothing was created; fix the goal or re-run kickoff for a new plan.`,
    { cycles, unpromotable },
  );
}

/**
 * plan-apply was sent but its outcome is unknown (no answer, a 5xx that is not PARTIAL_FAIL, or the
 * worker running it was lost): the issues may or may not exist, and the backend cannot list them.
 */
export function kickoffApplyUnknownError(draft: PlanApplyDraft, kickoffId: string, cause: string): KickoffError {
  const sprint = draft.sprint;
  const goalTitle = draft.issues[0]?.title ?? '';
  return new KickoffError(
    'kickoff_apply_unknown',
    `plan-apply for sprint ${sprint} was sent but its outcome is unknown (${cause}): the ${draft.issues.length} issues may or may not exist. `
      + `Look on the project board for sprint ${sprint} issues titled "${goalTitle}" and the tasks in details.drafted_titles. `
      + `If they are there, continue without kickoff: \`sprint-runner run --sprint ${sprint} --loop\`; `
      + `if none is there, plan again with \`sprint-runner run --sprint ${sprint} --kickoff --replan --goal …\` (delete a partial set first). `
      + `A plain kickoff of ${sprint} is refused from now on (\`${statusCommandFor(sprint)}\` shows the sprint).`,
    { sprint, kickoff_id: kickoffId, cause, drafted_titles: draft.issues.map((issue) => issue.title), status_command: statusCommandFor(sprint) },
  );
}

/** The memo record of a kickoff at one of its steps. */
export function kickoffRecord(
  draft: PlanApplyDraft, kickoffId: string, backend: string, status: KickoffRecord['status'], goalIssueNumber: number | null = null,
): KickoffRecord {
  return { kickoff_id: kickoffId, sprint: draft.sprint, backend, status, goal_title: draft.issues[0]?.title ?? '', issue_count: draft.issues.length, goal_issue_number: goalIssueNumber };
}

/** The goal issue's number in a 200 plan-apply answer (created[0]), if it is there. */
export function goalIssueNumberOf(planApplyResponse: unknown): number | null {
  const first = isObject(planApplyResponse) && Array.isArray(planApplyResponse.created) ? planApplyResponse.created[0] : null;
  return isObject(first) && isPositiveInt(first.issue_number) ? first.issue_number : null;
}
