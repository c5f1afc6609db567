/**
 * The prebuilt workflow bundle. `npm run build` bundles src/workflows once into
 * dist/workflow-code.js (scripts/build.ts); workers load it (`workflowBundle: { codePath }`) instead of
 * bundling with webpack at every start — but only while it is current, so no worker runs stale
 * workflow code: built after the newest file of src/, with the same interceptor modules and the same
 * @temporalio/workflow version. Otherwise workers bundle src/workflows at start as before.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { WORKFLOW_INTERCEPTOR_MODULES } from './telemetry';

/**
 * Workflow interceptor modules compiled into every workflow bundle (the prebuilt one and the one a
 * worker builds at start): one list — src/telemetry's — so both bundles are the same code.
 */
export { WORKFLOW_INTERCEPTOR_MODULES };

/**
 * Pure modules evaluated once per worker and shared by all its workflows instead of once per
 * workflow (src/workflows/shared-modules.ts says why and what may be listed).
 */
export const WORKFLOW_PRELOAD_MODULES: string[] = [require.resolve('./workflows/shared-modules')];

/** What every bundle of the workflow code is built from: the workflows, our interceptors, the shared modules. */
export function workflowBundleOptions() {
  return { workflowsPath: require.resolve('./workflows'), workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES, preloadModules: WORKFLOW_PRELOAD_MODULES };
}

// This file runs from src/ (tsx) or dist/ (compiled): either way the repository root is one up.
const ROOT = join(__dirname, '..');
export const PREBUILT_WORKFLOW_BUNDLE = join(ROOT, 'dist', 'workflow-code.js');
/** Written beside the bundle: what it was built from. */
export const PREBUILT_WORKFLOW_BUNDLE_MANIFEST = join(ROOT, 'dist', 'workflow-code.json');

export interface WorkflowBundleManifest {
  /** Epoch ms taken before bundling: a source changed after it makes the bundle stale. */
  builtAt: number;
  /** comparableModules(WORKFLOW_INTERCEPTOR_MODULES) at build time. */
  interceptorModules: string[];
  workflowSdkVersion: string;
}

export function workflowSdkVersion(): string {
  return (require('@temporalio/workflow/package.json') as { version: string }).version;
}

/**
 * A module list comparable between the build (run from src/) and a worker run from dist/: paths
 * relative to the repository, src/ and dist/ alike, without extension; package names unchanged.
 */
export function comparableModules(modules: readonly string[]): string[] {
  return modules.map((module) =>
    module.startsWith('/')
      ? relative(ROOT, module)
          .replace(/^dist\//, 'src/')
          .replace(/\.(ts|js)$/, '')
      : module,
  );
}

function newestMtimeUnder(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const mtime = entry.isDirectory() ? newestMtimeUnder(path) : statSync(path).mtimeMs;
    if (mtime > newest) newest = mtime;
  }
  return newest;
}

/** The prebuilt bundle's path when it is current (see the header); null when it must not be used. */
export function freshPrebuiltWorkflowBundle(sourcesDir = join(ROOT, 'src')): string | null {
  if (process.env.SPRINT_RUNNER_NO_DIST === '1' || process.env.SPRINT_RUNNER_NO_DIST === 'true') return null;
  try {
    const manifest = JSON.parse(readFileSync(PREBUILT_WORKFLOW_BUNDLE_MANIFEST, 'utf8')) as WorkflowBundleManifest;
    statSync(PREBUILT_WORKFLOW_BUNDLE);
    if (manifest.workflowSdkVersion !== workflowSdkVersion()) return null;
    if (JSON.stringify(manifest.interceptorModules) !== JSON.stringify(comparableModules(WORKFLOW_INTERCEPTOR_MODULES))) return null;
    // SPRINT_RUNNER_TRUST_DIST=1: a benchmark that just built, in a tree others keep editing.
    if (process.env.SPRINT_RUNNER_TRUST_DIST === '1' || process.env.SPRINT_RUNNER_TRUST_DIST === 'true') return PREBUILT_WORKFLOW_BUNDLE;
    // An installation without sources (only dist/) has nothing the bundle could be older than.
    let sourcesMtime = 0;
    try {
      sourcesMtime = newestMtimeUnder(sourcesDir);
    } catch {
      sourcesMtime = 0;
    }
    return sourcesMtime <= manifest.builtAt ? PREBUILT_WORKFLOW_BUNDLE : null;
  } catch {
    return null;
  }
}
