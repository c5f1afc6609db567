/**
 * Backend answers the runner reads, per route (../../docs/spec/runner-behaviour.md §12.2, ../../docs/spec/backend-orchestrator-contract.md §A.0–§A.7).
 * BackendClient (activities/backend-client.ts) parses every success answer (HTTP < 400) of a route
 * with its schema here; a mismatch is HttpError `backend_invalid_payload` (HARD_STOP) naming the route
 * and the field. Loose: extra keys pass through (the backend may add some), and fields the callers
 * check themselves with the old runner's error codes stay optional here.
 *
 * The agent-context bundle is parsed where it is used, with its own code `bundle_invalid`
 * (AgentContextBundleSchema in bundle.ts, domain/prompts.ts; ../../docs/spec/runner-behaviour.md §3.3.2).
 * The runner never calls the claim route (the EXECUTOR worker does): no schema for it.
 */
import { z } from 'zod';

/** GET /internal/preflight (../../docs/spec/backend-orchestrator-contract.md §A.1): PASS and FAIL are both 200. */
export const PreflightResponseSchema = z.looseObject({
  role: z.string().optional(),
  bundle_hash: z.string().optional(),
  template: z.looseObject({ path: z.string(), size_bytes: z.number(), sha256: z.string() }).optional(),
  project_schema: z.looseObject({ status: z.string(), mismatches: z.array(z.unknown()) }).optional(),
  status: z.string().optional(),
  errors: z.array(z.record(z.string(), z.unknown())).optional(),
});
export type PreflightResponse = z.infer<typeof PreflightResponseSchema>;

const CommentRefSchema = z.looseObject({ id: z.number(), html_url: z.string() });

/** POST /internal/project-item/update-field (../../docs/spec/backend-orchestrator-contract.md §A.5). */
export const UpdateFieldResponseSchema = z.looseObject({
  role: z.string().optional(),
  project_item_id: z.string().optional(),
  updated: z.record(z.string(), z.string()).optional(),
  handoff_comment: CommentRefSchema.optional(),
  failure_comment: CommentRefSchema.optional(),
  rework_comment: CommentRefSchema.optional(),
  retry_comment: CommentRefSchema.optional(),
});
export type UpdateFieldResponse = z.infer<typeof UpdateFieldResponseSchema>;

/** POST /internal/reviewer/resolve-linked-pr (../../docs/spec/backend-orchestrator-contract.md §A.7); a blank pr_url or project_item_id is the caller's check. */
export const ResolveLinkedPrResponseSchema = z.looseObject({
  pr_number: z.number().optional(),
  pr_url: z.string().optional(),
  issue_number: z.number().optional(),
  project_item_id: z.string().optional(),
  run_id: z.string().optional(),
  head_ref: z.string().optional(),
  head_sha: z.string().optional(),
});
export type ResolveLinkedPrResponse = z.infer<typeof ResolveLinkedPrResponseSchema>;

/**
 * POST /internal/plan-apply, 200 (../../docs/spec/backend-orchestrator-contract.md §A.4). `status` APPLIED and the entries of `created` are
 * checked by the kickoff with its own codes (domain/kickoff-apply.ts, planKickoffApply).
 */
export const PlanApplyResponseSchema = z.looseObject({
  role: z.string().optional(),
  sprint: z.string().optional(),
  status: z.string().optional(),
  created: z.array(z.unknown()).optional(),
  sprint_plan: z.record(z.string(), z.unknown()).optional(),
  ownership_index: z.record(z.string(), z.unknown()).optional(),
});
export type PlanApplyResponse = z.infer<typeof PlanApplyResponseSchema>;

const numberOrNull = z.number().nullable().catch(null);
const stringOrNull = z.string().nullable().catch(null);
const PlanApplyCreatedEntrySchema = z.looseObject({ index: numberOrNull, issue_number: numberOrNull, project_item_id: stringOrNull, issue_url: stringOrNull });

/**
 * POST /internal/plan-apply, 502 PARTIAL_FAIL (../../docs/spec/backend-orchestrator-contract.md §A.4): the issues in `created` exist on GitHub. An
 * error answer, read only to tell the operator what is left behind, so read leniently: an entry of
 * `created` that is not an object is left out, a field of the wrong type reads as null.
 */
export const PlanApplyPartialFailSchema = z.looseObject({
  status: z.literal('PARTIAL_FAIL'),
  created: z
    .array(z.unknown())
    .catch([])
    .transform((entries) =>
      entries.flatMap((entry) => {
        const parsed = PlanApplyCreatedEntrySchema.safeParse(entry);
        return parsed.success ? [parsed.data] : [];
      }),
    ),
  failed: z.looseObject({ index: numberOrNull, step: stringOrNull, error: stringOrNull }).nullable().catch(null),
});
export type PlanApplyPartialFail = z.output<typeof PlanApplyPartialFailSchema>;

/**
 * Every route the runner calls, with the schema of its success answer; `null`: parsed by the caller
 * with the code the spec gives it. A route missing here cannot be called (the client's types).
 */
export const BACKEND_ROUTES = {
  'GET /internal/preflight': PreflightResponseSchema,
  /** Parsed by buildBaseInstructions (domain/prompts.ts) as `bundle_invalid`. */
  'GET /internal/agent-context': null,
  'POST /internal/project-item/update-field': UpdateFieldResponseSchema,
  'POST /internal/reviewer/resolve-linked-pr': ResolveLinkedPrResponseSchema,
  'POST /internal/plan-apply': PlanApplyResponseSchema,
} as const;
export type BackendRoute = keyof typeof BACKEND_ROUTES;
export type BackendPath<M extends 'GET' | 'POST'> = BackendRoute extends infer R ? (R extends `${M} ${infer P}` ? P : never) : never;
type SchemaOf<R extends BackendRoute> = (typeof BACKEND_ROUTES)[R];
/** What a route answers once parsed: its schema's output, or a JSON object for a route its caller parses. */
export type BackendAnswer<R extends BackendRoute> = SchemaOf<R> extends z.ZodType ? z.output<SchemaOf<R>> : Record<string, unknown>;
