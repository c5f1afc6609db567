/**
 * GET /internal/agent-context response (../../docs/spec/runner-behaviour.md §3.3.2, ../../docs/spec/backend-orchestrator-contract.md §A.2), parsed by
 * buildBaseInstructions (domain/prompts.ts) as `bundle_invalid`. Exactly the old runner's checks: a
 * non-blank `role`, a `files` array whose entries have a non-blank `path` and a string `content`.
 * Everything else (sizes, hashes, bundle_hash: the old runner never checked them) passes through.
 */
import { z } from 'zod';

const nonBlank = z.string().refine((text) => text.trim() !== '', 'must not be blank');

const BundleFileSchema = z.looseObject({ path: nonBlank, content: z.string() });

export const AgentContextBundleSchema = z.looseObject({
  role: nonBlank,
  files: z.array(BundleFileSchema),
});
export type AgentContextBundle = z.infer<typeof AgentContextBundleSchema>;
