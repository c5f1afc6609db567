/**
 * Local emulator of the agent-dashboard backend (apps/api @ 45fae0b) with an in-memory GitHub
 * board behind it. For tests, benchmarks and the demo only; product code never imports it.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Board, type BoardItemSeed, type BoardSeed, type IssueSeed, type PullRequestSeed, parseBoardSeed } from './board';
import { type BackendContext, type BackendEnv, type PreflightControl, SerialQueue, readTemplateMeta } from './context';
import { FaultInjector } from './faults';
import { DEFAULT_POLICY_DIR } from './policy';
import { buildBackendApp } from './server';
import { type ArchitectureMap, DEFAULT_ARCHITECTURE_MAP } from './sprint-ownership';

export type { BoardItem, BoardItemSeed, BoardSeed, EffectLogEntry, Issue, IssueSeed, PullRequest, PullRequestSeed } from './board';
export { Board, parseBoardSeed } from './board';
export type { BackendEnv, PreflightControl } from './context';
export { FaultInjector, type FaultRuleInput } from './faults';
export { computeBundleHash, DEFAULT_POLICY_DIR } from './policy';
export { formatClaimMarker, formatRunMarker } from './markers';
export { computeSprintPlanMetadata, DEFAULT_ARCHITECTURE_MAP, type ArchitectureMap, type ScopeMeta } from './sprint-ownership';

export interface BackendEmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  items?: BoardItemSeed[];
  /** A ../../docs/spec/backend-orchestrator-contract.md §B.1 items array, or {items, issues?, prs?}; combined with `items`/`issues`/`prs`. */
  itemsFile?: string;
  issues?: Record<string, IssueSeed>;
  prs?: PullRequestSeed[];
  /** Board file: loaded on start when it exists (the seed is then ignored), saved after each mutation. */
  persistPath?: string;
  env?: BackendEnv;
  /** Directory with AGENTS.md, agents/*.md and policy/*.json (default: the bundled policy). */
  policyDir?: string;
  /** Base for a relative env.ORCHESTRATOR_STATE_PATH (default: process.cwd()). */
  repoRoot?: string;
  preflight?: PreflightControl;
  architecture?: ArchitectureMap;
  clock?: () => Date;
  repoUrl?: string;
  logger?: boolean;
}

export interface BackendEmulator {
  url: string;
  port: number;
  board: Board;
  faults: FaultInjector;
  /** Mutable: change status/errors to switch preflight between PASS and FAIL. */
  preflight: PreflightControl;
  close(): Promise<void>;
}

function buildSeed(options: BackendEmulatorOptions): BoardSeed {
  const fromFile = options.itemsFile ? parseBoardSeed(JSON.parse(readFileSync(resolve(options.itemsFile), 'utf8'))) : { items: [] };
  return {
    items: [...fromFile.items, ...(options.items ?? [])],
    issues: { ...(fromFile.issues ?? {}), ...(options.issues ?? {}) },
    prs: [...(fromFile.prs ?? []), ...(options.prs ?? [])],
  };
}

export async function startBackendEmulator(options: BackendEmulatorOptions = {}): Promise<BackendEmulator> {
  const board = new Board({ repoUrl: options.repoUrl, clock: options.clock, persistPath: options.persistPath });
  if (!board.loadPersisted()) board.seed(buildSeed(options));

  const ctx: BackendContext = {
    board,
    faults: new FaultInjector(),
    preflight: options.preflight ?? { status: 'PASS', errors: [] },
    policyDir: options.policyDir ?? DEFAULT_POLICY_DIR,
    env: options.env ?? {},
    repoRoot: options.repoRoot ?? process.cwd(),
    architecture: options.architecture ?? DEFAULT_ARCHITECTURE_MAP,
    template: readTemplateMeta(),
    claimQueue: new SerialQueue(),
  };
  const app = buildBackendApp(ctx, { logger: options.logger });
  await app.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 0);
  const host = options.host ?? '127.0.0.1';
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    board,
    faults: ctx.faults,
    preflight: ctx.preflight,
    close: () => app.close(),
  };
}
