/**
 * Modules evaluated once per worker and shared by every workflow it runs (the bundler's
 * `preloadModules`, see src/workflow-bundle.ts).
 *
 * Why: in the SDK's reusable V8 context each workflow has its own module cache, and zod evaluated
 * per workflow cost ≈ 1.2 MiB and ≈ 10 ms per workflow created (bench/footprint.ts).
 *
 * Only packages without per-workflow state, and not our schema modules: the SDK deep-freezes what a
 * shared module exports, and a zod schema writes to itself on first use (its bound methods, its
 * parse wrapper), so a frozen schema fails the workflow task ("Cannot define property safeParse,
 * object is not extensible"). Our schemas stay per workflow; zod's own exports are functions,
 * classes and configuration that is complete once a first object schema was built (below).
 * test/unit/shared-modules.test.ts checks what a workflow still evaluates on its own.
 */
import { z } from 'zod';
import { applyPatch } from 'rfc6902';

// Used, not just imported: both packages declare themselves free of side effects, so webpack would
// drop a bare `import`. An object schema also installs zod's default locale and memoizer now,
// before the freeze (zod does that lazily, on the first schema it builds).
z.object({ preloaded: z.string() });
void applyPatch;
