/**
 * The Temporal SDK's log lines (its TS side, workflow and activity loggers, and Core's Rust logs once
 * forwarded) as our event stream writes them: one JSON object per line, so stderr stays parseable
 * (README: one JSON line per event). An error in the metadata (the SDK's "Activity failed" dump) is
 * flattened into string fields instead of a multi-line inspect.
 *
 * Our workflows fail only on purpose (a sprint's typed `SprintStopped`: an invalid intent, a
 * preflight FAIL, …; bugs fail workflow *tasks*), so "Workflow failed" keeps its compact
 * WORKFLOW_FAILED line with the reason and no stack.
 */
import { DefaultLogger, type LogEntry, type LogLevel } from '@temporalio/worker';
import { redactSecrets } from './config';
import { asciiJson } from './logging';

export const LOG_LEVELS: readonly LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];

/** RUNNER_LOG_LEVEL as the SDK spells it (case-insensitive, `warning` too); null when it names no level. */
export function parseLogLevel(text: string | undefined): LogLevel | null {
  const upper = (text ?? '').trim().toUpperCase();
  const level = upper === 'WARNING' ? 'WARN' : upper;
  return (LOG_LEVELS as readonly string[]).includes(level) ? (level as LogLevel) : null;
}

export function createSdkLogger(level: LogLevel = 'WARN', write: (line: string) => void = (line) => void process.stderr.write(line)): DefaultLogger {
  return new DefaultLogger(level, (entry: LogEntry) => {
    write(`${redactSecrets(compactSdkLine(entry) ?? sdkLogLine(entry))}\n`);
  });
}

/** One JSON line for a deliberate workflow failure; null for every other entry. */
export function compactSdkLine(entry: LogEntry): string | null {
  if (entry.message !== 'Workflow failed') return null;
  const meta = entry.meta ?? {};
  const error = meta.error as { message?: unknown } | undefined;
  return JSON.stringify({
    type: 'WORKFLOW_FAILED',
    level: entry.level,
    workflow_type: meta.workflowType,
    workflow_id: meta.workflowId,
    run_id: meta.runId,
    error: typeof error?.message === 'string' ? error.message : String(error),
  });
}

/** Stack frames kept per error: enough to find the throw site, short enough for a log line. */
const STACK_FRAMES = 12;

/** Any SDK entry as one JSON object: `SDK_LOG` with level, message, component and the metadata, errors flattened. */
export function sdkLogLine(entry: LogEntry): string {
  const { sdkComponent, ...meta } = (entry.meta ?? {}) as Record<string, unknown>;
  const fields: Record<string, unknown> = {
    type: 'SDK_LOG',
    level: entry.level,
    at: new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString(),
    component: sdkComponent ?? null,
    message: entry.message,
  };
  for (const [key, value] of Object.entries(meta)) {
    if (key in fields) continue;
    if (value instanceof Error) Object.assign(fields, flattenError(key, value));
    else fields[key] = value;
  }
  return asciiJson(fields, jsonSafe());
}

/** `error` → error, error_type, error_stack (one string), error_cause (the cause chain's messages). */
export function flattenError(key: string, error: Error): Record<string, string> {
  const out: Record<string, string> = { [key]: error.message, [`${key}_type`]: errorType(error) };
  if (error.stack)
    out[`${key}_stack`] = error.stack
      .split('\n')
      .slice(0, STACK_FRAMES + 1)
      .map((line) => line.trim())
      .join(' | ');
  const causes: string[] = [];
  for (let cause = error.cause; cause instanceof Error && causes.length < 5; cause = cause.cause) causes.push(`${errorType(cause)}: ${cause.message}`);
  if (causes.length) out[`${key}_cause`] = causes.join(' <- ');
  return out;
}

function errorType(error: Error): string {
  const type = (error as { type?: unknown }).type;
  return typeof type === 'string' && type ? `${error.name}(${type})` : error.name;
}

/** A replacer for whatever the SDK puts in metadata: bigints, nested errors, cycles, buffers. */
function jsonSafe(): (key: string, value: unknown) => unknown {
  const seen = new WeakSet<object>();
  return (_key, value) => {
    if (typeof value === 'bigint') return value.toString();
    if (value instanceof Error) return `${errorType(value)}: ${value.message}`;
    if (value instanceof Uint8Array) return `<${value.byteLength} bytes>`;
    if (typeof value === 'object' && value !== null) {
      if (seen.has(value)) return '<cycle>';
      seen.add(value);
    }
    return value;
  };
}
