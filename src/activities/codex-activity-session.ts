/**
 * One fresh `codex mcp-server` for the length of an activity: Temporal heartbeats (elapsed seconds,
 * tokens so far) every 5 s and a WORKER_HEARTBEAT event every 30 s while it works, and on cancellation (watchdog, shutdown, heartbeat timeout) the whole Codex
 * process group is killed before the activity ends. Shared by worker runs and kickoff.
 */
import { Context } from '@temporalio/activity';
import type { RunnerConfig } from '../config';
import { childEnv } from '../config';
import { emitEvent } from '../logging';
import { openCodexSession, type CodexSession } from './codex-mcp';

const HEARTBEAT_EVERY_MS = 5_000;
const WORKER_HEARTBEAT_EVENT_EVERY_MS = 30_000;

export async function inCodexSession<T>(
  config: RunnerConfig,
  label: { run_id: string; role: string },
  work: (session: CodexSession, signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const ctx = Context.current();
  const startedAt = Date.now();
  const session = await openCodexSession({
    command: config.codexBin,
    args: config.codexMcpArgs,
    env: childEnv(process.env, config.childEnvAllowlist),
    onElicitation: (request) => emitEvent({ type: 'CODEX_ELICITATION_DENIED', ...label, message: String(request.message ?? '') }),
  });
  const kill = () => void session.close();
  ctx.cancellationSignal.addEventListener('abort', kill);
  const beat = setInterval(
    () => ctx.heartbeat({ ...label, pid: session.pid, elapsed_s: Math.floor((Date.now() - startedAt) / 1000), tokens: session.tokensSoFar() }),
    HEARTBEAT_EVERY_MS,
  );
  // The seed's event for humans watching a long run (runner-behaviour.md §11).
  const announce = setInterval(
    () => emitEvent({ type: 'WORKER_HEARTBEAT', role: label.role, run_id: label.run_id, elapsed_s: Math.floor((Date.now() - startedAt) / 1000) }),
    WORKER_HEARTBEAT_EVENT_EVERY_MS,
  );
  try {
    return await work(session, ctx.cancellationSignal);
  } finally {
    clearInterval(beat);
    clearInterval(announce);
    ctx.cancellationSignal.removeEventListener('abort', kill);
    await session.close();
  }
}
