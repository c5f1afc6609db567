/**
 * The Temporal SDK's log lines, as the worker process writes them. The SDK logs every workflow that
 * fails at WARN with the failure's stack trace — but our workflows fail only on purpose (a sprint's
 * typed `SprintStopped`: an invalid intent, a preflight FAIL, …; bugs fail workflow *tasks*, which
 * are logged as before). So "Workflow failed" becomes one compact JSON line with the reason; every
 * other SDK line keeps the SDK's default format.
 */
import { DefaultLogger, LogTimestamp, type LogEntry, type LogLevel } from '@temporalio/worker';

export function createSdkLogger(level: LogLevel = 'WARN', write: (line: string) => void = (line) => void process.stderr.write(line)): DefaultLogger {
  const fallback = new DefaultLogger(level);
  return new DefaultLogger(level, (entry: LogEntry) => {
    const line = compactSdkLine(entry);
    if (line) write(`${line}\n`);
    else fallback.log(entry.level, entry.message, { ...entry.meta, [LogTimestamp]: entry.timestampNanos });
  });
}

/** One JSON line for a deliberate workflow failure; null for every other entry. */
export function compactSdkLine(entry: LogEntry): string | null {
  if (entry.message !== 'Workflow failed') return null;
  const meta = entry.meta ?? {};
  const error = meta.error as { message?: unknown } | undefined;
  return JSON.stringify({
    type: 'WORKFLOW_FAILED', level: entry.level, workflow_type: meta.workflowType, workflow_id: meta.workflowId, run_id: meta.runId,
    error: typeof error?.message === 'string' ? error.message : String(error),
  });
}
