/**
 * The old runner's intent_hash (../../docs/spec/runner-behaviour.md §2.4): sha256 of Python's
 * `json.dumps(raw, sort_keys=True, separators=(",",":"), ensure_ascii=True)`. Uses node:crypto,
 * so only activities import this module, never workflows.
 */
import { createHash } from 'node:crypto';
import { pythonJsonDumps } from './python-json';

export function intentHash(raw: unknown): string {
  const canonical = pythonJsonDumps(raw, { sortKeys: true, separators: [',', ':'], ensureAscii: true });
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}
