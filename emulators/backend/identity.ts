/**
 * Target identity: which owner/repo/project the backend talks to. TARGET_* env values override the
 * identity policy file, but only as a complete set of four.
 */
import { isNonEmptyString, isPlainObject } from '../shared/json-file';

export interface TargetIdentity {
  owner_login: string;
  owner_type: 'user' | 'org';
  repo_name: string;
  project_name: string;
  template_path: string;
  ref: string;
  source: 'env_override' | 'policy';
}

export interface TargetIdentityDetails {
  code: string;
  missing?: string[];
  value?: string;
  path?: string;
}

export class TargetIdentityError extends Error {
  constructor(
    message: string,
    readonly details: TargetIdentityDetails,
  ) {
    super(message);
  }
}

export const DEFAULT_TEMPLATE_PATH = '.github/ISSUE_TEMPLATE/milestone-task.yml';

const OVERRIDE_KEYS = ['TARGET_OWNER_LOGIN', 'TARGET_OWNER_TYPE', 'TARGET_REPO_NAME', 'TARGET_PROJECT_NAME'] as const;

export type IdentityEnv = Partial<Record<string, string | undefined>>;

function normaliseOwnerType(raw: string): 'user' | 'org' {
  const lowered = raw.trim().toLowerCase();
  const value = lowered === 'organization' ? 'org' : lowered;
  if (value !== 'user' && value !== 'org') {
    throw new TargetIdentityError('TARGET_OWNER_TYPE must be user or org', {
      code: 'target_identity_invalid_owner_type',
      value: raw,
    });
  }
  return value;
}

export function resolveTargetIdentity(env: IdentityEnv, policy: unknown): TargetIdentity {
  const template_path = isNonEmptyString(env.TARGET_TEMPLATE_PATH) ? env.TARGET_TEMPLATE_PATH.trim() : DEFAULT_TEMPLATE_PATH;
  const ref = isNonEmptyString(env.TARGET_REF) ? env.TARGET_REF.trim() : 'HEAD';

  if (OVERRIDE_KEYS.some((key) => isNonEmptyString(env[key]))) {
    const missing = OVERRIDE_KEYS.filter((key) => !isNonEmptyString(env[key]));
    if (missing.length > 0) {
      throw new TargetIdentityError('target identity env override is incomplete', { code: 'target_identity_missing_env', missing });
    }
    return {
      owner_login: env.TARGET_OWNER_LOGIN!.trim(),
      owner_type: normaliseOwnerType(env.TARGET_OWNER_TYPE!),
      repo_name: env.TARGET_REPO_NAME!.trim(),
      project_name: env.TARGET_PROJECT_NAME!.trim(),
      template_path,
      ref,
      source: 'env_override',
    };
  }

  const record = isPlainObject(policy) ? policy : {};
  const keys = ['owner_login', 'owner_type', 'project_name', 'repository_name'] as const;
  const missing = keys.filter((key) => !isNonEmptyString(record[key]));
  if (missing.length > 0) {
    throw new TargetIdentityError('target identity policy is incomplete', {
      code: 'target_identity_policy_incomplete',
      missing,
      path: 'policy/github-project.json',
    });
  }
  return {
    owner_login: String(record.owner_login).trim(),
    owner_type: normaliseOwnerType(String(record.owner_type)),
    repo_name: String(record.repository_name).trim(),
    project_name: String(record.project_name).trim(),
    template_path,
    ref,
    source: 'policy',
  };
}
