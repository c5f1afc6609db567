/**
 * The product's workflow code with one small edit, bundled: the "v2" of the upgrade test and the
 * deliberately non-deterministic edit the replay test must catch. `src/` is copied to
 * .sprint-runner/test/variants/<key>/ (inside the repo, so node_modules resolve), the edit is applied
 * as text right after a stable anchor — the first line of `itemWorkflow` — and the copy is bundled
 * with bundleWorkflowCode. If the anchor is gone the helper throws, naming it: the tests fail loudly
 * instead of testing nothing. Bundles are cached by the hash of src/ and the edit (test files share them).
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

const ROOT = join(__dirname, '..', '..');
const SRC = join(ROOT, 'src');
const ITEM_WORKFLOW = join('workflows', 'item', 'workflow.ts');

/** The line the edit goes after: the signature of the item workflow (one line, opening its body). */
export const ITEM_WORKFLOW_ANCHOR = /^export async function itemWorkflow\(.*\)(?::\s*Promise<[^\n]*>)?\s*\{[ \t]*$/m;

/** v2 of the upgrade test: a real change (a memo upsert command and an event) guarded by patched(). */
export const PATCHED_PROBE = [
  "  if (wf.patched('upgrade-probe')) {",
  "    wf.upsertMemo({ upgradeProbe: 'v2' });",
  "    (wf.proxySinks() as any).events.emit({ type: 'UPGRADE_PROBE', workflow_id: wf.workflowInfo().workflowId });",
  '  }',
].join('\n');

/** The same kind of change without patched(): every item history recorded before it must fail to replay. */
export const UNGUARDED_TIMER = "  await wf.sleep(1, { summary: 'unguarded change' });";

function hashTree(dir: string, hash = createHash('sha256')): ReturnType<typeof createHash> {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) hashTree(path, hash);
    else hash.update(relative(SRC, path)).update('\0').update(readFileSync(path)).update('\0');
  }
  return hash;
}

/** Inserts `code` after the itemWorkflow anchor in a copy of `source`; throws when the anchor is missing. */
export function insertIntoItemWorkflow(source: string, code: string): string {
  const anchor = ITEM_WORKFLOW_ANCHOR.exec(source);
  if (!anchor) {
    throw new Error(
      `src/${ITEM_WORKFLOW}: anchor ${ITEM_WORKFLOW_ANCHOR} not found (the itemWorkflow signature moved or spans lines); ` +
        'update ITEM_WORKFLOW_ANCHOR in test/support/workflow-variant.ts',
    );
  }
  if (!/^import \* as wf from '@temporalio\/workflow';$/m.test(source)) {
    throw new Error(`src/${ITEM_WORKFLOW} no longer imports \`* as wf\` from @temporalio/workflow; update test/support/workflow-variant.ts`);
  }
  const at = anchor.index + anchor[0].length;
  return `${source.slice(0, at)}\n${code}${source.slice(at)}`;
}

/** Builds (or reuses) the bundle of src/ with `code` inserted into itemWorkflow; returns its path. */
export async function itemWorkflowVariantBundle(name: string, code: string): Promise<string> {
  const key = `${name}-${hashTree(SRC).update(code).digest('hex').slice(0, 16)}`;
  const base = join(ROOT, '.sprint-runner', 'test', 'variants');
  const bundlePath = join(base, `${key}.js`);
  if (existsSync(bundlePath)) return bundlePath;
  const copy = join(base, `${key}-src-${process.pid}`);
  rmSync(copy, { recursive: true, force: true });
  mkdirSync(copy, { recursive: true });
  try {
    cpSync(SRC, join(copy, 'src'), { recursive: true });
    const file = join(copy, 'src', ITEM_WORKFLOW);
    writeFileSync(file, insertIntoItemWorkflow(readFileSync(file, 'utf8'), code));
    const bundle = await bundleWorkflowCode({
      // The copy's own workflows and shared modules (the interceptors are not part of what a variant tests).
      workflowsPath: join(copy, 'src', 'workflows', 'index.ts'),
      preloadModules: [join(copy, 'src', 'workflows', 'shared-modules.ts')],
      logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } as never,
    });
    // Write then rename: another jest worker may build the same variant at the same time.
    const temp = `${bundlePath}.${process.pid}.tmp`;
    writeFileSync(temp, bundle.code);
    renameSync(temp, bundlePath);
    return bundlePath;
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}
