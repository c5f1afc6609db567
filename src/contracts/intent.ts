/**
 * A RUN_INTENT after validation (../../docs/spec/runner-behaviour.md §2.4): role normalised to upper case, endpoint
 * trimmed, `raw` the orchestrator's object exactly as printed (hashed and shown to Codex verbatim).
 */
import { z } from 'zod';

export const RoleSchema = z.enum(['EXECUTOR', 'REVIEWER']);
export type Role = z.infer<typeof RoleSchema>;

const JsonObjectSchema = z.record(z.string(), z.unknown());

export const RunIntentSchema = z.object({
  type: z.literal('RUN_INTENT'),
  role: RoleSchema,
  run_id: z.string().min(1),
  endpoint: z.string().startsWith('/internal/'),
  body: JsonObjectSchema,
  raw: JsonObjectSchema,
});
export type RunIntent = z.infer<typeof RunIntentSchema>;
