/**
 * The seed's intent_hash: sha256 of Python `json.dumps(raw, sort_keys=True, separators=(",",":"),
 * ensure_ascii=True)`. Uses node:crypto, so only activities import it (never workflows).
 */
import { createHash } from 'node:crypto';

/** Python-compatible canonical JSON: recursively sorted keys, compact, non-ASCII as \uXXXX. */
export function pythonCanonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    return JSON.stringify(value).replace(/[\u0080-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
  }
  if (Array.isArray(value)) return `[${value.map(pythonCanonicalJson).join(',')}]`;
  const entries = Object.keys(value as Record<string, unknown>)
    .sort()
    .map((key) => `${pythonCanonicalJson(key)}:${pythonCanonicalJson((value as Record<string, unknown>)[key])}`);
  return `{${entries.join(',')}}`;
}

export function intentHash(raw: unknown): string {
  return createHash('sha256').update(pythonCanonicalJson(raw)).digest('hex');
}
