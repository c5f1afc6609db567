/**
 * The policy bundle the backend serves and enforces: the role files plus four policy JSON files,
 * read from disk on every call (the real handlers reload them per request, so editing a policy file
 * under a running emulator takes effect at once). Reads are synchronous: six small files are read
 * faster that way than through the thread pool, which keeps benchmark throughput up.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isPlainObject } from '../shared/json-file';

export const DEFAULT_POLICY_DIR = join(__dirname, 'policy-bundle');

export const IDENTITY_POLICY_PATH = 'policy/github-project.json';
export const SCHEMA_POLICY_PATH = 'policy/project-schema.json';
export const TRANSITIONS_POLICY_PATH = 'policy/transitions.json';
export const PERMISSIONS_POLICY_PATH = 'policy/role-permissions.json';

const POLICY_JSON_PATHS = [IDENTITY_POLICY_PATH, SCHEMA_POLICY_PATH, TRANSITIONS_POLICY_PATH, PERMISSIONS_POLICY_PATH];

export function bundleFilePaths(role: string): string[] {
  return ['AGENTS.md', `agents/${role}.md`, ...POLICY_JSON_PATHS];
}

export interface BundleFile {
  path: string;
  size_bytes: number;
  sha256: string;
  content: string;
}

export interface SchemaField {
  name: string;
  type?: string;
  allowed_options?: string[];
}

export interface TransitionRule {
  from: string;
  to: string;
  allowed_roles: string[];
  automation_allowed?: boolean;
}

export interface PolicyBundle {
  role: string;
  files: BundleFile[];
  bundle_hash: string;
}

export type BundleErrorMessage = 'required file is missing' | 'policy file is not valid JSON';

export class BundleError extends Error {
  constructor(
    message: BundleErrorMessage,
    readonly path: string,
  ) {
    super(message);
  }
}

export function sha256Hex(content: string): string {
  return createHash('sha256').update(content, 'utf8').digest('hex');
}

/** bundle_hash = sha256 over "path\nsha256\nsize_bytes\n" for each file, in bundle order. */
export function computeBundleHash(files: Pick<BundleFile, 'path' | 'sha256' | 'size_bytes'>[]): string {
  const hash = createHash('sha256');
  for (const file of files) hash.update(`${file.path}\n${file.sha256}\n${file.size_bytes}\n`, 'utf8');
  return hash.digest('hex');
}

export async function loadPolicyBundle(policyDir: string, role: string): Promise<PolicyBundle> {
  const files: BundleFile[] = [];
  for (const path of bundleFilePaths(role)) {
    let content: string;
    try {
      content = readFileSync(join(policyDir, path), 'utf8');
    } catch {
      throw new BundleError('required file is missing', path);
    }
    if (POLICY_JSON_PATHS.includes(path)) {
      try {
        JSON.parse(content);
      } catch {
        throw new BundleError('policy file is not valid JSON', path);
      }
    }
    files.push({ path, size_bytes: Buffer.byteLength(content, 'utf8'), sha256: sha256Hex(content), content });
  }
  return { role, files, bundle_hash: computeBundleHash(files) };
}

export function bundleJson(bundle: PolicyBundle, path: string): unknown {
  const file = bundle.files.find((entry) => entry.path === path);
  return file ? JSON.parse(file.content) : undefined;
}

export function schemaFields(schema: unknown): SchemaField[] {
  if (!isPlainObject(schema) || !Array.isArray(schema.required_fields)) return [];
  return schema.required_fields.filter((field): field is SchemaField => isPlainObject(field) && typeof field.name === 'string');
}

export function schemaFieldOptions(schema: unknown, name: string): string[] {
  const field = schemaFields(schema).find((entry) => entry.name === name);
  return Array.isArray(field?.allowed_options) ? field.allowed_options : [];
}

/** Permission keys ("Executor") match the role token ("EXECUTOR") case-insensitively. */
export function rolePermissions(permissions: unknown, role: string): Record<string, unknown> | undefined {
  if (!isPlainObject(permissions)) return undefined;
  const key = Object.keys(permissions).find((name) => name.toUpperCase() === role.toUpperCase());
  const entry = key === undefined ? undefined : permissions[key];
  return isPlainObject(entry) ? entry : undefined;
}

export function roleHasCapability(permissions: unknown, role: string, capability: string): boolean {
  return rolePermissions(permissions, role)?.[capability] === true;
}

export interface TransitionDecision {
  allowed: boolean;
  automation_allowed: boolean;
}

/** Exact {from,to} rule first, then a "*" rule with the same target. No rule means denied. */
export function checkTransition(transitions: unknown, role: string, from: string, to: string): TransitionDecision {
  const rules: TransitionRule[] = isPlainObject(transitions) && Array.isArray(transitions.transitions) ? (transitions.transitions as TransitionRule[]) : [];
  const rule = rules.find((entry) => entry.from === from && entry.to === to) ?? rules.find((entry) => entry.from === '*' && entry.to === to);
  if (!rule) return { allowed: false, automation_allowed: false };
  const roles = Array.isArray(rule.allowed_roles) ? rule.allowed_roles : [];
  return {
    allowed: roles.some((name) => typeof name === 'string' && name.toUpperCase() === role.toUpperCase()),
    automation_allowed: rule.automation_allowed !== false,
  };
}
