/**
 * POST /internal/executor/claim-ready-item — the backend, not the caller, picks the item: the
 * lowest-numbered Ready item of the sprint that nobody holds a live claim on and that has no PR yet.
 * The claim is an issue comment with a lease (TTL); among live claims the lowest comment id wins.
 */
import { isNonEmptyString } from '../../shared/json-file';
import { type BoardItem, NodeNotFoundError, NotFoundError } from '../board';
import type { BackendContext } from '../context';
import { ExecutorLinkageError, findExistingPullRequest } from '../linkage';
import { MarkerError, UUID_RE, formatClaimMarker, parseClaimMarker } from '../markers';
import { ROLE_TOKEN_ERROR, ROLE_TOKEN_RE } from '../preflight';
import { PERMISSIONS_POLICY_PATH, SCHEMA_POLICY_PATH, TRANSITIONS_POLICY_PATH, bundleJson, checkTransition, roleHasCapability, schemaFieldOptions } from '../policy';
import { type RouteHandler, type RouteResult, badRequest, isRouteResult, loadBundleOrError, preflightGate, requestBody } from './common';

export const CLAIM_ROUTE = '/internal/executor/claim-ready-item';
const DEFAULT_CLAIM_TTL_MINUTES = 15;

/** A 409 from claim evaluation: `{error: message, ...details}`. */
class ClaimConflict extends Error {
  constructor(
    message: string,
    readonly details: Record<string, unknown> = { ambiguous: true },
  ) {
    super(message);
  }
}

interface ClaimState {
  holderRunId: string | null;
}

type CandidateOutcome = { claimed: Record<string, unknown> } | { denied: RouteResult } | { skipped: string };

export const handleClaimReadyItem: RouteHandler = async (ctx, request) => {
  const body = requestBody(request);
  if (!isNonEmptyString(body.role)) return badRequest('body.role is required');
  const role = body.role.trim().toUpperCase();
  if (!ROLE_TOKEN_RE.test(role)) return badRequest(ROLE_TOKEN_ERROR);
  if (role !== 'EXECUTOR') return badRequest('body.role must be EXECUTOR');
  if (!isNonEmptyString(body.run_id) || !UUID_RE.test(body.run_id.trim())) return badRequest('body.run_id must be a valid UUID');
  if (body.sprint !== undefined && !isNonEmptyString(body.sprint)) return badRequest('body.sprint must be a non-empty string when provided');
  const runId = body.run_id.trim();
  const sprint = body.sprint as string | undefined;

  const gate = await preflightGate(ctx, role);
  if (gate) return gate;
  const bundle = await loadBundleOrError(ctx, role);
  if (isRouteResult(bundle)) return bundle;
  if (sprint !== undefined && !schemaFieldOptions(bundleJson(bundle, SCHEMA_POLICY_PATH), 'Sprint').includes(sprint)) {
    return badRequest('body.sprint is not allowed by project schema policy');
  }
  const permissions = bundleJson(bundle, PERMISSIONS_POLICY_PATH);
  if (!roleHasCapability(permissions, role, 'can_set_project_fields') && !roleHasCapability(permissions, role, 'can_update_status_only')) {
    return { status: 403, body: { error: 'role is not allowed to update status' } };
  }
  const transitions = bundleJson(bundle, TRANSITIONS_POLICY_PATH);

  try {
    return await ctx.claimQueue.run(async () => {
      const candidates = ctx.board
        .listProjectItems()
        .filter((item) => item.fields.Status === 'Ready' && (sprint === undefined || item.fields.Sprint === sprint))
        .sort((a, b) => a.issue_number - b.issue_number);
      for (const candidate of candidates) {
        const outcome = claimCandidate(ctx, candidate, role, runId, transitions);
        if ('denied' in outcome) return outcome.denied;
        if ('claimed' in outcome) return { status: 200, body: { role, run_id: runId, claimed: outcome.claimed } };
      }
      return { status: 200, body: { role, run_id: runId, claimed: null, reason: 'no_claimable_ready_item_found' } };
    });
  } catch (err) {
    if (err instanceof ClaimConflict || err instanceof ExecutorLinkageError) {
      return { status: 409, body: { error: err.message, ...err.details } };
    }
    if (err instanceof NotFoundError || err instanceof NodeNotFoundError) return { status: 502, body: { error: err.message } };
    throw err;
  }
};

function claimCandidate(ctx: BackendContext, candidate: BoardItem, role: string, runId: string, transitions: unknown): CandidateOutcome {
  const before = evaluateClaimState(ctx, candidate);
  if (before.holderRunId !== null && before.holderRunId !== runId) return { skipped: 'already_claimed_by_other_run' };
  const alreadyMine = before.holderRunId === runId;

  if (!alreadyMine) {
    const linkage = findExistingPullRequest(ctx.board.listPullRequests(), candidate.issue_number, candidate.project_item_id);
    if (linkage.linked) return { skipped: linkage.reason };
  }

  if (!checkTransition(transitions, role, 'Ready', 'In Progress').allowed) {
    return { denied: { status: 403, body: { error: 'status transition is not allowed by policy', from: 'Ready', to: 'In Progress' } } };
  }

  const source = { role, run_id: runId, http_route: CLAIM_ROUTE };
  if (!alreadyMine) {
    const marker = formatClaimMarker({
      issue: candidate.issue_number,
      project_item_id: candidate.project_item_id,
      run_id: runId,
      claimed_at: ctx.board.now(),
    });
    ctx.board.createIssueComment(candidate.issue_number, marker, source);
    if (evaluateClaimState(ctx, candidate).holderRunId !== runId) return { skipped: 'already_claimed_by_other_run' };
  }

  const status = ctx.board.getFieldValue(candidate.project_item_id, 'Status');
  if (status !== 'Ready' && status !== 'In Progress') return { skipped: 'status_changed' };
  if (status === 'Ready') ctx.board.setField(candidate.project_item_id, 'Status', 'In Progress', source);
  if (ctx.board.getFieldValue(candidate.project_item_id, 'Status') !== 'In Progress') return { skipped: 'status_not_committed' };

  ctx.board.record({ kind: 'claim', project_item_id: candidate.project_item_id, issue_number: candidate.issue_number, ...source });
  ctx.board.persist();
  return {
    claimed: {
      issue_number: candidate.issue_number,
      issue_url: candidate.issue_url,
      project_item_id: candidate.project_item_id,
      branch: `executor/issue-${candidate.issue_number}`,
      fields_set: { Status: 'In Progress' },
    },
  };
}

/** Live claim markers on the issue; expired leases are ignored and the lowest comment id wins. */
function evaluateClaimState(ctx: BackendContext, candidate: BoardItem): ClaimState {
  const ttlMinutes = claimTtlMinutes(ctx.env.EXECUTOR_CLAIM_TTL_MINUTES);
  const live: { id: number; run_id: string }[] = [];
  for (const comment of ctx.board.listIssueComments(candidate.issue_number)) {
    let marker;
    try {
      marker = parseClaimMarker(comment.body);
    } catch (err) {
      if (err instanceof MarkerError) throw new ClaimConflict(err.message);
      throw err;
    }
    if (!marker || marker.issue !== candidate.issue_number) continue;
    if (marker.project_item_id !== candidate.project_item_id) {
      throw new ClaimConflict('claim marker project_item_id mismatch for issue', {
        ambiguous: true,
        issue_number: candidate.issue_number,
        project_item_id: candidate.project_item_id,
        marker_project_item_id: marker.project_item_id,
      });
    }
    const ageMinutes = (ctx.board.nowMs() - Date.parse(marker.claimed_at)) / 60000;
    if (ageMinutes >= ttlMinutes) continue;
    live.push({ id: comment.id, run_id: marker.run_id });
  }
  live.sort((a, b) => a.id - b.id);
  return { holderRunId: live[0]?.run_id ?? null };
}

function claimTtlMinutes(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return DEFAULT_CLAIM_TTL_MINUTES;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new ClaimConflict('EXECUTOR_CLAIM_TTL_MINUTES must be a positive integer');
  return value;
}
