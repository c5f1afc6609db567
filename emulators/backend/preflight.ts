/**
 * The preflight check, shared by GET /internal/preflight and the gate in front of every POST route.
 * The emulated GitHub checks (live project schema, issue template) pass unless the admin API set a
 * FAIL with its own error entries; identity errors come from the real TARGET_* rules.
 */
import type { BackendContext, PreflightErrorEntry } from './context';
import { TargetIdentityError, resolveTargetIdentity } from './identity';
import { BundleError, IDENTITY_POLICY_PATH, bundleJson, loadPolicyBundle } from './policy';
import type { RouteResult } from './routes/common';

export const ROLE_TOKEN_RE = /^[A-Z][A-Z0-9_]*$/;
export const ROLE_TOKEN_ERROR = 'role must be a valid filename token (letters, digits, underscore)';

export const TEMPLATE_MISSING_ERROR = {
  source: 'template',
  code: 'template_missing',
  message: 'required issue template is missing in target repo',
} as const;

export const TEMPLATE_TRANSIENT_ERROR = {
  source: 'template',
  code: 'template_fetch_transient_exhausted',
  message: 'issue template fetch failed after retries',
} as const;

export interface PreflightOptions {
  /** POST /internal/run compares against the local schema snapshot, so schema errors vanish. */
  localSchemaOnly?: boolean;
}

/** `role` must already be upper-cased (the GET route does not trim it; POST routes do). */
export async function evaluatePreflight(ctx: BackendContext, role: string, options: PreflightOptions = {}): Promise<RouteResult> {
  if (!ROLE_TOKEN_RE.test(role)) return { status: 400, body: { error: ROLE_TOKEN_ERROR } };

  let bundle;
  try {
    bundle = await loadPolicyBundle(ctx.policyDir, role);
  } catch (err) {
    if (!(err instanceof BundleError)) throw err;
    if (err.path !== IDENTITY_POLICY_PATH) return { status: 500, body: { error: err.message, path: err.path } };
    return {
      status: 200,
      body: failBody(role, '', ctx, [{ source: 'project_identity', path: IDENTITY_POLICY_PATH, code: 'target_identity_policy_invalid', message: err.message }]),
    };
  }

  let identity;
  try {
    identity = resolveTargetIdentity(ctx.env, bundleJson(bundle, IDENTITY_POLICY_PATH));
  } catch (err) {
    if (!(err instanceof TargetIdentityError)) throw err;
    const { code, ...rest } = err.details;
    return {
      status: 200,
      body: failBody(role, bundle.bundle_hash, ctx, [{ source: 'project_identity', path: IDENTITY_POLICY_PATH, code, message: err.message, ...rest }]),
    };
  }

  const configured: PreflightErrorEntry[] = ctx.preflight.status === 'FAIL' ? (ctx.preflight.errors.length > 0 ? ctx.preflight.errors : [TEMPLATE_MISSING_ERROR]) : [];
  const errors = options.localSchemaOnly ? configured.filter((entry) => entry.source !== 'project_schema') : configured;
  const schemaErrors = errors.filter((entry) => entry.source === 'project_schema');
  const templateFailed = errors.some((entry) => entry.source === 'template');
  const template = templateFailed
    ? { path: identity.template_path, size_bytes: 0, sha256: '' }
    : { path: identity.template_path, size_bytes: ctx.template.size_bytes, sha256: ctx.template.sha256 };

  return {
    status: 200,
    body: {
      role,
      bundle_hash: bundle.bundle_hash,
      template,
      project_schema: {
        status: schemaErrors.length > 0 ? 'FAIL' : 'PASS',
        mismatches: schemaErrors.filter((entry) => 'field' in entry).map(({ source: _source, ...mismatch }) => mismatch),
      },
      status: errors.length > 0 ? 'FAIL' : 'PASS',
      errors: errors.map((entry) => (entry.source === 'template' && entry.path === undefined ? withPath(entry, identity.template_path) : entry)),
    },
  };
}

function withPath(entry: PreflightErrorEntry, path: string): PreflightErrorEntry {
  const { source, ...rest } = entry;
  return { source, path, ...rest };
}

function failBody(role: string, bundleHash: string, ctx: BackendContext, errors: PreflightErrorEntry[]) {
  const templatePath = ctx.env.TARGET_TEMPLATE_PATH?.trim() || '.github/ISSUE_TEMPLATE/milestone-task.yml';
  return {
    role,
    bundle_hash: bundleHash,
    template: { path: templatePath, size_bytes: 0, sha256: '' },
    project_schema: { status: 'FAIL', mismatches: [] },
    status: 'FAIL',
    errors,
  };
}
