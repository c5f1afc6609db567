/** POST /internal/run — the legacy readiness probe: no side effects, echoes the role's permissions. */
import { isNonEmptyString, isPlainObject } from '../../shared/json-file';
import { ROLE_TOKEN_ERROR, ROLE_TOKEN_RE, evaluatePreflight } from '../preflight';
import { PERMISSIONS_POLICY_PATH, bundleJson, rolePermissions } from '../policy';
import { type RouteHandler, badRequest, isRouteResult, loadBundleOrError, requestBody } from './common';

export const handleRun: RouteHandler = async (ctx, request) => {
  const body = requestBody(request);
  if (!isNonEmptyString(body.role)) return badRequest('body.role is required');
  const role = body.role.toUpperCase();
  if (!ROLE_TOKEN_RE.test(role)) return badRequest(ROLE_TOKEN_ERROR);
  if (!isNonEmptyString(body.task)) return badRequest('body.task is required');

  // This route's preflight reads the schema from the local policy snapshot, so only template errors count.
  const preflight = await evaluatePreflight(ctx, role, { localSchemaOnly: true });
  if (preflight.status !== 200) return preflight;
  if ((preflight.body as { status?: string }).status === 'FAIL') return { status: 409, body: preflight.body };

  const bundle = await loadBundleOrError(ctx, role);
  if (isRouteResult(bundle)) return bundle;
  const capabilities = rolePermissions(bundleJson(bundle, PERMISSIONS_POLICY_PATH), role) ?? {};
  const minimal = Object.fromEntries(Object.entries(capabilities).filter(([, value]) => typeof value === 'boolean'));
  return {
    status: 200,
    body: {
      role,
      task: body.task,
      bundle_hash: bundle.bundle_hash,
      preflight: preflight.body,
      allowed_capabilities: isPlainObject(capabilities) ? capabilities : {},
      allowed_capabilities_minimal: minimal,
      status: 'READY',
    },
  };
};
