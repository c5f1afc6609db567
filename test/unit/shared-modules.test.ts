/**
 * The workflow bundle shares zod between workflows (src/workflows/shared-modules.ts): in the SDK's
 * reusable V8 context each workflow has its own module cache, and zod evaluated per workflow cost
 * ≈ 1.2 MiB of RSS and ≈ 10 ms per workflow created (bench/footprint.ts). Zod declares itself free
 * of side effects, so a bare `import 'zod'` in the preloaded module is dropped by webpack and nothing
 * is shared: this test loads the bundle the way the worker does (the SDK's reusable-VM creator) and
 * looks at what a workflow evaluates on its own.
 */
import { readFileSync } from 'node:fs';
// The worker's own creator for the reusable V8 context (not a public API; the worker uses it as is).
import { ReusableVMWorkflowCreator } from '@temporalio/worker/lib/workflow/reusable-vm';

type Created = { activator: { moduleCache: Map<string, unknown> }; dispose(): Promise<void> };

function inlineSourceMap(code: string): object {
  const at = code.lastIndexOf('//# sourceMappingURL=data:');
  return JSON.parse(Buffer.from(code.slice(code.indexOf('base64,', at) + 'base64,'.length).trimEnd(), 'base64').toString('utf8')) as object;
}

describe('modules shared by every workflow of a worker', () => {
  let creator: ReusableVMWorkflowCreator;
  const created: Created[] = [];

  beforeAll(async () => {
    const filename = process.env.TEMPORAL_TEST_WORKFLOW_BUNDLE!;
    const code = readFileSync(filename, 'utf8');
    creator = await ReusableVMWorkflowCreator.create({ code, sourceMap: inlineSourceMap(code) as never, filename }, 10_000, new Set(), undefined as never);
  });

  afterAll(async () => {
    for (const workflow of created) await workflow.dispose();
    await creator.destroy();
  });

  async function createItemWorkflow(n: number): Promise<Created> {
    const now = new Date();
    const workflow = (await creator.createWorkflow({
      info: {
        workflowType: 'itemWorkflow',
        workflowId: `sprint-M1-item-${n}`,
        runId: `run-${n}`,
        firstExecutionRunId: `run-${n}`,
        taskQueue: 'shared-modules-test',
        namespace: 'default',
        attempt: 1,
        historyLength: 3,
        historySize: 100,
        continueAsNewSuggested: false,
        startTime: now,
        runStartTime: now,
        searchAttributes: {},
        typedSearchAttributes: [],
        memo: {},
        unsafe: { isReplaying: false, now: Date.now },
        priority: {},
      },
      randomnessSeed: [n, n],
      now: now.getTime(),
      showStackTraceSources: false,
    } as never)) as unknown as Created;
    created.push(workflow);
    return workflow;
  }

  test('zod is evaluated once per worker, our schemas once per workflow', async () => {
    const first = await createItemWorkflow(1);
    const second = await createItemWorkflow(2);
    for (const workflow of [first, second]) {
      const own = [...workflow.activator.moduleCache.keys()];
      // The workflow's own modules were evaluated (the cache is the one that matters) …
      expect(own).toContain('./src/workflows/item/workflow.ts');
      // … our schema modules among them: the SDK freezes what shared modules export, and zod
      // schemas write to themselves on first use, so they must not be shared …
      expect(own).toContain('./src/contracts/messages.ts');
      // … but not zod itself.
      expect(own.filter((id) => id.includes('/node_modules/zod/'))).toEqual([]);
    }
  });
});
