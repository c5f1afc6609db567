/**
 * MCP stdio transport over a child process that we own: spawned without a shell, in its own process
 * group (so close() can signal the whole tree), with an explicit environment and a drained stderr.
 *
 * Framing follows the SDK (newline-delimited JSON-RPC; `serializeMessage` / `deserializeMessage`
 * from `@modelcontextprotocol/sdk/shared/stdio.js`). Line splitting is done here rather than with the
 * SDK's ReadBuffer because ReadBuffer re-concatenates the whole pending buffer on every chunk (quadratic
 * for multi-megabyte lines) and drops the text of a line it cannot parse, which we want to report.
 */
import { ownProcessGroup, type OwnedProcessGroup } from './process-group';
import { spawnHosted, type HostedChild } from './spawn-host';
import type { Readable } from 'node:stream';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { deserializeMessage, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { CodexWorkerError } from '../domain/errors';

export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
const MAX_STDERR_LINE_BYTES = 16 * 1024;
const STDERR_TAIL_LINES = 40;
/** After the child exits, how long to wait for its stdout to reach EOF before declaring the connection closed. */
const EXIT_DRAIN_MS = 500;
/** After stdout EOF, how long to wait for the exit status before declaring the connection closed. */
const STDOUT_EOF_EXIT_WAIT_MS = 250;

export interface ChildProcessTransportOptions {
  command: string;
  args: readonly string[];
  /** The complete child environment; nothing is inherited from this process. */
  env: Readonly<Record<string, string>>;
  cwd?: string;
  /** Largest accepted stdout line (one JSON-RPC message), in bytes. */
  maxMessageBytes?: number;
  /** SIGTERM → SIGKILL grace when closing, in ms. */
  killGraceMs?: number;
  onStderrLine?: (line: string) => void;
  /** A stdout line that is not a JSON-RPC message (it is skipped; the connection stays up). */
  onStdoutNoise?: (line: string, error: Error) => void;
  /**
   * `mcp` (default): JSON-RPC 2.0 as the MCP SDK frames it. `codex-app-server`: the app-server wire,
   * which omits the `"jsonrpc"` member: any JSON object line is passed on (the session validates it),
   * and outgoing messages are sent without `"jsonrpc"`.
   */
  wire?: 'mcp' | 'codex-app-server';
}

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A message line longer than maxMessageBytes that looked like a response: the pending call cannot complete. */
export class OversizedMessageError extends Error {}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Waits for `promise` at most `ms`; the timer is cleared either way so nothing lingers. */
async function within(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Splits a byte stream into lines without re-copying pending data on every chunk. */
class LineSplitter {
  private chunks: Buffer[] = [];
  private size = 0;
  private discarding = false;

  constructor(
    private readonly maxBytes: number,
    private readonly onLine: (line: Buffer) => void,
    private readonly onOversized: (prefix: Buffer) => void,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl === -1) {
        this.append(chunk.subarray(start));
        return;
      }
      this.append(chunk.subarray(start, nl));
      if (!this.discarding) {
        const line = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.size);
        this.onLine(line);
      }
      this.chunks = [];
      this.size = 0;
      this.discarding = false;
      start = nl + 1;
    }
  }

  private append(part: Buffer): void {
    if (part.length === 0 || this.discarding) return;
    if (this.size + part.length > this.maxBytes) {
      const prefix = Buffer.concat([...this.chunks, part]).subarray(0, 512);
      this.chunks = [];
      this.size = 0;
      this.discarding = true;
      this.onOversized(prefix);
      return;
    }
    this.chunks.push(part);
    this.size += part.length;
  }
}

export class ChildProcessTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T) => void;

  private child?: HostedChild;
  private starting?: Promise<unknown>;
  private closedFired = false;
  private closing?: Promise<void>;
  private exitInfo?: ChildExit;
  private readonly exited: Promise<ChildExit>;
  private resolveExited!: (exit: ChildExit) => void;
  private readonly stderrTailLines: string[] = [];
  private negotiatedProtocolVersion?: string;
  private fatal?: Error;
  private group?: OwnedProcessGroup;

  constructor(private readonly options: ChildProcessTransportOptions) {
    this.exited = new Promise((resolve) => {
      this.resolveExited = resolve;
    });
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get exit(): ChildExit | undefined {
    return this.exitInfo;
  }

  /** The protocol version the client settled on during initialize. */
  get protocolVersion(): string | undefined {
    return this.negotiatedProtocolVersion;
  }

  /** Why the connection was torn down from our side, if it was (e.g. an oversized response). */
  get fatalError(): Error | undefined {
    return this.fatal;
  }

  /** The last stderr lines of the child, for error details. */
  stderrTail(): string[] {
    return [...this.stderrTailLines];
  }

  setProtocolVersion(version: string): void {
    this.negotiatedProtocolVersion = version;
  }

  start(): Promise<void> {
    if (this.child) throw new Error('ChildProcessTransport already started');
    const { command, args, env, cwd } = this.options;
    const spawnFailed = (error: NodeJS.ErrnoException) =>
      new CodexWorkerError('codex_spawn_failed', `could not start codex: ${error.message}`, {
        command,
        args: [...args],
        cwd: cwd ?? null,
        errno: error.code ?? null,
      });
    const started = spawnHosted(command, args, { env, cwd }).then(
      (child) => {
        this.child = child;
        // Owned from the moment it has a pid: the group and every descendant are killed on close.
        this.group = ownProcessGroup(child.pid);
        void child.exited.then(({ code, signal }) => {
          this.exitInfo = { code, signal };
          this.resolveExited(this.exitInfo);
          // Let buffered stdout (e.g. a final result written just before exiting) arrive first.
          setTimeout(() => this.fireClose(), EXIT_DRAIN_MS).unref();
        });
        this.attachStreams(child);
      },
      (error: NodeJS.ErrnoException) => {
        this.closedFired = true;
        this.resolveExited({ code: null, signal: null });
        throw spawnFailed(error);
      },
    );
    this.starting = started.catch(() => undefined);
    return started;
  }

  private attachStreams(child: HostedChild): void {
    const splitter = new LineSplitter(
      this.options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
      (line) => this.handleLine(line),
      (prefix) => this.handleOversized(prefix),
    );
    child.stdout.on('data', (chunk: Buffer) => splitter.push(chunk));
    // EOF on stdout: nothing more can arrive. Give the exit status a moment to come in (for diagnostics).
    child.stdout.once('end', () => {
      if (this.exitInfo) this.fireClose();
      else void within(this.exited, STDOUT_EOF_EXIT_WAIT_MS).then(() => this.fireClose());
    });
    child.stdout.on('error', (error) => this.onerror?.(error));
    child.stdin.on('error', (error) => this.onerror?.(error));
    this.drainStderr(child.stderr);
  }

  private handleLine(raw: Buffer): void {
    const text = raw.toString('utf8').replace(/\r$/, '');
    if (text.trim() === '') return;
    let message: JSONRPCMessage;
    try {
      if (this.options.wire === 'codex-app-server') {
        const parsed: unknown = JSON.parse(text);
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON-RPC object');
        message = parsed as JSONRPCMessage;
      } else {
        message = deserializeMessage(text);
      }
    } catch (error) {
      this.options.onStdoutNoise?.(text.length > 2000 ? `${text.slice(0, 2000)}…` : text, error as Error);
      return;
    }
    this.onmessage?.(message);
  }

  private handleOversized(prefix: Buffer): void {
    const head = prefix.toString('utf8');
    const limit = this.options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    // Notifications and server requests carry "method" near the start; skipping one loses only that message.
    if (/"method"\s*:/.test(head.slice(0, 200))) {
      this.options.onStdoutNoise?.(`${head.slice(0, 200)}…`, new Error(`message over ${limit} bytes skipped`));
      return;
    }
    this.fatal = new OversizedMessageError(`mcp server message exceeded ${limit} bytes`);
    this.onerror?.(this.fatal);
    void this.close();
  }

  private drainStderr(stderr: Readable): void {
    const splitter = new LineSplitter(
      MAX_STDERR_LINE_BYTES,
      (line) => this.stderrLine(line.toString('utf8').replace(/\r$/, '')),
      (prefix) => this.stderrLine(`${prefix.toString('utf8')}… [truncated]`),
    );
    stderr.on('data', (chunk: Buffer) => splitter.push(chunk));
    stderr.on('error', () => undefined);
  }

  private stderrLine(line: string): void {
    this.stderrTailLines.push(line);
    if (this.stderrTailLines.length > STDERR_TAIL_LINES) this.stderrTailLines.shift();
    try {
      this.options.onStderrLine?.(line);
    } catch {
      // a faulty logger must not break the stream
    }
  }

  private fireClose(): void {
    if (this.closedFired) return;
    this.closedFired = true;
    this.onclose?.();
  }

  send(message: JSONRPCMessage): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const stdin = this.child?.stdin;
      if (!stdin || this.closedFired || !stdin.writable) {
        reject(new Error('Not connected: codex stdin is closed'));
        return;
      }
      let line = serializeMessage(message);
      if (this.options.wire === 'codex-app-server') {
        const { jsonrpc: _omitted, ...rest } = message as JSONRPCMessage & { jsonrpc?: string };
        line = `${JSON.stringify(rest)}\n`;
      }
      if (stdin.write(line)) {
        resolve();
        return;
      }
      const done = (error?: Error) => {
        stdin.off('drain', onDrain);
        stdin.off('close', onClose);
        if (error) reject(error);
        else resolve();
      };
      const onDrain = () => done();
      const onClose = () => done(new Error('Not connected: codex stdin closed while writing'));
      stdin.once('drain', onDrain);
      stdin.once('close', onClose);
    });
  }

  /** Ends stdin, then SIGTERM → grace → SIGKILL to the whole process group; resolves once the child is reaped. */
  close(): Promise<void> {
    // A close() while the process is starting waits for it, then ends it with its whole group.
    this.closing ??= (this.starting ?? Promise.resolve()).then(() => this.shutdown());
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const child = this.child;
    if (!child || child.pid === undefined) {
      this.fireClose();
      return;
    }
    const group = this.group;
    try {
      child.stdin.end();
    } catch {
      // ignore
    }
    const grace = this.options.killGraceMs ?? 1500;
    group?.scan();
    const everythingGone = () => this.exitInfo !== undefined && !(group?.alive() ?? false);
    const settled = async (ms: number) => {
      const deadline = Date.now() + ms;
      await within(this.exited, ms);
      while (!everythingGone() && Date.now() < deadline) await sleep(25);
      return everythingGone();
    };
    if (!everythingGone()) {
      group?.signal('SIGTERM');
      if (!(await settled(grace))) {
        group?.kill();
        await settled(5000);
      }
    }
    group?.release();
    child.stdout.destroy();
    child.stderr.destroy();
    this.fireClose();
  }
}
