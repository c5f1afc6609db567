/**
 * Kickoff happens once per sprint (a deviation from ../../docs/spec/runner-behaviour.md §4): a sprint that already has a
 * kickoff record, a sprint plan or a goal issue is refused (`kickoff_already_done`) unless the operator
 * asks to replan; a plan-apply whose outcome is unknown (no answer, 5xx, worker lost) is
 * `kickoff_apply_unknown`, naming what to look for and how to go on.
 */
import type { KickoffRecord, PlanApplyDraft } from '../contracts/kickoff';
import { KickoffError } from './errors';

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isPositiveInt = (value: unknown): value is number => Number.isInteger(value) && (value as number) > 0;

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
    Object.values(state.items)
      .filter(isObject)
      .filter((item) => item.last_seen_sprint === sprint)
      .map((item) => item.last_seen_issue_number),
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
    `sprint ${sprint} was already kicked off: ${existing.map((found) => found.description).join('; ')}. ` +
      `See it with \`${status}\`; run it without --kickoff to continue. To plan it again anyway, add --replan ` +
      '(existing issues stay on the board as they are; a new set is created and the sprint plan replaced).',
    { sprint, existing, status_command: status },
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
    `plan-apply for sprint ${sprint} was sent but its outcome is unknown (${cause}): the ${draft.issues.length} issues may or may not exist. ` +
      `Look on the project board for sprint ${sprint} issues titled "${goalTitle}" and the tasks in details.drafted_titles. ` +
      `If they are there, continue without kickoff: \`sprint-runner run --sprint ${sprint} --loop\`; ` +
      `if none is there, plan again with \`sprint-runner run --sprint ${sprint} --kickoff --replan --goal …\` (delete a partial set first). ` +
      `A plain kickoff of ${sprint} is refused from now on (\`${statusCommandFor(sprint)}\` shows the sprint).`,
    { sprint, kickoff_id: kickoffId, cause, drafted_titles: draft.issues.map((issue) => issue.title), status_command: statusCommandFor(sprint) },
  );
}

/** The memo record of a kickoff at one of its steps. */
export function kickoffRecord(draft: PlanApplyDraft, kickoffId: string, backend: string, status: KickoffRecord['status'], goalIssueNumber: number | null = null): KickoffRecord {
  return {
    kickoff_id: kickoffId,
    sprint: draft.sprint,
    backend,
    status,
    goal_title: draft.issues[0]?.title ?? '',
    issue_count: draft.issues.length,
    goal_issue_number: goalIssueNumber,
  };
}
