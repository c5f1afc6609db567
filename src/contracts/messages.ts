/**
 * Payloads of every signal, update and query of our workflows. Anyone holding the `temporal` CLI can
 * send any payload to any workflow, so each handler parses its payload here before touching state:
 * a bad signal is dropped with an event, a bad update is rejected by its validator, and no payload
 * can make a workflow task fail. Internal signals (sent by our own code) carry `version`, so a
 * future shape can be told apart from this one.
 */
import { z } from 'zod';
import { BOARD_STATUSES, REVIEWER_OUTCOMES, ROLES } from './vocabulary';
import { WorkerResultSchema } from './worker-result';

export type { BoardStatus } from './vocabulary';
export const BoardStatusSchema = z.enum(BOARD_STATUSES);
const RoleSchema = z.enum(ROLES);

/** Version of the internal signals' shape; bump with a new schema when it changes. */
export const MESSAGE_VERSION = 1;
const version = z.literal(MESSAGE_VERSION);

const issueNumber = z.number().int().positive().refine(Number.isSafeInteger, 'must be a safe integer');
const count = z.number().int().nonnegative().refine(Number.isSafeInteger, 'must be a safe integer');
const epochMs = z.number().int().nonnegative();
const jsonObject = z.record(z.string(), z.unknown());

export const RunIntentMessageSchema = z.strictObject({
  version,
  intent: z.strictObject({
    type: z.literal('RUN_INTENT'),
    role: RoleSchema,
    run_id: z.string().min(1).max(200),
    endpoint: z.string().startsWith('/internal/').max(200),
    body: jsonObject,
  }),
  raw: jsonObject.optional(),
  intentHash: z.string().regex(/^[0-9a-f]{64}$/, 'must be a sha256 hex digest'),
  routedAtMs: epochMs,
  /** The item's board status as the orchestrator saw it when it dispatched this intent. */
  observedStatus: BoardStatusSchema.optional(),
  /** When the orchestrator read the board (ms since the epoch). */
  observedAtMs: epochMs.optional(),
});

export const BoardObservationSchema = z.strictObject({
  version,
  status: BoardStatusSchema,
  projectItemId: z.string().min(1).max(200),
  /** When the board was read: an observation older than the item's own last transition is stale. */
  observedAtMs: epochMs.optional(),
});

export const SprintClosedSchema = z.strictObject({ version, reason: z.string().min(1).max(500) });

/**
 * Rework limits. The backend takes the reason and steps into an issue comment; these bounds keep the
 * request far below any request-size limit (Fastify's default is 1 MiB, Express's 100 KiB) and the
 * comment readable.
 */
export const REWORK_REASON_MAX = 2000;
export const REWORK_STEPS_MAX = 20;
export const REWORK_STEP_MAX = 500;

// C0 controls except tab and newline, DEL, C1 controls, and the bidirectional overrides/isolates
// that can make a comment read differently from what it says.
const UNPRINTABLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u;
const printable = (what: string, max: number) =>
  z
    .string({ error: `${what} must be a string` })
    .max(max, `${what} must be at most ${max} characters`)
    .refine((text) => text.trim().length > 0, `${what} must not be blank`)
    .refine((text) => !UNPRINTABLE.test(text), `${what} must be printable text (no control characters or bidirectional overrides)`);

export const ReworkRequestSchema = z.strictObject(
  {
    reason: printable('rework reason', REWORK_REASON_MAX),
    steps: z
      .array(printable('rework step', REWORK_STEP_MAX), { error: 'rework steps must be an array of strings' })
      .min(1, 'rework steps must not be empty when given')
      .max(REWORK_STEPS_MAX, `at most ${REWORK_STEPS_MAX} rework steps`)
      .optional(),
  },
  { error: 'rework payload must be an object {reason, steps?}' },
);
export type ReworkRequest = z.infer<typeof ReworkRequestSchema>;

export const ItemReportSchema = z.strictObject({
  version,
  issueNumber,
  /** The item workflow chain (its first run id): a new chain restarts seq and counts. */
  chain: z.string().min(1).max(100),
  seq: count,
  intentsReceived: count,
  intentsSuperseded: count,
  boardStatus: BoardStatusSchema.nullable(),
  busy: z.boolean(),
  timerPending: z.boolean(),
  /** The item workflow has ended (Done, or its sprint closed). */
  ended: z.boolean(),
});

export const SprintCloseSchema = z.strictObject({ reason: printable('close reason', 500) });

export const SprintItemsPageRequestSchema = z.strictObject({
  offset: count.optional(),
  limit: z.number().int().min(1).max(1000).optional(),
});

/**
 * The orchestrator state the sprint workflow holds (issue #14): runner-managed fields reach it from
 * item workflows through these updates, and a tick reads it through the `orchestratorState` query.
 */
const isoInstant = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$/, 'must be an ISO-8601 UTC instant');
const runId = z.string().min(1).max(200);
export const ReviewerOutcomeRecordSchema = z.strictObject({ version, issueNumber, outcome: z.enum(REVIEWER_OUTCOMES), at: isoInstant, runId });
export const ExecutorResponseRecordSchema = z.strictObject({ version, runId, at: isoInstant });
export const RunContextRequestSchema = z.strictObject({ runId });

/**
 * A Codex run's result, recorded in its item workflow by the activity before it completes: if the
 * completion is lost (server unreachable), the retried activity on any host returns it from there
 * instead of running Codex again.
 */
export const RunResultRecordSchema = z.strictObject({
  version,
  runId,
  result: WorkerResultSchema.extend({ attempt: z.number().int().positive().optional() }),
});
export const RecoveredRunResultRequestSchema = z.strictObject({ runId });

/**
 * The item a claim run holds, recorded in the item workflow the claim intent was routed to as soon
 * as Codex's claim call answered: the backend hands out the next Ready item, which may be another
 * one, and has no read route to find it later. A lost claim is resumed on this item.
 */
export const RunClaimRecordSchema = z.strictObject({ version, runId, issueNumber, projectItemId: z.string().min(1).max(200) });

/** A tick result too large for one payload arrives in slices (each far below the payload limit). */
export const TICK_RESULT_SLICE_CHARS = 128 * 1024;
export const StageTickResultSchema = z.strictObject({
  version,
  tick: count,
  attempt: z.number().int().positive(),
  index: count,
  count: z.number().int().min(1).max(10_000),
  text: z.string().max(TICK_RESULT_SLICE_CHARS),
});

/** Parses one message's arguments: exactly the arguments the schema list names, nothing more. */
export function parseMessageArgs<T>(schema: z.ZodType<T>, args: unknown[]): { ok: true; value: T } | { ok: false; error: string } {
  if (args.length !== 1) return { ok: false, error: `expected exactly one argument, got ${args.length}` };
  const parsed = schema.safeParse(args[0]);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, error: describeIssues(parsed.error) };
}

/** Messages without a payload (pause, resume, stop, tick, queries): no argument, or one null. */
export function noArgsProblem(args: unknown[]): string | null {
  if (args.length === 0 || (args.length === 1 && (args[0] === null || args[0] === undefined))) return null;
  return `takes no payload, got ${args.length} argument(s)`;
}

export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => {
      const path = issue.path.length ? issue.path.join('.') : 'payload';
      return issue.code === 'unrecognized_keys' ? `${path}: unknown field(s) ${issue.keys.join(', ')}` : `${path}: ${issue.message}`;
    })
    .join('; ');
}
