/**
 * `npm run build` (also run by `npm run setup`): everything the runner and its emulators would
 * otherwise transpile or bundle at every start, built once into dist/ (gitignored):
 *   - dist/**.js                  the worker and CLI compiled by tsc (tsconfig.build.json); bin/sprint-runner.js runs them
 *   - dist/workflow-code.js       the workflow bundle workers load (src/workflow-bundle.ts)
 *   - dist/emulators/<name>.js    single-file bundles of the processes spawned per Codex run / per tick
 *                                 (agent emulator, orchestrator emulator and its bench tap, github-mcp stand-in)
 * Every artifact is used only while it is newer than its sources (scripts/build-freshness.js), so a
 * stale build falls back to tsx instead of running old code.
 *   tsx scripts/build.ts [--no-tsc] [--no-workflows] [--no-emulators]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import {
  comparableModules,
  PREBUILT_WORKFLOW_BUNDLE,
  PREBUILT_WORKFLOW_BUNDLE_MANIFEST,
  WORKFLOW_INTERCEPTOR_MODULES,
  workflowBundleOptions,
  withoutSourcesContent,
  workflowSdkVersion,
  type WorkflowBundleManifest,
} from '../src/workflow-bundle';

const ROOT = join(__dirname, '..');
const DIST = join(ROOT, 'dist');
const BUILD_STAMP = join(DIST, '.build-stamp.json');

/** Emulator entry points bundled for `node dist/emulators/<name>.js` (their launchers pick them up). */
export const EMULATOR_ENTRIES: Record<string, string> = {
  agent: 'emulators/agent/main.ts',
  orchestrator: 'emulators/orchestrator/cli.ts',
  'orchestrator-tap': 'bench/support/orchestrator-tap.ts',
  'github-mcp': 'emulators/github-mcp/server.ts',
};

function log(message: string): void {
  process.stderr.write(`build: ${message}\n`);
}

function compileTypeScript(): void {
  // The stamp goes first: a half-written dist/ must never count as current.
  rmSync(BUILD_STAMP, { force: true });
  const builtAt = Date.now();
  const t0 = Date.now();
  const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit' });
  // Exit 2 = type errors but every file emitted: the JavaScript is the sources' (type errors are
  // `npm run typecheck`'s to report). Anything else means dist/ may be incomplete.
  if (tsc.status === 2) log('tsc reported type errors (above); the emitted JavaScript is used anyway');
  else if (tsc.status !== 0) throw new Error(`tsc -p tsconfig.build.json failed (exit ${tsc.status}); dist/ is not used until a build succeeds`);
  writeFileSync(BUILD_STAMP, `${JSON.stringify({ builtAt })}\n`);
  log(`tsc → dist/ in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

async function bundleWorkflows(): Promise<void> {
  rmSync(PREBUILT_WORKFLOW_BUNDLE_MANIFEST, { force: true });
  const builtAt = Date.now();
  const t0 = Date.now();
  const bundle = await bundleWorkflowCode({
    ...workflowBundleOptions(),
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } as never,
  });
  mkdirSync(dirname(PREBUILT_WORKFLOW_BUNDLE), { recursive: true });
  const code = withoutSourcesContent(bundle.code);
  writeFileSync(PREBUILT_WORKFLOW_BUNDLE, code);
  const manifest: WorkflowBundleManifest = { builtAt, interceptorModules: comparableModules(WORKFLOW_INTERCEPTOR_MODULES), workflowSdkVersion: workflowSdkVersion() };
  writeFileSync(PREBUILT_WORKFLOW_BUNDLE_MANIFEST, `${JSON.stringify(manifest)}\n`);
  log(
    `workflow bundle → ${relative(ROOT, PREBUILT_WORKFLOW_BUNDLE)} (${Math.round(code.length / 1024)} KiB, ${Math.round(bundle.code.length / 1024)} KiB with the sources' text) in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
}

/** esbuild ships with tsx (a dependency); resolve it through tsx so no separate install is needed. */
function loadEsbuild(): typeof import('esbuild') {
  const fromTsx = require.resolve('esbuild', { paths: [dirname(require.resolve('tsx/package.json'))] });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(fromTsx) as typeof import('esbuild');
}

async function bundleEmulators(): Promise<void> {
  const esbuild = loadEsbuild();
  const outDir = join(DIST, 'emulators');
  mkdirSync(outDir, { recursive: true });
  // Source-level fixes that keep a bundled module behaving as it does alone:
  // - modules that read files next to themselves (policy bundle, templates) keep their source
  //   directory: a per-module __dirname, relative to the bundle;
  // - a `require.main === module` guard of a module that is not the entry point is false (in one
  //   bundle `module` is the bundle's, so orchestrator-tap would otherwise also run cli.ts's main).
  const sourceFixes = (entryPath: string): import('esbuild').Plugin => ({
    name: 'bundle-as-alone',
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, async (args) => {
        const { readFile } = await import('node:fs/promises');
        let source = await readFile(args.path, 'utf8');
        if (args.path !== entryPath) source = source.replace(/require\.main\s*===\s*module/g, 'false');
        if (/\b__dirname\b/.test(source)) {
          source = `const __dirname = require('node:path').join(__bundleDir, ${JSON.stringify(relative(outDir, dirname(args.path)))});\n${source}`;
        }
        return { contents: source, loader: 'ts' };
      });
    },
  });
  for (const [name, entry] of Object.entries(EMULATOR_ENTRIES)) {
    const manifestPath = join(outDir, `${name}.inputs.json`);
    rmSync(manifestPath, { force: true });
    const builtAt = Date.now();
    const result = await esbuild.build({
      entryPoints: [join(ROOT, entry)],
      outfile: join(outDir, `${name}.js`),
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      // Dependencies bundled too: one file to read instead of hundreds of module resolutions per spawn.
      sourcemap: 'linked',
      metafile: true,
      logLevel: 'warning',
      plugins: [sourceFixes(join(ROOT, entry))],
      banner: { js: 'var __bundleDir = __dirname;' },
    });
    // Dependencies change with package-lock.json; only the project's own files are checked one by one.
    const inputs = Object.keys(result.metafile.inputs)
      .map((input) => relative(ROOT, join(process.cwd(), input)))
      .filter((input) => !input.includes('node_modules'));
    writeFileSync(manifestPath, `${JSON.stringify({ builtAt, entry, inputs: [...inputs, 'package-lock.json'] }, null, 1)}\n`);
  }
  log(`emulators → dist/emulators/ (${Object.keys(EMULATOR_ENTRIES).join(', ')})`);
}

async function main(): Promise<void> {
  const args = new Set(process.argv.slice(2));
  mkdirSync(DIST, { recursive: true });
  if (!args.has('--no-emulators')) await bundleEmulators();
  if (!args.has('--no-workflows')) await bundleWorkflows();
  if (!args.has('--no-tsc')) compileTypeScript();
}

main().catch((err: unknown) => {
  log(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
