/**
 * What the MCP and app-server sessions share: one Codex child process behind a ChildProcessTransport,
 * its identity and exit, token usage summed over its threads, and the diagnostics every
 * transport-level error carries.
 */
import type { ChildExit, ChildProcessTransport } from './codex-stdio-transport';

export abstract class CodexProcessSession {
  /** Latest total token usage per thread id (each transport reports it in its own event). */
  protected readonly tokensByThread = new Map<string, number>();

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
    let total = 0;
    for (const value of this.tokensByThread.values()) total += value;
    return total;
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
