/**
 * Sprint kickoff inside the sprint workflow (runner-behaviour.md §4): goal → Codex plan (read-only)
 * → the 23 validation rules → plan-apply draft → plan-apply → sprint plan → ready-set promotion (or
 * its fallback). The sprint name and ready limit are checked before Codex runs (⚠ §14.14).
 * Dry run generates and validates the plan but writes nothing (`KICKOFF_DRY_RUN`).
 */
import type { PlanApplyDraft } from '../../contracts/kickoff';
import { RunnerError } from '../../domain/errors';
import { planKickoffApply, prevalidateKickoff, toPlanApplyDraft, validateKickoffPlan } from '../../domain/kickoff';
import { emit } from '../events';
import { EXIT_CODES, type KickoffSummary } from './messages';
import type { SprintActivities } from './ports';
import { autopromote, executePromotionSteps, type PromotionContext } from './promotion';
import { failureFromActivity, stop } from './stops';

export const DEFAULT_READY_LIMIT = 3;

export interface KickoffRequest {
  sprint: string;
  goal: string;
  readyLimit: number;
  dryRun: boolean;
  toolsCallTimeoutS: number;
}

export interface KickoffActs {
  /** Codex (read-only; reviewer queue). */
  codex: SprintActivities;
  /** plan-apply: one attempt only, it creates issues. */
  planApply: SprintActivities;
  promotion: PromotionContext;
}

export interface KickoffOutcome {
  summary: KickoffSummary;
  /** The sprint plan cache (live kickoff), for autopromotion from now on. */
  sprintPlan: Record<string, unknown> | null;
}

export async function runKickoff(request: KickoffRequest, acts: KickoffActs): Promise<KickoffOutcome> {
  inKickoff(() => prevalidateKickoff(request.sprint, request.readyLimit));
  let raw: Record<string, unknown>;
  try {
    raw = await acts.codex.generateKickoffPlan({ sprint: request.sprint, readyLimit: request.readyLimit, goal: request.goal, toolsCallTimeoutS: request.toolsCallTimeoutS });
  } catch (err) {
    throw failureFromActivity(err, 'kickoff_failed');
  }
  const plan = inKickoff(() => validateKickoffPlan(raw, request.sprint, request.readyLimit));
  const draft: PlanApplyDraft = inKickoff(() => toPlanApplyDraft(plan));
  emit('KICKOFF_PLAN', { plan });
  emit('KICKOFF_DRAFT', { draft });

  if (request.dryRun) {
    emit('KICKOFF_DRY_RUN', { ready_set_titles: plan.ready_set_titles });
    const summary: KickoffSummary = { status: 'DRY_RUN', ready_set_titles: plan.ready_set_titles, created: [], promoted: [] };
    emit('KICKOFF_RESULT', { status: summary.status, ready_set_titles: summary.ready_set_titles });
    return { summary, sprintPlan: null };
  }

  let payload: Record<string, unknown>;
  try {
    payload = await acts.planApply.applyKickoffDraft(draft);
  } catch (err) {
    throw failureFromActivity(err, 'kickoff_failed');
  }
  const applied = inKickoff(() => planKickoffApply({ plan, draft, planApplyResponse: payload, readyLimit: request.readyLimit, nowIso: new Date().toISOString() }));
  const path = await acts.promotion.fileActs.saveSprintPlan(applied.sprintPlanCache);
  emit('SPRINT_PLAN_SAVED', { path, sprint: applied.sprintPlanCache.sprint });

  const promoted = await executePromotionSteps(applied.readySet, acts.promotion);
  const sprintPlan = applied.sprintPlanCache as unknown as Record<string, unknown>;
  if (applied.fallback) {
    emit(applied.fallback.event.type, applied.fallback.event);
    await autopromote(applied.fallback.summary as unknown as Record<string, unknown>, sprintPlan, request.readyLimit, { ...acts.promotion, dryRun: false });
  }
  emit('KICKOFF_RESULT', { status: 'APPLIED', plan_apply: payload, promoted });
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

/** A domain rejection during kickoff is the seed's `kickoff_failed` hard stop (exit 2), code and details kept. */
function inKickoff<T>(decide: () => T): T {
  try {
    return decide();
  } catch (err) {
    if (err instanceof RunnerError) {
      throw stop(EXIT_CODES.HARD_STOP, 'kickoff_failed', err.message, { code: err.code, details: err.details });
    }
    throw err;
  }
}
