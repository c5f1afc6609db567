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

/**
 * The bundle's inline source map without the sources' text (1.3 of its 1.8 MB, issue #18): every
 * worker holds the map in memory, and the text is read only for stack traces with sources
 * (`showStackTraceSources`, off here). The build and the tests' bundle both use it. Positions stay, so workflow stack traces still name our .ts lines.
 */
export function withoutSourcesContent(code: string): string {
  const comment = code.lastIndexOf('//# sourceMappingURL=data:');
  const base64 = code.indexOf('base64,', comment);
  if (comment < 0 || base64 < 0) return code;
  const prefix = code.slice(comment, base64 + 'base64,'.length);
  const map = JSON.parse(Buffer.from(code.slice(base64 + 'base64,'.length).trim(), 'base64').toString('utf8')) as { sourcesContent?: unknown };
  delete map.sourcesContent;
  return `${code.slice(0, comment)}${prefix}${Buffer.from(JSON.stringify(map)).toString('base64')}\n`;
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
