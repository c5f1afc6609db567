/**
 * Kickoff messages (../../docs/spec/runner-behaviour.md §4, §10.3; ../../docs/spec/backend-orchestrator-contract.md §A.4, §B.3).
 *
 * The plan Codex produced is parsed by validateKickoffPlan (domain/kickoff-plan.ts: the old runner's 23
 * rules in their order, with their codes) and the plan-apply answers by BackendClient
 * (contracts/backend.ts) and planKickoffApply / describePartialPlanApply; the draft and the sprint
 * plan cache are what the runner itself writes. So these are types, not schemas. The one schema here
 * guards the kickoff record read back from Temporal visibility (another run's memo).
 */
import { z } from 'zod';
import type { PolicyArea, Priority, Size, Sprint, TaskArea } from './vocabulary';

/** A task of the validated plan (strings stripped, area lower-cased, extra keys dropped). */
export interface KickoffTask {
  title: string;
  body_markdown: string;
  priority: Priority;
  size: Size;
  area: TaskArea;
  depends_on_titles: string[];
  initial_status: 'Backlog';
}

export interface KickoffPlan {
  sprint: Sprint;
  goal_issue: {
    title: string;
    body_markdown: string;
    labels: string[];
    /** Sprint/Status/Priority/Size/Area are checked; extra keys are kept. */
    fields: Record<string, unknown>;
  };
  tasks: KickoffTask[];
  ready_set_titles: string[];
  prioritization_rationale: string;
}

export interface IssueBrief {
  goal: string;
  non_goals: string[];
  acceptance_criteria: string[];
  files_likely_touched: string[];
  definition_of_done: string[];
}

export interface PlanApplyIssue extends IssueBrief {
  title: string;
  size: Size;
  area: PolicyArea;
  priority: Priority;
  initial_status: 'Backlog';
  /** Only the sprint-goal issue carries labels. */
  labels?: string[];
}

export interface PlanApplyDraft {
  sprint: Sprint;
  issues: PlanApplyIssue[];
}

export interface SprintPlanTask {
  title: string;
  issue_number: number;
  project_item_id: string;
  priority: Priority;
  depends_on_titles: string[];
  /** The issue's scope metadata from plan-apply (../../docs/spec/backend-orchestrator-contract.md §B.3), as it came. */
  scope: Record<string, unknown> | null;
}

/** `.runner-sprint-plan.json` as kickoff writes it (../../docs/spec/runner-behaviour.md §10.3). */
export interface SprintPlanCache {
  version: 1;
  sprint: string;
  generated_at: string;
  goal: { title: string; issue_number: number; project_item_id: string };
  tasks: SprintPlanTask[];
  ready_set_titles: string[];
  sprint_plan: Record<string, unknown>;
  ownership_index: Record<string, unknown>;
}

/**
 * The kickoff record kept in the sprint workflow's memo (key `kickoff`), so a later run of the same
 * workflow id finds what an earlier kickoff did even when that run failed or was killed mid-apply.
 * APPLYING is written before plan-apply is sent: a run that never got past it left an unknown outcome.
 */
export const KICKOFF_RECORD_STATUSES = ['APPLYING', 'APPLIED', 'APPLY_UNKNOWN', 'PARTIAL_FAIL', 'NOTHING_CREATED'] as const;
export const KickoffRecordSchema = z.object({
  kickoff_id: z.string(),
  sprint: z.string(),
  /** The backend (board) plan-apply was sent to: a kickoff applied to another board says nothing about this one. */
  backend: z.string(),
  status: z.enum(KICKOFF_RECORD_STATUSES),
  goal_title: z.string(),
  /** Drafted issues (goal + tasks). */
  issue_count: z.number().int(),
  goal_issue_number: z.number().int().positive().nullable(),
});
export type KickoffRecord = z.infer<typeof KickoffRecordSchema>;
