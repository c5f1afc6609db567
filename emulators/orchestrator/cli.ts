/**
 * Emulated orchestrator CLI, command-line compatible with `node apps/orchestrator/src/cli.js`:
 *   node -r tsx/cjs emulators/orchestrator/cli.ts [--once|--loop]
 * RUN_INTENT lines go to stdout, JSON diagnostics to stderr, exit codes 0/2/3/4 as the original.
 * Board items come from ORCHESTRATOR_ITEMS_FILE or, standing in for the GitHub read, from the
 * backend emulator's `GET /__admin/items`.
 *
 * Emulator-only knob: ORCHESTRATOR_EMULATOR_SYNTHETIC_INTENTS=N makes the first cycle emit N
 * REVIEWER resolve-linked-pr intents for issues 1..N (plus a matching summary) without touching the
 * backend, the items or the state file; later --loop cycles emit nothing. For throughput benchmarks.
 */
import { randomUUID } from 'node:crypto';
import { readFile, rename } from 'node:fs/promises';
import { resolve } from 'node:path';
import { TargetIdentityError, resolveTargetIdentity } from '../backend/identity';
import { BundleError, DEFAULT_POLICY_DIR, IDENTITY_POLICY_PATH, SCHEMA_POLICY_PATH, loadPolicyBundle, schemaFieldOptions } from '../backend/policy';
import { writeJsonAtomic } from '../shared/json-file';
import {
  CodedError,
  type DispatchSummary,
  type OrchestratorState,
  type ProjectItemRow,
  RESOLVE_ENDPOINT,
  type RunIntent,
  type RunPlan,
  STATUS_ORDER,
  buildRunPlan,
  dispatchSummaryEvent,
  endOfSprintEvent,
  hasText,
  mergeRunnerManagedStateFields,
} from './plan';

const DEFAULT_BACKEND_BASE_URL = 'http://localhost:4000';
const DEFAULT_STATE_PATH = '.orchestrator-state.json';
const TRANSIENT_CODES = new Set(['transient_network_error', 'transient_retries_exhausted']);
const NETWORK_CAUSE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT']);

type Env = NodeJS.ProcessEnv;

interface CliConfig {
  runMode: 'once' | 'loop';
  backendBaseUrl: string;
  maxExecutors: number;
  maxReviewers: number;
  pollIntervalMs: number;
  stallMinutes: number;
  reviewChurnPolls: number;
  sprint: string;
  statePath: string;
  policyRoot: string;
  syntheticIntents: number;
}

export function exitCodeFor(error: unknown): number {
  const code = error instanceof CodedError ? error.code : undefined;
  if (code && TRANSIENT_CODES.has(code)) return 4;
  if (code === 'malformed_item_data') return 3;
  return 2;
}

/** `--once` / `--loop`, last one wins, anything else is ignored. */
export function parseRunMode(argv: string[]): 'once' | 'loop' {
  let mode: 'once' | 'loop' = 'once';
  for (const arg of argv) {
    if (arg === '--loop') mode = 'loop';
    else if (arg === '--once') mode = 'once';
  }
  return mode;
}

function parseIntEnv(env: Env, name: string, fallback: number, min: 0 | 1): number {
  const raw = env[name];
  if (!hasText(raw)) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new CodedError(`${name} must be a ${min === 1 ? 'positive' : 'non-negative'} integer`, 'validation_failed');
  }
  return value;
}

/** Parse order (and so which error wins) follows the original CLI. */
export function parseCliConfig(argv: string[], env: Env, cwd = process.cwd()): CliConfig {
  const runMode = parseRunMode(argv);
  const backendBaseUrl = hasText(env.ORCHESTRATOR_BACKEND_BASE_URL) ? env.ORCHESTRATOR_BACKEND_BASE_URL.trim() : DEFAULT_BACKEND_BASE_URL;
  const maxExecutors = parseIntEnv(env, 'ORCHESTRATOR_MAX_EXECUTORS', 2, 1);
  const maxReviewers = parseIntEnv(env, 'ORCHESTRATOR_MAX_REVIEWERS', 2, 1);
  const pollIntervalMs = parseIntEnv(env, 'ORCHESTRATOR_POLL_INTERVAL_MS', 15000, 1);
  const stallMinutes = parseIntEnv(env, 'ORCHESTRATOR_STALL_MINUTES', 120, 1);
  const reviewChurnPolls = parseIntEnv(env, 'ORCHESTRATOR_REVIEW_CHURN_POLLS', 3, 1);
  if (!hasText(env.ORCHESTRATOR_SPRINT)) throw new CodedError('ORCHESTRATOR_SPRINT is required', 'validation_failed');
  const sprint = env.ORCHESTRATOR_SPRINT.trim();
  const statePath = resolve(cwd, hasText(env.ORCHESTRATOR_STATE_PATH) ? env.ORCHESTRATOR_STATE_PATH.trim() : DEFAULT_STATE_PATH);
  const policyRoot = hasText(env.ORCHESTRATOR_REPO_ROOT) ? resolve(cwd, env.ORCHESTRATOR_REPO_ROOT) : DEFAULT_POLICY_DIR;
  const syntheticIntents = parseIntEnv(env, 'ORCHESTRATOR_EMULATOR_SYNTHETIC_INTENTS', 0, 0);
  return { runMode, backendBaseUrl, maxExecutors, maxReviewers, pollIntervalMs, stallMinutes, reviewChurnPolls, sprint, statePath, policyRoot, syntheticIntents };
}

function emptyState(): Required<OrchestratorState> {
  return { poll_count: 0, items: {}, sprint_plan: {}, ownership_index: {} };
}

/** A corrupt state file is moved aside and replaced by an empty state (every item re-dispatches). */
export async function readStateFile(path: string, stderr: NodeJS.WritableStream = process.stderr): Promise<Required<OrchestratorState>> {
  let raw: string;
  try {
    raw = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyState();
    throw new CodedError(`failed to load state file ${path}: ${(err as Error).message}`, 'validation_failed');
  }
  let parsed: unknown;
  let problem = '';
  try {
    parsed = JSON.parse(raw);
    if (!parsed || typeof parsed !== 'object') problem = 'state file must be a JSON object';
  } catch {
    problem = 'state file contains invalid JSON';
  }
  if (problem) {
    const backupPath = `${path}.corrupt-${Date.now()}`;
    let backedUp = true;
    await rename(path, backupPath).catch(() => {
      backedUp = false;
    });
    stderr.write(`${JSON.stringify({ type: 'ORCHESTRATOR_STATE_RESET_INVALID_JSON', path, backup_path: backedUp ? backupPath : '', error: problem })}\n`);
    return emptyState();
  }
  const state = parsed as Record<string, unknown>;
  const objectOr = (value: unknown) => (value && typeof value === 'object' ? (value as Record<string, never>) : {});
  return {
    poll_count: Number.isInteger(state.poll_count) && (state.poll_count as number) >= 0 ? (state.poll_count as number) : 0,
    items: objectOr(state.items),
    sprint_plan: objectOr(state.sprint_plan),
    ownership_index: objectOr(state.ownership_index),
  };
}

function isNetworkError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const message = error.message.toLowerCase();
  if (message.includes('fetch failed') || message.includes('network')) return true;
  const cause = (error as Error & { cause?: { code?: unknown } }).cause;
  return typeof cause?.code === 'string' && NETWORK_CAUSE_CODES.has(cause.code);
}

async function fetchOrTransient(url: string, what: string): Promise<Response> {
  try {
    return await fetch(url);
  } catch (err) {
    if (isNetworkError(err)) throw new CodedError(`${what} network request failed: ${(err as Error).message}`, 'transient_network_error');
    throw err;
  }
}

async function runPreflight(baseUrl: string): Promise<void> {
  const response = await fetchOrTransient(`${baseUrl}/internal/preflight?role=ORCHESTRATOR`, 'preflight');
  const payload = (await response.json().catch(() => null)) as { status?: string; errors?: { code?: string }[] } | null;
  if (!response.ok) throw new CodedError(`preflight request failed: HTTP ${response.status}`, 'preflight_failed');
  if (!payload || payload.status === 'FAIL') {
    const transient = Array.isArray(payload?.errors) && payload.errors.some((entry) => entry?.code === 'template_fetch_transient_exhausted');
    throw new CodedError(
      `preflight failed for ORCHESTRATOR: ${payload ? JSON.stringify(payload) : 'empty payload'}`,
      transient ? 'transient_retries_exhausted' : 'preflight_failed',
    );
  }
}

interface LocalPolicy {
  statusOptions: string[];
}

/** The orchestrator reads its own copy of the policy bundle, not the backend's. */
async function loadLocalPolicy(policyRoot: string, sprint: string, env: Env): Promise<LocalPolicy> {
  let bundle;
  try {
    bundle = await loadPolicyBundle(policyRoot, 'ORCHESTRATOR');
  } catch (err) {
    if (err instanceof BundleError) throw new CodedError(`${err.message}: ${err.path}`);
    throw err;
  }
  const fileJson = (path: string) => JSON.parse(bundle.files.find((file) => file.path === path)!.content) as unknown;
  const identityPolicy = fileJson(IDENTITY_POLICY_PATH);
  const schema = fileJson(SCHEMA_POLICY_PATH);
  const statusOptions = schemaFieldOptions(schema, 'Status');
  if (statusOptions.length === 0) throw new CodedError('project schema policy missing Status.allowed_options', 'preflight_failed');
  const sprintOptions = schemaFieldOptions(schema, 'Sprint');
  if (sprintOptions.length === 0) throw new CodedError('project schema policy missing Sprint.allowed_options', 'preflight_failed');
  try {
    resolveTargetIdentity(env, identityPolicy);
  } catch (err) {
    if (err instanceof TargetIdentityError) {
      const missing = err.details.missing?.length ? ` (missing: ${err.details.missing.join(', ')})` : '';
      throw new CodedError(`${err.message}${missing}`, 'target_identity_error');
    }
    throw err;
  }
  if (!sprintOptions.includes(sprint)) {
    throw new CodedError(`ORCHESTRATOR_SPRINT=${sprint} is not allowed by policy/project-schema.json`, 'malformed_item_data');
  }
  return { statusOptions };
}

async function readProjectItems(config: CliConfig, env: Env): Promise<unknown[]> {
  if (hasText(env.ORCHESTRATOR_ITEMS_FILE)) {
    const content = await readFile(resolve(process.cwd(), env.ORCHESTRATOR_ITEMS_FILE), 'utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(content);
    } catch (err) {
      throw new CodedError(`ORCHESTRATOR_ITEMS_FILE must contain valid JSON array: ${(err as Error).message}`, 'validation_failed');
    }
    if (!Array.isArray(parsed)) throw new CodedError('ORCHESTRATOR_ITEMS_FILE must contain a JSON array', 'validation_failed');
    return parsed;
  }
  // Stand-in for the GitHub GraphQL listing; as there, only network errors are transient.
  const response = await fetchOrTransient(`${config.backendBaseUrl}/__admin/items`, 'listProjectItems');
  if (!response.ok) throw new CodedError(`GitHub GraphQL request failed: HTTP ${response.status}`);
  const items = (await response.json().catch(() => null)) as unknown;
  if (!Array.isArray(items)) throw new CodedError('unexpected project items response');
  return items;
}

async function runCycle(config: CliConfig, env: Env, previousState: unknown): Promise<RunPlan> {
  await runPreflight(config.backendBaseUrl);
  const policy = await loadLocalPolicy(config.policyRoot, config.sprint, env);
  const projectItems = await readProjectItems(config, env);
  return buildRunPlan({
    projectItems: projectItems as ProjectItemRow[],
    allowedStatusOptions: policy.statusOptions,
    sprint: config.sprint,
    previousState,
    maxExecutors: config.maxExecutors,
    maxReviewers: config.maxReviewers,
    stallMinutes: config.stallMinutes,
    reviewChurnPolls: config.reviewChurnPolls,
    maxReviewerDispatchesPerStatus: parseIntEnv(env, 'ORCHESTRATOR_MAX_REVIEWER_DISPATCHES_PER_STATUS', 2, 1),
    reviewerRetryPolls: parseIntEnv(env, 'ORCHESTRATOR_REVIEWER_RETRY_POLLS', 20, 0),
  });
}

/** N REVIEWER intents for issues 1..N, shaped exactly like real ones (benchmark input). */
export function buildSyntheticPlan(count: number, sprint: string, pollCount: number): { intents: RunIntent[]; summary: DispatchSummary } {
  const now = new Date().toISOString();
  const intents: RunIntent[] = [];
  const summary: DispatchSummary = {
    sprint,
    poll_count: pollCount,
    in_scope_total: count,
    status_counts: Object.fromEntries(STATUS_ORDER.map((status) => [status, status === 'In Review' ? count : 0])) as DispatchSummary['status_counts'],
    intents_emitted: { EXECUTOR: 0, REVIEWER: count, total: count },
    skipped: { not_in_scope: 0, dedupe_same_status: 0, concurrency_limit: 0 },
    needs_attention: { stalled_in_progress: [], in_review_churn: [] },
    processed_items: [],
    completed: false,
  };
  for (let issue = 1; issue <= count; issue += 1) {
    const runId = randomUUID();
    intents.push({ type: 'RUN_INTENT', role: 'REVIEWER', run_id: runId, endpoint: RESOLVE_ENDPOINT, body: { role: 'REVIEWER', issue_number: issue, run_id: runId } });
    summary.processed_items.push({
      issue_number: issue,
      project_item_id: `PVTI_${issue}`,
      status: 'In Review',
      last_dispatch: { role: 'REVIEWER', run_id: runId, dispatched_at: now },
      stall: null,
      in_review_origin: '',
    });
  }
  return { intents, summary };
}

/** One write per line; waits for 'drain' so huge outputs are never buffered without bound. */
function writeLine(stream: NodeJS.WritableStream, line: string): Promise<void> {
  if (stream.write(line)) return Promise.resolve();
  return new Promise((done) => stream.once('drain', () => done()));
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

export async function runOrchestratorCli(argv: string[], env: Env): Promise<number> {
  const config = parseCliConfig(argv, env);
  let syntheticPending = config.syntheticIntents > 0;
  let syntheticPolls = 0;

  for (;;) {
    if (config.syntheticIntents > 0) {
      syntheticPolls += 1;
      const count = syntheticPending ? config.syntheticIntents : 0;
      const { intents, summary } = buildSyntheticPlan(count, config.sprint, syntheticPolls);
      syntheticPending = false;
      for (const intent of intents) await writeLine(process.stdout, `${JSON.stringify(intent)}\n`);
      await writeLine(process.stderr, `${JSON.stringify(dispatchSummaryEvent(summary))}\n`);
      if (config.runMode === 'once') return 0;
      await sleep(config.pollIntervalMs);
      continue;
    }

    let plan: RunPlan;
    try {
      const state = await readStateFile(config.statePath);
      plan = await runCycle(config, env, state);
    } catch (err) {
      const code = err instanceof CodedError ? err.code : undefined;
      if (config.runMode === 'loop' && code && TRANSIENT_CODES.has(code)) {
        const event = { type: 'ORCHESTRATOR_CYCLE_TRANSIENT_ERROR', code, error: (err as Error).message, retry_in_ms: config.pollIntervalMs };
        await writeLine(process.stderr, `${JSON.stringify(event)}\n`);
        await sleep(config.pollIntervalMs);
        continue;
      }
      throw err;
    }

    // The state (with the dispatch records) is written BEFORE the intents are printed, as in the
    // original: a crash in between loses intents that dedupe then suppresses for the whole epoch.
    const onDisk = await readStateFile(config.statePath);
    await writeJsonAtomic(config.statePath, mergeRunnerManagedStateFields({ nextState: plan.nextState, diskState: onDisk }));

    for (const intent of plan.intents) await writeLine(process.stdout, `${JSON.stringify(intent)}\n`);
    await writeLine(process.stderr, `${JSON.stringify(dispatchSummaryEvent(plan.summary))}\n`);
    if (plan.completed) {
      await writeLine(process.stderr, `${JSON.stringify(endOfSprintEvent(plan.summary))}\n`);
      return 0;
    }
    if (config.runMode === 'once') return 0;
    await sleep(config.pollIntervalMs);
  }
}

/** Exit only once both streams have flushed (a pipe reader must get every intent line). */
function exitAfterFlush(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

if (require.main === module) {
  runOrchestratorCli(process.argv.slice(2), process.env).then(exitAfterFlush, (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    exitAfterFlush(exitCodeFor(err));
  });
}
