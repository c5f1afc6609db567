/**
 * Scope metadata that plan-apply computes for the issues of one call (touch/owned paths, conflicts,
 * dependency chains, ownership index), and the issue body text it writes. Paths are reduced to
 * "buckets" of a repository architecture map, so two tasks touching files of the same component
 * conflict and get chained.
 */
import { isNonEmptyString } from '../shared/json-file';

export interface ScopeMeta {
  touch_paths: string[];
  owns_paths: string[];
  conflicts_with: number[];
  depends_on: number[];
  group_id: string;
  isolation_mode: 'ISOLATED' | 'CHAINED';
}

export type SprintPlan = Record<string, ScopeMeta>;
export type OwnershipIndex = Record<string, number>;

export interface ArchitectureMap {
  buckets: string[];
  shared_core_paths: string[];
}

/** A directory listing of the emulated target repository: directories map to their children. */
export interface RepoTree {
  rootDirs: string[];
  rootFiles: string[];
  appsDirs?: string[];
  assetsDirs?: string[];
  assetsGameDirs?: string[];
  policyFiles?: string[];
}

/** The target repository the emulator pretends to plan against (a small pnpm monorepo). */
export const DEFAULT_REPO_TREE: RepoTree = {
  rootDirs: ['apps', 'docs', 'packages'],
  rootFiles: ['README.md', 'package.json'],
  appsDirs: ['api', 'web', 'runner'],
};

/** Extra buckets that the directory scan alone would not find (the shared library package). */
export const DEFAULT_EXTRA_BUCKETS = ['packages/shared'];

const SPRINT_GOAL_RE = /\[\s*SPRINT\s+GOAL\s*\]/i;
const WILDCARD_RE = /[*?[\]{}]/;

export function normalizePath(value: unknown): string {
  if (!isNonEmptyString(value)) return '';
  let path = value.trim().replace(/\\/g, '/');
  while (path.startsWith('./')) path = path.slice(2);
  while (path.startsWith('/')) path = path.slice(1);
  path = path.replace(/\/+/g, '/');
  if (path.length > 1) path = path.replace(/\/+$/, '');
  return path;
}

/** Equal, or one is a directory prefix of the other ("apps/api" ~ "apps/api/src", not "apps/api2"). */
export function pathsOverlap(left: string, right: string): boolean {
  const a = normalizePath(left);
  const b = normalizePath(right);
  if (!a || !b) return false;
  return a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
}

function uniqueSorted(values: string[]): string[] {
  return [...new Set(values.map(normalizePath).filter(Boolean))].sort((a, b) => a.localeCompare(b));
}

/** Longest bucket first, so the most specific bucket matches. */
export function normalizeBuckets(buckets: string[]): string[] {
  return uniqueSorted(buckets).sort((a, b) => b.length - a.length || a.localeCompare(b));
}

export function inferBucketFromPath(value: string): string {
  const segments = normalizePath(value).split('/').filter(Boolean);
  while (segments.length > 0 && WILDCARD_RE.test(segments[segments.length - 1])) segments.pop();
  if (segments.length > 0 && segments[segments.length - 1].includes('.')) segments.pop();
  return segments.slice(0, Math.min(segments.length, 3)).join('/');
}

export function bucketForPath(value: string, sortedBuckets: string[]): string {
  const path = normalizePath(value);
  if (!path) return '';
  const matched = sortedBuckets.find((bucket) => path === bucket || path.startsWith(`${bucket}/`));
  if (matched) {
    // A bare top-level bucket is too coarse: prefer the inferred subtree.
    if (!matched.includes('/') && path.includes('/')) {
      const inferred = inferBucketFromPath(path);
      if (inferred && inferred !== matched) return inferred;
    }
    return matched;
  }
  return inferBucketFromPath(path) || path.split('/')[0];
}

export function buildRepoArchitectureMap(tree: RepoTree, extraBuckets: string[] = []): ArchitectureMap {
  const shared: string[] = ['package.json', 'pnpm-lock.yaml', 'pnpm-lock.yml'].filter((name) => tree.rootFiles.includes(name));
  if (tree.rootDirs.includes('policy')) {
    for (const name of ['transitions.json', 'project-schema.json', 'role-permissions.json']) {
      if (tree.policyFiles?.includes(name)) shared.push(`policy/${name}`);
    }
  }
  const buckets = [
    ...tree.rootDirs,
    ...(tree.rootDirs.includes('apps') ? (tree.appsDirs ?? []).map((dir) => `apps/${dir}`) : []),
    ...(tree.rootDirs.includes('Assets') ? (tree.assetsDirs ?? []).map((dir) => `Assets/${dir}`) : []),
    ...(tree.assetsDirs?.includes('Game') ? (tree.assetsGameDirs ?? []).map((dir) => `Assets/Game/${dir}`) : []),
    ...extraBuckets,
    ...shared,
  ];
  return { buckets: normalizeBuckets(buckets), shared_core_paths: shared };
}

export const DEFAULT_ARCHITECTURE_MAP = buildRepoArchitectureMap(DEFAULT_REPO_TREE, DEFAULT_EXTRA_BUCKETS);

export interface PlannedIssue {
  issue_number: number;
  title: string;
  priority?: string;
  labels?: string[];
  files_likely_touched: string[];
  plan_order?: number;
}

function priorityRank(value: string): number {
  const rank = ['P0', 'P1', 'P2'].indexOf(value.trim().toUpperCase());
  return rank === -1 ? 99 : rank;
}

function isSprintGoalIssue(issue: PlannedIssue): boolean {
  if (SPRINT_GOAL_RE.test(issue.title.trim())) return true;
  return (issue.labels ?? []).some((label) => isNonEmptyString(label) && label.trim().toLowerCase() === 'meta:sprint-goal');
}

interface Entry {
  issue_number: number;
  title: string;
  priority: string;
  plan_order: number;
  meta: ScopeMeta;
}

export function computeSprintPlanMetadata(issues: PlannedIssue[], map: ArchitectureMap): { sprint_plan: SprintPlan; ownership_index: OwnershipIndex } {
  const buckets = normalizeBuckets(map.buckets);
  const sharedCore = new Set(map.shared_core_paths);
  const entries: Entry[] = [];

  for (const issue of issues) {
    if (!Number.isInteger(issue.issue_number) || issue.issue_number <= 0) continue;
    const touched = issue.files_likely_touched.map((path) => bucketForPath(path, buckets)).filter(Boolean);
    const touch_paths = uniqueSorted(touched);
    const counts = new Map<string, number>();
    for (const bucket of touched) counts.set(bucket, (counts.get(bucket) ?? 0) + 1);
    let primary = '';
    for (const [bucket, count] of counts) {
      const best = counts.get(primary) ?? 0;
      if (!primary || count > best || (count === best && bucket.localeCompare(primary) < 0)) primary = bucket;
    }
    const isGoal = isSprintGoalIssue(issue);
    const owns = isGoal ? [] : uniqueSorted([primary, ...touch_paths.filter((path) => sharedCore.has(path))].filter(Boolean));
    const sharedOwned = owns.filter((path) => sharedCore.has(path));
    const group_id = isGoal ? 'meta:sprint-goal' : sharedOwned.length > 0 ? `shared:${sharedOwned[0]}` : `component:${owns[0] ?? 'unknown'}`;
    entries.push({
      issue_number: issue.issue_number,
      title: issue.title.trim(),
      priority: isNonEmptyString(issue.priority) ? issue.priority.trim().toUpperCase() : '',
      plan_order: Number.isInteger(issue.plan_order) && (issue.plan_order ?? -1) >= 0 ? issue.plan_order! : issue.issue_number,
      meta: { touch_paths, owns_paths: owns, conflicts_with: [], depends_on: [], group_id, isolation_mode: 'ISOLATED' },
    });
  }

  for (let i = 0; i < entries.length; i += 1) {
    for (let j = i + 1; j < entries.length; j += 1) {
      const left = entries[i];
      const right = entries[j];
      const overlap = left.meta.owns_paths.some((a) => right.meta.owns_paths.some((b) => pathsOverlap(a, b)));
      if (!overlap) continue;
      left.meta.conflicts_with.push(right.issue_number);
      right.meta.conflicts_with.push(left.issue_number);
    }
  }
  for (const entry of entries) {
    entry.meta.conflicts_with.sort((a, b) => a - b);
    if (entry.meta.conflicts_with.length > 0 || entry.meta.owns_paths.some((path) => sharedCore.has(path))) {
      entry.meta.isolation_mode = 'CHAINED';
    }
  }

  const byPlanOrder = (a: Entry, b: Entry) =>
    priorityRank(a.priority) - priorityRank(b.priority) || a.plan_order - b.plan_order || a.title.localeCompare(b.title) || a.issue_number - b.issue_number;

  // Chain the CHAINED items of each group: each depends on the one before it.
  const groups = new Map<string, Entry[]>();
  for (const entry of entries) {
    if (entry.meta.isolation_mode !== 'CHAINED') continue;
    groups.set(entry.meta.group_id, [...(groups.get(entry.meta.group_id) ?? []), entry]);
  }
  for (const members of groups.values()) {
    const ordered = [...members].sort(byPlanOrder);
    for (let k = 1; k < ordered.length; k += 1) ordered[k].meta.depends_on = [ordered[k - 1].issue_number];
  }

  const sprint_plan: SprintPlan = {};
  for (const entry of entries) sprint_plan[String(entry.issue_number)] = entry.meta;

  const ownership_index: OwnershipIndex = {};
  const ownershipOrder = [...entries].sort((a, b) => a.meta.group_id.localeCompare(b.meta.group_id) || byPlanOrder(a, b));
  for (const entry of ownershipOrder) {
    for (const path of entry.meta.owns_paths) if (ownership_index[path] === undefined) ownership_index[path] = entry.issue_number;
  }
  return { sprint_plan, ownership_index };
}

export interface IssueDraft {
  goal: string;
  non_goals: string[];
  acceptance_criteria: string[];
  files_likely_touched: string[];
  definition_of_done: string[];
  size: string;
}

/** The issue body plan-apply creates (before the Scope section is appended). */
export function renderIssueBody(draft: IssueDraft): string {
  return [
    '## Goal',
    draft.goal,
    '',
    '## Non-goals',
    ...draft.non_goals.map((entry) => `- ${entry}`),
    '',
    '## Acceptance Criteria',
    ...draft.acceptance_criteria.map((entry) => `- [ ] ${entry}`),
    '',
    '## Files Likely Touched',
    ...draft.files_likely_touched.map((entry) => `- ${entry}`),
    '',
    '## Definition of Done',
    ...draft.definition_of_done.map((entry) => `- [ ] ${entry}`),
    '',
    '## Size',
    draft.size,
  ].join('\n');
}

export function renderScopeSection(meta: ScopeMeta): string {
  const paths = (list: string[]) => (list.length === 0 ? ['- (none)'] : list.map((path) => `- \`${path}\``));
  const issues = (list: number[]) => (list.length === 0 ? '(none)' : list.map((n) => `#${n}`).join(', '));
  return [
    '## Scope',
    'Allowed touch paths:',
    ...paths(meta.touch_paths),
    'Owned paths (exclusive writer):',
    ...paths(meta.owns_paths),
    `Isolation mode: ${meta.isolation_mode}`,
    `Group: ${meta.group_id}`,
    `conflicts_with: ${issues(meta.conflicts_with)}`,
    `depends_on: ${issues(meta.depends_on)}`,
    'If you need to modify files outside Allowed touch paths, comment on this issue requesting scope expansion and list the paths.',
  ].join('\n');
}
