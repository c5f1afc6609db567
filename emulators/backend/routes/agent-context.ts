/** GET /internal/agent-context?role= — the role's instruction bundle; no preflight, no GitHub. */
import { ROLE_TOKEN_ERROR, ROLE_TOKEN_RE } from '../preflight';
import { type RouteHandler, badRequest, isRouteResult, loadBundleOrError } from './common';
import { QUERY_ROLE_REQUIRED, queryRole } from './preflight';

export const handleAgentContext: RouteHandler = async (ctx, request) => {
  const role = queryRole(request.query);
  if (role === null) return badRequest(QUERY_ROLE_REQUIRED);
  if (!ROLE_TOKEN_RE.test(role)) return badRequest(ROLE_TOKEN_ERROR);
  const bundle = await loadBundleOrError(ctx, role);
  if (isRouteResult(bundle)) return bundle;
  return { status: 200, body: { role, files: bundle.files, bundle_hash: bundle.bundle_hash } };
};
