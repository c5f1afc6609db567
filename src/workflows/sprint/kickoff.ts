/**
 * Sprint kickoff inside the sprint workflow (../../../docs/spec/runner-behaviour.md §4): goal → Codex plan (read-only)
 * → the 23 validation rules → plan-apply draft → plan-apply → sprint plan → ready-set promotion (or
 * its fallback). The sprint name and ready limit are checked before Codex runs (⚠ ../../../docs/spec/runner-behaviour.md §14.14).
 * Dry run generates and validates the plan but writes nothing (`KICKOFF_DRY_RUN`).
 *
 * Exactly once (issue #20): before Codex runs, earlier kickoffs of the sprint are looked for (memo
 * records of earlier runs of this workflow id, the sprint plan file, the goal issue in the
 * orchestrator state file) and the kickoff is refused (`kickoff_already_done`) unless `replan`. The
 * kickoff record in the memo goes to APPLYING before plan-apply is sent, so a run killed mid-apply
 * still blocks the next one. plan-apply heartbeats with a short timeout and is never retried: an
 * apply whose outcome is unknown ends at once as `kickoff_apply_unknown`. A plan with a dependency
 * cycle is refused before plan-apply (`kickoff_dependency_cycle`).
 */
import * as wf from '@temporalio/workflow';
import { ActivityFailure, ApplicationFailure, TimeoutFailure, type ActivityOptions } from '@temporalio/common';
import type { KickoffRecord, PlanApplyDraft } from '../../contracts/kickoff';
import { RunnerError } from '../../domain/errors';
import { prevalidateKickoff, refuseDependencyCycles, validateKickoffPlan } from '../../domain/kickoff-plan';
import { goalIssueNumberOf, planKickoffApply, toPlanApplyDraft } from '../../domain/kickoff-apply';
import { kickoffAlreadyDoneError, kickoffApplyUnknownError, kickoffIdFor, kickoffRecord } from '../../domain/kickoff-once';
import { emit } from '../events';
import { EXIT_CODES, type KickoffSummary } from './messages';
import type { MainActivities, OrchestratorActivities, ReviewerActivities } from '../activity-queues';
import { autopromote, executePromotionSteps, type PromotionContext } from './promotion';
import { failureFromActivity, stop } from './stops';

export const DEFAULT_READY_LIMIT = 3;

/**
 * Histories recorded before the exactly-once guard replay without it (it adds an activity and memo
 * commands before plan-apply); every new kickoff runs it.
 */
export const KICKOFF_EXACTLY_ONCE_PATCH = 'kickoff-exactly-once';

/** plan-apply heartbeats every 5 s (activities/failures.ts): a worker lost mid-apply is noticed within this. */
export const PLAN_APPLY_HEARTBEAT_TIMEOUT = '20s';

/** The plan-apply activity: one attempt (it creates issues), a heartbeat timeout so a dead worker costs seconds, not the 10-minute start-to-close. */
export function planApplyActivityOptions(sprint: string): ActivityOptions {
  return { startToCloseTimeout: '10m', heartbeatTimeout: PLAN_APPLY_HEARTBEAT_TIMEOUT, retry: { maximumAttempts: 1 }, summary: `plan-apply for ${sprint}` };
}

export interface KickoffRequest {
  sprint: string;
  goal: string;
  readyLimit: number;
  dryRun: boolean;
  toolsCallTimeoutS: number;
  /** Plan again although the sprint was kicked off before (`run --replan`): existing issues are left as they are. */
  replan?: boolean;
}

export interface KickoffActs {
  /** Codex (read-only; reviewer queue). */
  codex: ReviewerActivities;
  /** plan-apply: one attempt only, it creates issues. */
  planApply: MainActivities;
  promotion: PromotionContext;
}

export interface KickoffOutcome {
  summary: KickoffSummary;
  /** The sprint plan cache (live kickoff), for autopromotion from now on. */
  sprintPlan: Record<string, unknown> | null;
}

export async function runKickoff(request: KickoffRequest, acts: KickoffActs): Promise<KickoffOutcome> {
  inKickoff(() => prevalidateKickoff(request.sprint, request.readyLimit));
  const exactlyOnce = wf.patched(KICKOFF_EXACTLY_ONCE_PATCH);
  const info = wf.workflowInfo();
  const kickoffId = kickoffIdFor(info.workflowId, info.firstExecutionRunId);
  // The board (backend) this kickoff applies to, recorded with it; '' only for histories from before the guard.
  const backend = exactlyOnce ? await refuseRepeatedKickoff(request, info.workflowId, info.runId, acts.promotion.fileActs) : '';
  let raw: Record<string, unknown>;
  try {
    raw = await acts.codex.generateKickoffPlan({ sprint: request.sprint, readyLimit: request.readyLimit, goal: request.goal, toolsCallTimeoutS: request.toolsCallTimeoutS });
  } catch (err) {
    throw failureFromActivity(err, 'kickoff_failed');
  }
  const plan = inKickoff(() => validateKickoffPlan(raw, request.sprint, request.readyLimit));
  if (exactlyOnce) {
    try {
      refuseDependencyCycles(plan);
    } catch (err) {
      // The event names the tasks that could never be promoted (the HARD_STOP carries them too).
      emit('KICKOFF_DEPENDENCY_CYCLE', { ...(err as RunnerError).details });
      throw kickoffStop(err as RunnerError);
    }
  }
  const draft: PlanApplyDraft = inKickoff(() => toPlanApplyDraft(plan));
  emit('KICKOFF_PLAN', { plan });
  emit('KICKOFF_DRAFT', { draft });

  if (request.dryRun) {
    emit('KICKOFF_DRY_RUN', { ready_set_titles: plan.ready_set_titles });
    const summary: KickoffSummary = { status: 'DRY_RUN', ready_set_titles: plan.ready_set_titles, created: [], promoted: [] };
    emit('KICKOFF_RESULT', { status: summary.status, ready_set_titles: summary.ready_set_titles });
    return { summary, sprintPlan: null };
  }

  const record = (status: KickoffRecord['status'], goalIssueNumber: number | null = null) => {
    if (exactlyOnce) wf.upsertMemo({ kickoff: kickoffRecord(draft, kickoffId, backend, status, goalIssueNumber) });
  };
  // Written before the request leaves: if this run dies mid-apply, the next kickoff still sees it.
  record('APPLYING');
  let payload: Record<string, unknown>;
  try {
    payload = await acts.planApply.applyKickoffDraft(draft, { kickoffId });
  } catch (err) {
    const { failure, leftOnBoard } = exactlyOnce
      ? planApplyFailure(err, draft, kickoffId)
      : { failure: failureFromActivity(err, 'kickoff_failed'), leftOnBoard: 'APPLY_UNKNOWN' as const };
    record(leftOnBoard);
    throw failure;
  }
  record('APPLIED', goalIssueNumberOf(payload));
  const applied = inKickoff(() => planKickoffApply({ plan, draft, planApplyResponse: payload, readyLimit: request.readyLimit, nowIso: new Date().toISOString() }));
  const path = await acts.promotion.fileActs.saveSprintPlan(applied.sprintPlanCache);
  emit('SPRINT_PLAN_SAVED', { path, sprint: applied.sprintPlanCache.sprint });

  const promoted = await executePromotionSteps(applied.readySet, acts.promotion);
  const sprintPlan = applied.sprintPlanCache as unknown as Record<string, unknown>;
  if (applied.fallback) {
    emit(applied.fallback.event.type, applied.fallback.event);
    await autopromote(applied.fallback.summary, sprintPlan, request.readyLimit, { ...acts.promotion, dryRun: false });
  }
  emit('KICKOFF_RESULT', { status: 'APPLIED', kickoff_id: kickoffId, plan_apply: payload, promoted });
  const cache = applied.sprintPlanCache;
  return {
    summary: {
      status: 'APPLIED',
      ready_set_titles: plan.ready_set_titles,
      created: [cache.goal, ...cache.tasks].map((issue) => ({ title: issue.title, issue_number: issue.issue_number, project_item_id: issue.project_item_id })),
      promoted: promoted.map((entry) => ({ issue_number: entry.issue_number, project_item_id: entry.project_item_id })),
    },
    sprintPlan,
  };
}

/**
 * Refuses a kickoff of a sprint that was kicked off before, unless replan (then says what stays).
 * Dry run only reports. Returns the backend the kickoff applies to.
 */
async function refuseRepeatedKickoff(request: KickoffRequest, workflowId: string, runId: string, fileActs: OrchestratorActivities): Promise<string> {
  let found;
  try {
    found = await fileActs.findExistingKickoff({ sprint: request.sprint, workflowId, runId });
  } catch (err) {
    throw failureFromActivity(err, 'kickoff_failed');
  }
  const { existing, backend } = found;
  if (!existing.length) return backend;
  if (request.replan) {
    emit('KICKOFF_REPLAN', { sprint: request.sprint, existing, note: 'existing issues stay on the board unchanged; a new set is created and the sprint plan replaced' });
    return backend;
  }
  const refusal = kickoffAlreadyDoneError(request.sprint, existing);
  if (request.dryRun) {
    emit('KICKOFF_ALREADY_DONE', { sprint: request.sprint, existing, error: refusal.message });
    return backend;
  }
  throw kickoffStop(refusal);
}

/**
 * How a failed plan-apply ends the sprint, and what it left: a KickoffError from the activity says
 * it itself (4xx: nothing; PARTIAL_FAIL: the listed issues; unknown outcome); anything else — the
 * heartbeat or start-to-close timeout of a lost worker, an unclassified error — leaves the outcome
 * unknown, never "transient retries exhausted".
 */
function planApplyFailure(err: unknown, draft: PlanApplyDraft, kickoffId: string): { failure: ApplicationFailure; leftOnBoard: KickoffRecord['status'] } {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure && cause.type === 'KickoffError') {
    const details = (cause.details?.[0] ?? {}) as { code?: string; details?: { partial?: unknown } };
    const leftOnBoard = details.code === 'kickoff_apply_unknown' ? 'APPLY_UNKNOWN' : details.details?.partial ? 'PARTIAL_FAIL' : 'NOTHING_CREATED';
    return { failure: failureFromActivity(err, 'kickoff_failed'), leftOnBoard };
  }
  const reason =
    cause instanceof TimeoutFailure
      ? `the worker running it was lost (${String(cause.timeoutType).replace('TIMEOUT_TYPE_', '').toLowerCase().replace(/_/g, '-')} timeout)`
      : `it failed without an answer: ${(cause as Error)?.message ?? String(cause)}`;
  return { failure: kickoffStop(kickoffApplyUnknownError(draft, kickoffId, reason)), leftOnBoard: 'APPLY_UNKNOWN' };
}

/** A domain rejection during kickoff is the old runner's `kickoff_failed` hard stop (exit 2), code and details kept. */
function inKickoff<T>(decide: () => T): T {
  try {
    return decide();
  } catch (err) {
    if (err instanceof RunnerError) throw kickoffStop(err);
    throw err;
  }
}

function kickoffStop(err: RunnerError): ApplicationFailure {
  return stop(EXIT_CODES.HARD_STOP, 'kickoff_failed', err.message, { code: err.code, details: err.details });
}
