/**
 * The emulated GitHub side of the backend: project items with single-select fields, issues with
 * comments, and pull requests. Route handlers use it the way the real backend uses its GitHub
 * client; the admin API uses it for human and worker actions. Every effect is appended to an
 * ordered log so tests and benchmarks can assert on what happened, in which order.
 */
import { createHash } from 'node:crypto';
import { isNonEmptyString, isPlainObject, readJsonIfExistsSync, writeJsonAtomicSync } from '../shared/json-file';

export const FIELD_NAMES = ['Status', 'Size', 'Area', 'Priority', 'Sprint'] as const;
export type FieldName = (typeof FIELD_NAMES)[number];

/** A project item as listProjectItems() returns it (the orchestrator items-file row). */
export interface BoardItem {
  project_item_id: string;
  issue_number: number;
  issue_url: string;
  fields: Record<string, string>;
}

/** Seed rows may carry an issue title next to the listing fields. */
export type BoardItemSeed = BoardItem & { title?: string };

export interface IssueComment {
  id: number;
  body: string;
  created_at: string;
  html_url: string;
}

export interface Issue {
  number: number;
  title: string;
  body: string;
  labels: string[];
  html_url: string;
  comments: IssueComment[];
}

export type IssueSeed = string | { title?: string; body?: string; labels?: string[]; comments?: { body: string; created_at?: string }[] };

export type PullRequestState = 'open' | 'closed' | 'merged';

export interface PullRequest {
  number: number;
  html_url: string;
  body: string;
  head_ref: string;
  head_sha: string;
  state: PullRequestState;
  issue_number: number | null;
}

export interface PullRequestSeed {
  number?: number;
  issue_number?: number | null;
  body: string;
  head_ref?: string;
  head_sha?: string;
  state?: PullRequestState;
}

export interface BoardSeed {
  items: BoardItemSeed[];
  issues?: Record<string, IssueSeed>;
  prs?: PullRequestSeed[];
}

export type EffectKind = 'transition' | 'field_updated' | 'comment' | 'claim' | 'pr_opened' | 'pr_pushed' | 'pr_merged' | 'plan_apply' | 'issue_created';

export interface EffectLogEntry {
  seq: number;
  at: string;
  kind: EffectKind;
  project_item_id?: string;
  issue_number?: number;
  pr_number?: number;
  comment_id?: number;
  field?: string;
  from?: string;
  to?: string;
  role?: string;
  run_id?: string;
  http_route?: string;
}

/** Who caused an effect: the route and request role, or an admin action. */
export interface EffectSource {
  role?: string;
  run_id?: string;
  http_route?: string;
}

export class NodeNotFoundError extends Error {
  constructor(id: string) {
    super(`Could not resolve to a node with the global id of '${id}'`);
  }
}

export class NotFoundError extends Error {
  constructor() {
    super('Not Found');
  }
}

export interface BoardOptions {
  repoUrl?: string;
  clock?: () => Date;
  persistPath?: string;
}

interface PersistedBoard {
  version: 1;
  items: BoardItem[];
  issues: Issue[];
  prs: PullRequest[];
  counters: Record<string, number>;
  log: EffectLogEntry[];
  next_number: number;
  next_comment_id: number;
  push_counts: Record<string, number>;
}

export const DEFAULT_REPO_URL = 'https://github.com/acme/app';
const FIRST_COMMENT_ID = 1001;

export class Board {
  readonly repoUrl: string;
  private readonly clock: () => Date;
  private readonly persistPath: string | undefined;
  private items = new Map<string, BoardItem>();
  private issues = new Map<number, Issue>();
  private prs = new Map<number, PullRequest>();
  private counters: Record<string, number> = {};
  private log: EffectLogEntry[] = [];
  private nextNumber = 1;
  private nextCommentId = FIRST_COMMENT_ID;
  private pushCounts: Record<string, number> = {};

  constructor(options: BoardOptions = {}) {
    this.repoUrl = (options.repoUrl ?? DEFAULT_REPO_URL).replace(/\/+$/, '');
    this.clock = options.clock ?? (() => new Date());
    this.persistPath = options.persistPath;
  }

  /** Loads the persisted board when the file exists; returns whether it did. */
  loadPersisted(): boolean {
    if (!this.persistPath) return false;
    const saved = readJsonIfExistsSync(this.persistPath) as PersistedBoard | undefined;
    if (!saved) return false;
    this.items = new Map(saved.items.map((item) => [item.project_item_id, item]));
    this.issues = new Map(saved.issues.map((issue) => [issue.number, issue]));
    this.prs = new Map(saved.prs.map((pr) => [pr.number, pr]));
    this.counters = saved.counters ?? {};
    this.log = saved.log ?? [];
    this.nextNumber = saved.next_number;
    this.nextCommentId = saved.next_comment_id;
    this.pushCounts = saved.push_counts ?? {};
    return true;
  }

  /** Replaces the whole board (items, issues, PRs, counters and the effect log). */
  seed(seed: BoardSeed): void {
    this.items.clear();
    this.issues.clear();
    this.prs.clear();
    this.counters = {};
    this.log = [];
    this.pushCounts = {};
    this.nextCommentId = FIRST_COMMENT_ID;
    const issueSeeds = seed.issues ?? {};
    const maxNumber = Math.max(
      0,
      ...seed.items.map((item) => item.issue_number),
      ...Object.keys(issueSeeds).map(Number).filter(Number.isInteger),
      ...(seed.prs ?? []).map((pr) => pr.number ?? 0),
    );
    this.nextNumber = maxNumber + 1;

    for (const row of seed.items) {
      const fields: Record<string, string> = {};
      for (const [name, value] of Object.entries(row.fields ?? {})) if (isNonEmptyString(value)) fields[name] = value;
      this.items.set(row.project_item_id, {
        project_item_id: row.project_item_id,
        issue_number: row.issue_number,
        issue_url: row.issue_url ?? this.issueUrl(row.issue_number),
        fields,
      });
      if (Number.isInteger(row.issue_number) && row.issue_number > 0 && !this.issues.has(row.issue_number)) {
        this.issues.set(row.issue_number, this.newIssue(row.issue_number, issueSeeds[String(row.issue_number)], row.title));
      }
    }
    for (const [key, issueSeed] of Object.entries(issueSeeds)) {
      const number = Number(key);
      if (Number.isInteger(number) && number > 0 && !this.issues.has(number)) this.issues.set(number, this.newIssue(number, issueSeed));
    }
    for (const prSeed of seed.prs ?? []) {
      const number = prSeed.number ?? this.nextNumber++;
      this.prs.set(number, {
        number,
        html_url: this.pullUrl(number),
        body: prSeed.body,
        head_ref: prSeed.head_ref ?? (prSeed.issue_number ? `executor/issue-${prSeed.issue_number}` : `branch-${number}`),
        head_sha: prSeed.head_sha ?? this.headSha(number),
        state: prSeed.state ?? 'open',
        issue_number: prSeed.issue_number ?? null,
      });
    }
    this.persist();
  }

  issueUrl(number: number): string {
    return `${this.repoUrl}/issues/${number}`;
  }

  pullUrl(number: number): string {
    return `${this.repoUrl}/pull/${number}`;
  }

  // ---- reads ------------------------------------------------------------------------------

  /** All items in project order, with only the single-select values that are set. */
  listProjectItems(): BoardItem[] {
    return [...this.items.values()].map((item) => ({ ...item, fields: { ...item.fields } }));
  }

  getItem(projectItemId: string): BoardItem | undefined {
    const item = this.items.get(projectItemId);
    return item ? { ...item, fields: { ...item.fields } } : undefined;
  }

  /** Throws NodeNotFoundError for an unknown item id (GitHub's GraphQL error). */
  getFieldValue(projectItemId: string, field: string): string {
    const item = this.items.get(projectItemId);
    if (!item) throw new NodeNotFoundError(projectItemId);
    return item.fields[field] ?? '';
  }

  getIssue(number: number): Issue | undefined {
    const issue = this.issues.get(number);
    return issue ? structuredClone(issue) : undefined;
  }

  /** Comments in id order; an unknown issue answers 404 like GitHub REST. */
  listIssueComments(number: number): IssueComment[] {
    const issue = this.issues.get(number);
    if (!issue) throw new NotFoundError();
    return issue.comments.map((comment) => ({ ...comment })).sort((a, b) => a.id - b.id);
  }

  /** Open, closed and merged PRs, sorted by number (listPullRequests state=all). */
  listPullRequests(): PullRequest[] {
    return [...this.prs.values()].map((pr) => ({ ...pr })).sort((a, b) => a.number - b.number);
  }

  getPullRequest(number: number): PullRequest | undefined {
    const pr = this.prs.get(number);
    return pr ? { ...pr } : undefined;
  }

  effectLog(): EffectLogEntry[] {
    return this.log.map((entry) => ({ ...entry }));
  }

  snapshot(): { items: BoardItem[]; issues: Issue[]; prs: PullRequest[]; counters: Record<string, number> } {
    return {
      items: this.listProjectItems(),
      issues: [...this.issues.values()].map((issue) => structuredClone(issue)).sort((a, b) => a.number - b.number),
      prs: this.listPullRequests(),
      counters: { ...this.counters },
    };
  }

  // ---- writes -----------------------------------------------------------------------------

  /** Sets one field; a Status change is logged as a transition, other fields as field_updated. */
  setField(projectItemId: string, field: string, value: string, source: EffectSource = {}): void {
    const item = this.items.get(projectItemId);
    if (!item) throw new NodeNotFoundError(projectItemId);
    const previous = item.fields[field];
    item.fields[field] = value;
    this.record({
      kind: field === 'Status' ? 'transition' : 'field_updated',
      project_item_id: projectItemId,
      issue_number: item.issue_number,
      ...(field === 'Status' ? {} : { field }),
      ...(previous === undefined ? {} : { from: previous }),
      to: value,
      ...source,
    });
    this.persist();
  }

  createIssueComment(number: number, body: string, source: EffectSource = {}): IssueComment {
    const issue = this.issues.get(number);
    if (!issue) throw new NotFoundError();
    const id = this.nextCommentId++;
    const comment: IssueComment = {
      id,
      body,
      created_at: this.now(),
      html_url: `${issue.html_url}#issuecomment-${id}`,
    };
    issue.comments.push(comment);
    this.record({ kind: 'comment', issue_number: number, comment_id: id, ...source });
    this.persist();
    return { ...comment };
  }

  createIssue(input: { title: string; body: string; labels?: string[] }, source: EffectSource = {}): Issue {
    const number = this.nextNumber++;
    const issue: Issue = {
      number,
      title: input.title,
      body: input.body,
      labels: input.labels ?? [],
      html_url: this.issueUrl(number),
      comments: [],
    };
    this.issues.set(number, issue);
    this.record({ kind: 'issue_created', issue_number: number, ...source });
    this.persist();
    return structuredClone(issue);
  }

  updateIssueBody(number: number, body: string): void {
    const issue = this.issues.get(number);
    if (!issue) throw new NotFoundError();
    issue.body = body;
    this.persist();
  }

  /** addProjectV2ItemById: a new item with no field values yet. */
  addIssueToProject(number: number): BoardItem {
    const issue = this.issues.get(number);
    if (!issue) throw new NotFoundError();
    const item: BoardItem = { project_item_id: `PVTI_${number}`, issue_number: number, issue_url: issue.html_url, fields: {} };
    this.items.set(item.project_item_id, item);
    this.persist();
    return { ...item, fields: {} };
  }

  openPullRequest(input: { issue_number: number | null; body: string; head_ref?: string }, source: EffectSource = {}): PullRequest {
    const number = this.nextNumber++;
    const pr: PullRequest = {
      number,
      html_url: this.pullUrl(number),
      body: input.body,
      head_ref: input.head_ref ?? (input.issue_number ? `executor/issue-${input.issue_number}` : `branch-${number}`),
      head_sha: this.headSha(number),
      state: 'open',
      issue_number: input.issue_number,
    };
    this.prs.set(number, pr);
    this.record({ kind: 'pr_opened', pr_number: number, ...(pr.issue_number ? { issue_number: pr.issue_number } : {}), ...source });
    this.persist();
    return { ...pr };
  }

  /** A new commit on the PR branch: only head_sha changes. */
  pushPullRequest(number: number, source: EffectSource = {}): PullRequest {
    const pr = this.prs.get(number);
    if (!pr) throw new NotFoundError();
    pr.head_sha = this.headSha(number);
    this.record({ kind: 'pr_pushed', pr_number: number, ...(pr.issue_number ? { issue_number: pr.issue_number } : {}), ...source });
    this.persist();
    return { ...pr };
  }

  mergePullRequest(number: number, source: EffectSource = {}): PullRequest {
    const pr = this.prs.get(number);
    if (!pr) throw new NotFoundError();
    pr.state = 'merged';
    this.record({ kind: 'pr_merged', pr_number: number, ...(pr.issue_number ? { issue_number: pr.issue_number } : {}), ...source });
    this.persist();
    return { ...pr };
  }

  incrementCounter(key: string): number {
    this.counters[key] = (this.counters[key] ?? 0) + 1;
    this.persist();
    return this.counters[key];
  }

  /** Records a semantic effect that is not a single board write (claim, plan_apply). */
  record(entry: Omit<EffectLogEntry, 'seq' | 'at'>): void {
    this.log.push({ seq: this.log.length + 1, at: this.now(), ...entry });
  }

  now(): string {
    return this.clock().toISOString();
  }

  nowMs(): number {
    return this.clock().getTime();
  }

  /** Saves after each mutation (temp file + rename), when a persist path is configured. */
  persist(): void {
    if (!this.persistPath) return;
    const saved: PersistedBoard = {
      version: 1,
      items: [...this.items.values()],
      issues: [...this.issues.values()],
      prs: [...this.prs.values()],
      counters: this.counters,
      log: this.log,
      next_number: this.nextNumber,
      next_comment_id: this.nextCommentId,
      push_counts: this.pushCounts,
    };
    writeJsonAtomicSync(this.persistPath, saved);
  }

  private newIssue(number: number, seed: IssueSeed | undefined, fallbackTitle?: string): Issue {
    const record = typeof seed === 'string' ? { title: seed } : (seed ?? {});
    const issue: Issue = {
      number,
      title: record.title ?? fallbackTitle ?? `Issue #${number}`,
      body: record.body ?? '',
      labels: record.labels ?? [],
      html_url: this.issueUrl(number),
      comments: [],
    };
    for (const comment of record.comments ?? []) {
      const id = this.nextCommentId++;
      issue.comments.push({
        id,
        body: comment.body,
        created_at: comment.created_at ?? this.now(),
        html_url: `${issue.html_url}#issuecomment-${id}`,
      });
    }
    return issue;
  }

  /** Deterministic 40-hex commit ids: one per push of each PR. */
  private headSha(prNumber: number): string {
    const pushes = (this.pushCounts[String(prNumber)] ?? 0) + 1;
    this.pushCounts[String(prNumber)] = pushes;
    return createHash('sha1').update(`${this.repoUrl}#${prNumber}@${pushes}`).digest('hex');
  }
}

/** Accepts a bare ../../docs/spec/backend-orchestrator-contract.md §B.1 array, or {items, issues?, prs?}. */
export function parseBoardSeed(raw: unknown): BoardSeed {
  if (Array.isArray(raw)) return { items: raw as BoardItemSeed[] };
  if (isPlainObject(raw) && Array.isArray(raw.items)) {
    return {
      items: raw.items as BoardItemSeed[],
      issues: isPlainObject(raw.issues) ? (raw.issues as Record<string, IssueSeed>) : undefined,
      prs: Array.isArray(raw.prs) ? (raw.prs as PullRequestSeed[]) : undefined,
    };
  }
  throw new Error('board seed must be a JSON array of project items or an object with an "items" array');
}
