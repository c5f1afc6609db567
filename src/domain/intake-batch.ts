/**
 * One orchestrator batch, all or nothing: every stdout line is validated and bound to its item, and
 * every DISPATCH_SUMMARY checked, before the first intent is routed. A line that cannot be
 * delivered refuses the whole batch with its own code, so nothing of it runs and nothing is left
 * half-applied (the orchestrator's state already marks the batch as dispatched; a retry would not
 * see it again).
 *
 * Batch checks on top of each line's own (domain/intents.ts):
 * - `intent_duplicate_run_id`: a run_id may appear once per batch (two issues sharing one would both run);
 * - `intent_unbound`: a *claim* intent (EXECUTOR on claim-ready-item) is bound to its item through
 *   the state file only (../../docs/spec/runner-behaviour.md §10.2.3: the item whose `last_run_id` it is); no item has it → refused.
 *   Every other intent names its issue in `body.issue_number` (checked by parseIntentLine) and is
 *   never bound through the state file, so a reviewer intent reusing a claim's run_id cannot land
 *   on the claim's item;
 * - `intent_too_large`: what the router would send for it (the signal-with-start payloads) must fit
 *   the server's payload limit (RUNNER_MAX_PAYLOAD_BYTES) less an envelope allowance.
 * A DISPATCH_SUMMARY that is not the shape the runner reads (contracts/summary.ts) is `summary_invalid`.
 */
import type { ParsedRunIntent, RunIntent } from '../contracts/intent';
import { IntentError, RunnerError } from './errors';
import { decodeIntentLine, isBlankIntentLine, isClaimIntent, isPositiveSafeInteger, jsonNestingDepth, parseIntentLine } from './intents';
import { parseAt, parseIssueList } from '../contracts/parse';
import type { OrchestratorState } from '../contracts/state-file';
import { DispatchSummarySchema, type DispatchSummary } from '../contracts/summary';
import { projectItemIdForIssue, runContext } from './state-file';

/** Protobuf framing, payload metadata and the routing timestamp around the JSON we measure. */
export const PAYLOAD_ENVELOPE_ALLOWANCE_BYTES = 4 * 1024;
/** DISPATCH_SUMMARY nests 4 levels; more than this is not a summary the runner can use. */
export const MAX_SUMMARY_DEPTH = 64;

/** A refused batch: the code, a message naming the problem, and the 1-based stdout line (null: not a stdout line). */
export class IntakeRefusal extends IntentError {
  constructor(
    code: string,
    message: string,
    details: Record<string, unknown>,
    readonly line: number | null,
  ) {
    super(code, message, details);
  }
}

/** The orchestrator's DISPATCH_SUMMARY is unusable (stderr channel). */
export class SummaryError extends RunnerError {}

export interface BatchIntent {
  /** 1-based orchestrator stdout line. */
  line: number;
  intent: RunIntent;
  raw: Record<string, unknown>;
  issueNumber: number;
  projectItemId: string | null;
}

/** Validates and binds every stdout line; throws IntakeRefusal for the first line that cannot be delivered. */
export function validateIntentLines(lines: readonly Uint8Array[], state: OrchestratorState, statePath: string): BatchIntent[] {
  const batch: BatchIntent[] = [];
  const lineOfRunId = new Map<string, number>();
  lines.forEach((bytes, index) => {
    const line = index + 1;
    let parsed: ParsedRunIntent;
    try {
      const text = decodeIntentLine(bytes);
      if (isBlankIntentLine(text)) return;
      parsed = parseIntentLine(text);
    } catch (err) {
      if (err instanceof IntentError) throw new IntakeRefusal(err.code, err.message, err.details, line);
      throw err;
    }
    const { raw, ...intent } = parsed;
    const first = lineOfRunId.get(intent.run_id);
    if (first !== undefined) {
      throw new IntakeRefusal(
        'intent_duplicate_run_id',
        `run_id ${intent.run_id} is used by lines ${first} and ${line} of one batch (a run_id names one run)`,
        {
          run_id: intent.run_id,
          first_line: first,
        },
        line,
      );
    }
    lineOfRunId.set(intent.run_id, line);
    const bound = bindToItem(intent, state);
    if (!bound) {
      throw new IntakeRefusal(
        'intent_unbound',
        `claim intent ${intent.run_id} is not bound to any item in ${statePath} (no item has it as last_run_id with last_dispatched_role EXECUTOR)`,
        {
          run_id: intent.run_id,
        },
        line,
      );
    }
    batch.push({ line, intent, raw, ...bound });
  });
  return batch;
}

/** Claims through the state file (../../docs/spec/runner-behaviour.md §10.2.3); everything else by the issue its body names. */
export function bindToItem(
  intent: Pick<RunIntent, 'role' | 'endpoint' | 'run_id' | 'body'>,
  state: OrchestratorState,
): { issueNumber: number; projectItemId: string | null } | null {
  if (isClaimIntent(intent)) {
    const context = runContext(state, intent.run_id);
    return context && { issueNumber: context.issueNumber, projectItemId: context.projectItemId };
  }
  const issue = intent.body.issue_number;
  if (!isPositiveSafeInteger(issue)) return null;
  return { issueNumber: issue, projectItemId: projectItemIdForIssue(state, issue) };
}

/** `intent_too_large` when `encodedBytes` (what routing sends) does not fit the payload limit. */
export function checkPayloadSize(entry: Pick<BatchIntent, 'line' | 'intent'>, encodedBytes: number, maxPayloadBytes: number): void {
  const allowed = maxPayloadBytes - PAYLOAD_ENVELOPE_ALLOWANCE_BYTES;
  if (encodedBytes <= allowed) return;
  throw new IntakeRefusal(
    'intent_too_large',
    `intent ${entry.intent.run_id} would be sent as ${encodedBytes} bytes; at most ${Math.max(0, allowed)} fit (RUNNER_MAX_PAYLOAD_BYTES ${maxPayloadBytes} less ${PAYLOAD_ENVELOPE_ALLOWANCE_BYTES} for the envelope)`,
    {
      run_id: entry.intent.run_id,
      encoded_bytes: encodedBytes,
      max_payload_bytes: maxPayloadBytes,
    },
    entry.line,
  );
}

/**
 * A DISPATCH_SUMMARY line (its text and parsed object) through DispatchSummarySchema, or
 * SummaryError `summary_invalid` naming every problem. Only what the runner reads must have its
 * shape (`processed_items` an array of objects, `status_counts` an object); other fields pass
 * through as the orchestrator wrote them, if not absurdly nested.
 */
export function parseDispatchSummary(text: string, summary: Record<string, unknown>): DispatchSummary {
  if (jsonNestingDepth(text, MAX_SUMMARY_DEPTH) > MAX_SUMMARY_DEPTH) throw new SummaryError('summary_invalid', `DISPATCH_SUMMARY nests deeper than ${MAX_SUMMARY_DEPTH} levels`);
  return parseAt(
    DispatchSummarySchema,
    summary,
    (problem, error) => new SummaryError('summary_invalid', `DISPATCH_SUMMARY ${problem}`.slice(0, 500), { issues: parseIssueList(error, summary) }),
  );
}

/** Per item of a batch: how many of its intents went to it (first seen order). */
export function intentsPerItem(
  intents: ReadonlyArray<{ issueNumber: number; projectItemId: string | null }>,
): Array<{ issueNumber: number; projectItemId: string | null; intents: number }> {
  const items = new Map<number, { issueNumber: number; projectItemId: string | null; intents: number }>();
  for (const entry of intents) {
    const known = items.get(entry.issueNumber) ?? { issueNumber: entry.issueNumber, projectItemId: entry.projectItemId, intents: 0 };
    known.intents += 1;
    items.set(entry.issueNumber, known);
  }
  return [...items.values()];
}
