/**
 * GET /internal/agent-context response (../../docs/spec/runner-behaviour.md §3.3.2, ../../docs/spec/backend-orchestrator-contract.md §A.2). Only `role`,
 * `files[].path` and `files[].content` are load-bearing; the old runner never checked the hashes.
 */
import { z } from 'zod';

export const BundleFileSchema = z.looseObject({
  path: z.string(),
  size_bytes: z.number().int().nonnegative().optional(),
  sha256: z.string().optional(),
  content: z.string(),
});

export const AgentContextBundleSchema = z.looseObject({
  role: z.string(),
  files: z.array(BundleFileSchema),
  bundle_hash: z.string().optional(),
});
export type AgentContextBundle = z.infer<typeof AgentContextBundleSchema>;
