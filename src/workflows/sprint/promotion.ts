/**
 * Ready-buffer promotion inside the sprint workflow (../../../docs/spec/runner-behaviour.md §4.5 step 6–7, §5): the
 * domain plans ordered steps, this executes them — events as they come, each promotion POSTed (or,
 * in dry run, only reported). A dependency graph that cannot be made acyclic stops the sprint with
 * exit 3, 5 or 6 (after writing the regen request).
 */
import type { DispatchSummary } from '../../contracts/summary';
import { dryRunPromotionEvent, planAutopromotion, promotionAppliedEvent, type PromotionStep } from '../../domain/autopromotion';
import { RunnerError } from '../../domain/errors';
import { emit } from '../events';
import { EXIT_CODES } from './messages';
import type { MainActivities, OrchestratorActivities } from '../activity-queues';
import { stop } from './stops';

export interface PromotionContext {
  /** Backend writes (main queue). */
  acts: MainActivities;
  /** Files beside the orchestrator state (orchestrator queue). */
  fileActs: OrchestratorActivities;
  dryRun: boolean;
  regenAttempts: number;
  regenRequestPath: string;
  /** The last DEPENDENCY_GRAPH_SANITIZED report emitted; the same report every tick says nothing new (⚠ ../../../docs/spec/runner-behaviour.md §14.11). */
  lastSanitizationReport?: string;
}

export interface PromotionRecord {
  title?: string;
  issue_number: number;
  project_item_id: string;
  update_payload: Record<string, unknown>;
}

/** Executes planned steps in order; returns what was promoted. */
export async function executePromotionSteps(steps: PromotionStep[], ctx: PromotionContext): Promise<PromotionRecord[]> {
  const promoted: PromotionRecord[] = [];
  for (const step of steps) {
    if (step.kind === 'emit') {
      const key = JSON.stringify(step.event);
      if (step.event.type === 'DEPENDENCY_GRAPH_SANITIZED') {
        if (key === ctx.lastSanitizationReport) continue;
        ctx.lastSanitizationReport = key;
      }
      emit(step.event.type, step.event);
    } else if (ctx.dryRun) {
      emit('BOARD_PROMOTION_APPLIED', dryRunPromotionEvent(step.promotion));
    } else {
      const payload = await ctx.acts.promoteToReady(step.promotion.body as unknown as Record<string, unknown>);
      emit('BOARD_PROMOTION_APPLIED', promotionAppliedEvent(step.promotion, payload));
      promoted.push({ title: step.promotion.title, issue_number: step.promotion.issue_number, project_item_id: step.promotion.project_item_id, update_payload: payload });
    }
  }
  return promoted;
}

/** ../../../docs/spec/runner-behaviour.md §5 on one summary: fill the Ready buffer up to `readyTarget`, sanitising the sprint plan's graph first. */
export async function autopromote(summary: DispatchSummary, sprintPlan: Record<string, unknown> | null, readyTarget: number, ctx: PromotionContext): Promise<void> {
  let plan;
  try {
    plan = planAutopromotion({
      summary,
      sprintPlan,
      readyTarget,
      dryRun: ctx.dryRun,
      regenAttempts: ctx.regenAttempts,
      nowIso: new Date().toISOString(),
      requestPath: ctx.regenRequestPath,
    });
  } catch (err) {
    if (err instanceof RunnerError) throw stop(EXIT_CODES.MALFORMED_ITEM_DATA, 'malformed_item_data', err.message);
    throw err;
  }
  await executePromotionSteps(plan.steps, ctx);
  if (plan.stop) {
    if (plan.sanitization?.outcome === 'handoff') await ctx.fileActs.writeRegenRequest(plan.sanitization.regenRequest as unknown as Record<string, unknown>);
    throw stop(plan.stop.exitCode, String(plan.stop.hardStop.reason ?? 'dependency_graph'), plan.stop.message);
  }
}
