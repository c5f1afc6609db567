/**
 * Last guard of "stderr is one JSON object per line": every complete line written to the stream
 * that is not a JSON object (an orchestrator's plain-text stderr we pass through, a library's
 * console.error) becomes {"type":"STDERR_TEXT","text":…}. Our events and SDK lines are JSON
 * already and pass unchanged. Writes of the Rust Core go around Node; they are forwarded to the
 * SDK logger instead (runtime.ts).
 */
import { asciiJson } from '../logging';

type Write = NodeJS.WriteStream['write'];

const guarded = new WeakSet<NodeJS.WritableStream>();

export function asJsonLine(line: string): string | null {
  if (!line.trim()) return null;
  if (line.startsWith('{')) {
    try {
      const value = JSON.parse(line) as unknown;
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) return line;
    } catch {
      // not JSON: wrapped below
    }
  }
  return asciiJson({ type: 'STDERR_TEXT', text: line });
}

/** Installs the guard on `stream` (once); partial lines wait for their newline (or for process exit). */
export function keepStreamJsonLines(stream: NodeJS.WriteStream = process.stderr): void {
  if (guarded.has(stream)) return;
  guarded.add(stream);
  const write = stream.write.bind(stream) as (chunk: string, callback?: (err?: Error | null) => void) => boolean;
  let partial = '';
  const guardedWrite = (chunk: unknown, encodingOrCallback?: unknown, maybeCallback?: unknown): boolean => {
    const callback = (typeof encodingOrCallback === 'function' ? encodingOrCallback : maybeCallback) as ((err?: Error | null) => void) | undefined;
    const encoding = typeof encodingOrCallback === 'string' ? (encodingOrCallback as BufferEncoding) : 'utf8';
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString(encoding);
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    const out = lines
      .map(asJsonLine)
      .filter((line): line is string => line !== null)
      .map((line) => `${line}\n`)
      .join('');
    if (out) return write(out, callback);
    if (callback) process.nextTick(callback);
    return true;
  };
  stream.write = guardedWrite as Write;
  process.once('exit', () => {
    const last = partial ? asJsonLine(partial) : null;
    if (last) write(`${last}\n`);
  });
}
