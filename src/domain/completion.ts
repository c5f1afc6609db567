/**
 * When a sprint is finished (../../docs/spec/runner-behaviour.md §2.7, ../../docs/spec/backend-orchestrator-contract.md §C): the orchestrator says so
 * (`completed`: nothing Ready, In Progress, In Review or in Backlog). Deviation: after kickoff the
 * sprint-goal issue is a tracking issue that stays in Backlog for humans (autopromotion never
 * promotes it when a sprint plan exists), so with a sprint plan the sprint is also finished when the
 * goal issue is the only Backlog item left and nothing is Ready, In Progress or In Review. The old runner
 * looped forever in that state.
 */
import type { DispatchSummary } from '../contracts/summary';

const ACTIVE = ['Ready', 'In Progress', 'In Review'] as const;

export function sprintFinished(summary: DispatchSummary, sprintPlan: Record<string, unknown> | null): boolean {
  if (summary.completed === true) return true;
  const goal = sprintPlan?.goal as { issue_number?: unknown } | undefined;
  if (typeof goal?.issue_number !== 'number') return false;
  const items = Array.isArray(summary.processed_items) ? summary.processed_items : [];
  if (!items.length) return false;
  return items.every((item) => {
    if ((ACTIVE as readonly string[]).includes(String(item.status))) return false;
    return item.status !== 'Backlog' || item.issue_number === goal.issue_number;
  });
}
