/**
 * Reads the worker prompt of ../../docs/spec/runner-behaviour.md §3.3.1: the `Backend base URL: <url>` line and the
 * pretty-printed JSON after `RUN_INTENT (verbatim):`.
 */
export interface EmulatedIntent {
  type?: string;
  role: string;
  run_id: string;
  endpoint: string;
  body: Record<string, unknown>;
}

export interface WorkerPrompt {
  backendBaseUrl: string;
  intent: EmulatedIntent;
}

const INTENT_HEADER = 'RUN_INTENT (verbatim):\n';
const INTENT_FOOTER = '\n\nExecution requirement:';

/** null when the prompt is not a worker prompt (no base URL or no parsable RUN_INTENT object). */
export function parseWorkerPrompt(prompt: string): WorkerPrompt | null {
  const url = /^Backend base URL: (\S+)\s*$/m.exec(prompt)?.[1];
  const start = prompt.indexOf(INTENT_HEADER);
  if (!url || start === -1) return null;
  const from = start + INTENT_HEADER.length;
  const end = prompt.indexOf(INTENT_FOOTER, from);
  let raw: unknown;
  try {
    raw = JSON.parse(prompt.slice(from, end === -1 ? undefined : end));
  } catch {
    return null;
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return null;
  const intent = raw as Record<string, unknown>;
  const body = intent['body'];
  if (typeof intent['role'] !== 'string' || typeof intent['run_id'] !== 'string' || typeof intent['endpoint'] !== 'string') return null;
  if (!body || typeof body !== 'object' || Array.isArray(body)) return null;
  return {
    backendBaseUrl: url.replace(/\/+$/, ''),
    intent: {
      type: typeof intent['type'] === 'string' ? intent['type'] : undefined,
      role: intent['role'].trim().toUpperCase(),
      run_id: intent['run_id'].trim(),
      endpoint: intent['endpoint'],
      body: body as Record<string, unknown>,
    },
  };
}
