/**
 * What the MCP and app-server sessions share: one Codex child process behind a ChildProcessTransport,
 * its identity and exit, token usage summed over its threads, and the diagnostics every
 * transport-level error carries.
 */
import type { ChildExit, ChildProcessTransport } from './codex-stdio-transport';

/**
 * A thread's token usage as Codex reports it (MCP `token_count` total_token_usage, app-server
 * `thread/tokenUsage/updated` total): `input` includes `cachedInput`, `output` includes
 * `reasoningOutput`; a field the transport did not send is 0.
 */
export interface CodexTokenUsage {
  input: number;
  cachedInput: number;
  output: number;
  reasoningOutput: number;
  total: number;
}

/** A CodexTokenUsage from the transport's fields (missing or non-numeric ones are 0). */
export function tokenUsageOf(fields: { input?: unknown; cachedInput?: unknown; output?: unknown; reasoningOutput?: unknown; total: number }): CodexTokenUsage {
  const n = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0);
  return { input: n(fields.input), cachedInput: n(fields.cachedInput), output: n(fields.output), reasoningOutput: n(fields.reasoningOutput), total: n(fields.total) };
}

export abstract class CodexProcessSession {
  /** Latest total token usage per thread id (each transport reports it in its own event). */
  protected readonly tokensByThread = new Map<string, CodexTokenUsage>();

  constructor(protected readonly transport: ChildProcessTransport) {}

  get pid(): number {
    return this.transport.pid ?? -1;
  }

  /** Whether the server process has exited (crash or close). */
  get exited(): boolean {
    return this.transport.exit !== undefined;
  }

  get exit(): ChildExit | undefined {
    return this.transport.exit;
  }

  tokensSoFar(): number {
    return this.tokenUsage().total;
  }

  /** Token usage summed over the process's threads (each thread's latest report). */
  tokenUsage(): CodexTokenUsage {
    const sum = tokenUsageOf({ total: 0 });
    for (const usage of this.tokensByThread.values()) {
      for (const key of Object.keys(sum) as Array<keyof CodexTokenUsage>) sum[key] += usage[key];
    }
    return sum;
  }

  /** The process's state for an error's details: pid, exit and the last stderr lines. */
  protected diagnostics(): Record<string, unknown> {
    return {
      pid: this.transport.pid ?? null,
      exit_code: this.transport.exit?.code ?? null,
      exit_signal: this.transport.exit?.signal ?? null,
      stderr_tail: this.transport.stderrTail().slice(-15),
    };
  }
}
