/**
 * Kickoff messages (../../docs/spec/runner-behaviour.md §4, §10.3; ../../docs/spec/backend-orchestrator-contract.md §A.4, §B.3): the validated plan Codex
 * produced, the draft sent to /internal/plan-apply, its responses, and the sprint plan cache.
 */
import { z } from 'zod';
import { POLICY_AREAS, PRIORITIES, SIZES, SPRINTS, TASK_AREAS } from './vocabulary';

export const KickoffTaskSchema = z.object({
  title: z.string(),
  body_markdown: z.string(),
  priority: z.enum(PRIORITIES),
  size: z.enum(SIZES),
  area: z.enum(TASK_AREAS),
  depends_on_titles: z.array(z.string()),
  initial_status: z.literal('Backlog'),
});
export type KickoffTask = z.infer<typeof KickoffTaskSchema>;

export const KickoffPlanSchema = z.object({
  sprint: z.enum(SPRINTS),
  goal_issue: z.object({
    title: z.string(),
    body_markdown: z.string(),
    labels: z.array(z.string()),
    // Sprint/Status/Priority/Size/Area are checked; extra keys are kept.
    fields: z.record(z.string(), z.unknown()),
  }),
  tasks: z.array(KickoffTaskSchema),
  ready_set_titles: z.array(z.string()),
  prioritization_rationale: z.string(),
});
export type KickoffPlan = z.infer<typeof KickoffPlanSchema>;

export const IssueBriefSchema = z.object({
  goal: z.string(),
  non_goals: z.array(z.string()),
  acceptance_criteria: z.array(z.string()),
  files_likely_touched: z.array(z.string()),
  definition_of_done: z.array(z.string()),
});
export type IssueBrief = z.infer<typeof IssueBriefSchema>;

export const PlanApplyIssueSchema = IssueBriefSchema.extend({
  title: z.string(),
  size: z.enum(SIZES),
  area: z.enum(POLICY_AREAS),
  priority: z.enum(PRIORITIES),
  initial_status: z.literal('Backlog'),
  /** Only the sprint-goal issue carries labels. */
  labels: z.array(z.string()).optional(),
});
export type PlanApplyIssue = z.infer<typeof PlanApplyIssueSchema>;

export const PlanApplyDraftSchema = z.object({
  sprint: z.enum(SPRINTS),
  issues: z.array(PlanApplyIssueSchema),
});
export type PlanApplyDraft = z.infer<typeof PlanApplyDraftSchema>;

/** Scope metadata per issue, computed by plan-apply (../../docs/spec/backend-orchestrator-contract.md §B.3). Read leniently: lists may hold anything. */
export const ScopeMetaSchema = z.looseObject({
  touch_paths: z.array(z.unknown()).optional(),
  owns_paths: z.array(z.unknown()).optional(),
  conflicts_with: z.array(z.unknown()).optional(),
  depends_on: z.array(z.unknown()).optional(),
  group_id: z.string().optional(),
  isolation_mode: z.string().optional(),
});
export type ScopeMeta = z.infer<typeof ScopeMetaSchema>;

export const PlanApplyCreatedSchema = z.looseObject({
  index: z.number().optional(),
  issue_number: z.number().optional(),
  issue_url: z.string().optional(),
  project_item_id: z.string().optional(),
  fields_set: z.record(z.string(), z.string()).optional(),
});
export type PlanApplyCreated = z.infer<typeof PlanApplyCreatedSchema>;

/** 200 APPLIED; the shape is checked field by field with the old runner's kickoff error codes. */
export const PlanApplyResponseSchema = z.looseObject({
  role: z.string().optional(),
  sprint: z.string().optional(),
  status: z.string().optional(),
  created: z.array(z.unknown()).optional(),
  sprint_plan: z.record(z.string(), z.unknown()).optional(),
  ownership_index: z.record(z.string(), z.unknown()).optional(),
});
export type PlanApplyResponse = z.infer<typeof PlanApplyResponseSchema>;

/** 502 body when plan-apply stopped half way: the issues in `created` exist on GitHub. */
export const PlanApplyPartialFailSchema = z.looseObject({
  status: z.literal('PARTIAL_FAIL'),
  created: z.array(PlanApplyCreatedSchema.catch(() => ({}))).catch(() => []),
  failed: z.looseObject({ index: z.number(), step: z.string(), error: z.string() }).optional().catch(undefined),
});
export type PlanApplyPartialFail = z.infer<typeof PlanApplyPartialFailSchema>;

export const SprintPlanTaskSchema = z.object({
  title: z.string(),
  issue_number: z.number().int().positive(),
  project_item_id: z.string(),
  priority: z.enum(PRIORITIES),
  depends_on_titles: z.array(z.string()),
  scope: ScopeMetaSchema.nullable(),
});

/** `.runner-sprint-plan.json` as kickoff writes it (../../docs/spec/runner-behaviour.md §10.3). */
export const SprintPlanCacheSchema = z.object({
  version: z.literal(1),
  sprint: z.string(),
  generated_at: z.string(),
  goal: z.object({ title: z.string(), issue_number: z.number().int().positive(), project_item_id: z.string() }),
  tasks: z.array(SprintPlanTaskSchema),
  ready_set_titles: z.array(z.string()),
  sprint_plan: z.record(z.string(), z.unknown()),
  ownership_index: z.record(z.string(), z.unknown()),
});
export type SprintPlanCache = z.infer<typeof SprintPlanCacheSchema>;

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
