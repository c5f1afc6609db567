/**
 * The kickoff plan Codex generates (../../docs/spec/runner-behaviour.md §4.3): the goal text, the 23 rules
 * in the old runner's order, codes and details, and — a deviation — dependency cycles refused before
 * plan-apply (`kickoff_dependency_cycle`; the old runner accepted them silently). Also a deviation: the
 * sprint name and ready limit are checked before Codex runs (prevalidateKickoff; ⚠ ../../docs/spec/runner-behaviour.md §14.14).
 *
 * What the plan becomes on the board is kickoff-apply.ts; kickoff exactly once is kickoff-once.ts.
 */
import type { KickoffPlan, KickoffTask } from '../contracts/kickoff';
import { PRIORITIES, SIZES, SPRINT_GOAL_LABEL, SPRINTS, TASK_AREAS } from '../contracts/vocabulary';
import { KickoffError, type HttpError } from './errors';
import { findCycles } from './dependency-graph';

const GOAL_TITLE = /^\[SPRINT GOAL\]\s+(M1|M2|M3|M4):\s+\S/;
const TASK_TITLE = /^\[TASK\]\s+\S/;
const AUTO_CLOSE = /\b(?:closes|closed|fixes|fixed|resolves|resolved)\s*#\d+\b/i;
const MIN_TASKS = 3;
const MAX_TASKS = 25;
const MAX_READY_LIMIT = 3;
const GOAL_FIELDS: ReadonlyArray<readonly [string, (sprint: string) => string]> = [
  ['Sprint', (sprint) => sprint],
  ['Status', () => 'Backlog'],
  ['Priority', () => 'P0'],
  ['Size', () => 'S'],
  ['Area', () => 'docs'],
];

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
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
    ['goal_issue.title', goalTitle],
    ['goal_issue.body_markdown', goalBody],
    ...tasks.flatMap((task, i): Array<[string, string]> => [
      [`tasks[${i}].title`, task.title],
      [`tasks[${i}].body_markdown`, task.body_markdown],
    ]),
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

/**
 * Dependencies among a plan's tasks that can never be satisfied: each cycle (titles) and every task
 * that is in one or waits on one, directly or not. Autopromotion needs a task's depends_on_titles to
 * be Done first, so these tasks would stay in Backlog forever.
 */
export function kickoffDependencyCycles(plan: Pick<KickoffPlan, 'tasks'>): { cycles: string[][]; unpromotable: string[] } {
  const numberOf = new Map(plan.tasks.map((task, i) => [task.title, i + 1]));
  const nodes = plan.tasks.map((task, i) => ({
    number: i + 1,
    depends_on: task.depends_on_titles.map((title) => numberOf.get(title)).filter((n): n is number => n !== undefined),
  }));
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
    `the plan's depends_on_titles form ${cycles.length === 1 ? 'a cycle' : `${cycles.length} cycles`} (${cycles.map(quoted).join('; ')}), ` +
      `so these tasks could never be promoted: ${quoted(unpromotable)}. Nothing was created; fix the goal or re-run kickoff for a new plan.`,
    { cycles, unpromotable },
  );
}
