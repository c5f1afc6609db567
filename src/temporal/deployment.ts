/**
 * Worker Deployment Versioning (docs/upgrading.md): which version of the code a worker is, and the
 * deployment's routing as the server sees it. `sprint-runner worker` registers as version
 * `<RUNNER_DEPLOYMENT_NAME>.<build id>` with the AUTO_UPGRADE default behaviour; `doctor` reads the
 * deployment's current version; the first worker of a deployment that has never had a current
 * version makes itself current (otherwise no task would ever reach it).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Client } from '@temporalio/client';
import type { VersioningBehavior, WorkerDeploymentVersion } from '@temporalio/common';
import type { RunnerConfig } from '../config';

const ROOT = resolve(__dirname, '..', '..');

/**
 * Long-lived sprint and item workflows (open for days, waiting for humans) follow the deployment:
 * on their next workflow task after a new version became current they run on it, and changes to
 * workflow code are guarded with `patched()` and checked against the replay corpus.
 */
export const DEFAULT_VERSIONING_BEHAVIOR: VersioningBehavior = 'AUTO_UPGRADE';

export interface WorkerVersioning {
  version: WorkerDeploymentVersion;
  defaultBehavior: VersioningBehavior;
}

export function packageVersion(root = ROOT): string {
  return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * The commit checked out at `root`, read from .git without spawning git (a worker image usually has
 * no git); null when `root` is not a git checkout or the ref cannot be resolved. Follows a `.git`
 * file (worktrees, submodules) and packed refs.
 */
export function gitCommit(root = ROOT): string | null {
  try {
    let gitDir = join(root, '.git');
    if (!existsSync(gitDir)) return null;
    if (statSync(gitDir).isFile()) {
      const pointer = /^gitdir:\s*(.+)$/m.exec(readFileSync(gitDir, 'utf8'))?.[1]?.trim();
      if (!pointer) return null;
      gitDir = resolve(root, pointer);
    }
    const head = readFileSync(join(gitDir, 'HEAD'), 'utf8').trim();
    if (/^[0-9a-f]{40}$/.test(head)) return head;
    const ref = /^ref:\s*(.+)$/.exec(head)?.[1]?.trim();
    if (!ref) return null;
    // A linked worktree keeps HEAD in its own dir but refs in the common dir.
    const commonPointer = join(gitDir, 'commondir');
    const commonDir = existsSync(commonPointer) ? resolve(gitDir, readFileSync(commonPointer, 'utf8').trim()) : gitDir;
    for (const dir of [gitDir, commonDir]) {
      const loose = join(dir, ref);
      if (existsSync(loose)) return readFileSync(loose, 'utf8').trim();
    }
    const packed = join(commonDir, 'packed-refs');
    if (!existsSync(packed)) return null;
    for (const line of readFileSync(packed, 'utf8').split('\n')) {
      const [sha, name] = line.trim().split(' ');
      if (name === ref && sha && /^[0-9a-f]{40}$/.test(sha)) return sha;
    }
    return null;
  } catch {
    return null;
  }
}

/** SPRINT_RUNNER_BUILD_ID, else `<package version>-<short commit>`, else the package version alone. */
export function resolveBuildId(config: Pick<RunnerConfig, 'buildId'>, root = ROOT): string {
  if (config.buildId) return config.buildId;
  const commit = gitCommit(root);
  return commit ? `${packageVersion(root)}-${commit.slice(0, 7)}` : packageVersion(root);
}

/** The versioning `sprint-runner worker` registers with, or null when RUNNER_WORKER_VERSIONING is off. */
export function workerVersioningFor(config: RunnerConfig): WorkerVersioning | null {
  if (!config.workerVersioning) return null;
  return { version: { deploymentName: config.deploymentName, buildId: resolveBuildId(config) }, defaultBehavior: DEFAULT_VERSIONING_BEHAVIOR };
}

export interface DeploymentRouting {
  /** The deployment is not known to the server yet (no versioned worker ever polled). */
  exists: boolean;
  /** Build id of the current version; null = unversioned workers get the tasks. */
  currentBuildId: string | null;
  /** True once someone set a current version (also when they set it back to unversioned). */
  currentEverSet: boolean;
  rampingBuildId: string | null;
  rampingPercentage: number;
  /** Build ids the server knows for this deployment, with their status (current, draining, …). */
  versions: Array<{ buildId: string; status: string }>;
  conflictToken: Uint8Array | null;
}

export async function describeDeployment(client: Client, deploymentName: string): Promise<DeploymentRouting> {
  try {
    const response = await client.workflowService.describeWorkerDeployment({ namespace: client.options.namespace, deploymentName });
    const info = response.workerDeploymentInfo;
    const routing = info?.routingConfig;
    return {
      exists: true,
      currentBuildId: routing?.currentDeploymentVersion?.buildId || null,
      currentEverSet: Boolean(routing?.currentVersionChangedTime),
      rampingBuildId: routing?.rampingDeploymentVersion?.buildId || null,
      rampingPercentage: routing?.rampingVersionPercentage ?? 0,
      versions: (info?.versionSummaries ?? []).map((summary) => ({
        buildId: summary.deploymentVersion?.buildId ?? '',
        status: String(summary.status ?? '')
          .replace(/^WORKER_DEPLOYMENT_VERSION_STATUS_/, '')
          .toLowerCase(),
      })),
      conflictToken: response.conflictToken ?? null,
    };
  } catch (err) {
    // gRPC NOT_FOUND: no versioned worker of this deployment has polled yet.
    if ((err as { code?: number }).code === 5) {
      return { exists: false, currentBuildId: null, currentEverSet: false, rampingBuildId: null, rampingPercentage: 0, versions: [], conflictToken: null };
    }
    throw err;
  }
}

export type PromotionOutcome =
  { promoted: true; reason: 'first_version' | 'requested' } | { promoted: false; reason: 'already_current' | 'other_version_current'; current: string | null };

/**
 * Makes `version` the deployment's current version when the deployment has never had one (its first
 * versioned worker: until some version is current, tasks go to unversioned workers only), or always
 * when `force` (`sprint-runner worker --set-current`). A later version is otherwise promoted by the
 * operator (`temporal worker deployment set-current-version`), see docs/upgrading.md.
 *
 * The server learns a version from its pollers a moment after they start, so this retries until the
 * version is known (within `timeoutMs`). The describe's conflict token makes two workers starting at
 * once safe: the second one sees the first one's choice.
 */
export async function promoteIfFirst(
  client: Client,
  version: WorkerDeploymentVersion,
  options: { force?: boolean; identity?: string; timeoutMs?: number } = {},
): Promise<PromotionOutcome> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (let attempt = 0; ; attempt += 1) {
    const routing = await describeDeployment(client, version.deploymentName);
    if (routing.currentBuildId === version.buildId) return { promoted: false, reason: 'already_current', current: routing.currentBuildId };
    if (!options.force && (routing.currentEverSet || routing.rampingBuildId)) {
      return { promoted: false, reason: 'other_version_current', current: routing.currentBuildId };
    }
    try {
      await client.workflowService.setWorkerDeploymentCurrentVersion({
        namespace: client.options.namespace,
        deploymentName: version.deploymentName,
        buildId: version.buildId,
        identity: options.identity ?? `sprint-runner worker ${version.buildId}`,
        ...(routing.conflictToken ? { conflictToken: routing.conflictToken } : {}),
      });
      return { promoted: true, reason: options.force ? 'requested' : 'first_version' };
    } catch (err) {
      // Version not registered yet, or another worker changed the routing since the describe: look again.
      if (Date.now() > deadline) {
        throw new Error(`could not make ${version.deploymentName}.${version.buildId} current within ${options.timeoutMs ?? 60_000} ms: ${(err as Error).message}`);
      }
      await new Promise((done) => setTimeout(done, Math.min(250 * 2 ** attempt, 2_000)));
    }
  }
}
