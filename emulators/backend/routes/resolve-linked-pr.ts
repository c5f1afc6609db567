/** POST /internal/reviewer/resolve-linked-pr — read-only: the one PR linked to an issue, or a 409. */
import { isNonEmptyString } from '../../shared/json-file';
import { ReviewerLinkageError, resolveLinkedPullRequest } from '../linkage';
import { ROLE_TOKEN_ERROR, ROLE_TOKEN_RE } from '../preflight';
import { type RouteHandler, badRequest, isRouteResult, loadBundleOrError, preflightGate, requestBody } from './common';

export const handleResolveLinkedPr: RouteHandler = async (ctx, request) => {
  const body = requestBody(request);
  if (!isNonEmptyString(body.role)) return badRequest('body.role is required');
  const role = body.role.trim().toUpperCase();
  if (!ROLE_TOKEN_RE.test(role)) return badRequest(ROLE_TOKEN_ERROR);
  if (role !== 'REVIEWER' && role !== 'EXECUTOR') return badRequest('body.role must be REVIEWER or EXECUTOR');
  const issueNumber = body.issue_number;
  if (!Number.isInteger(issueNumber) || (issueNumber as number) <= 0) return badRequest('body.issue_number must be a positive integer');

  const gate = await preflightGate(ctx, role);
  if (gate) return gate;
  const bundle = await loadBundleOrError(ctx, role);
  if (isRouteResult(bundle)) return bundle;

  try {
    const linked = resolveLinkedPullRequest(ctx.board.listProjectItems(), ctx.board.listPullRequests(), issueNumber as number);
    return { status: 200, body: linked };
  } catch (err) {
    // The 409 body carries the linkage *code* as `error`, then the details.
    if (err instanceof ReviewerLinkageError) return { status: 409, body: { error: err.code, ...err.details } };
    throw err;
  }
};
