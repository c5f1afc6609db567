/**
 * A scripted model that plays the agent emulator's roles (emulators/agent: roles.ts, script.ts) for
 * the real codex binaries: given a Responses-API request, it finds the worker prompt (the user message
 * with the RUN_INTENT), does what that role does against the backend emulator over HTTP (claim, PR,
 * In Review; resolve the PR, verdict) and answers with the worker result JSON — or, per the same
 * AgentScript, with garbage, a wrong run_id, or never (`hang`). A re-ask (the last user message asks
 * to re-output the result) answers per `reply`. The real Codex process, its MCP servers and our
 * transport code are all in the loop; only the model's decisions are scripted.
 */
import { parseWorkerPrompt } from '../agent/prompt';
import { playRole, type WorkerResultJson } from '../agent/roles';
import type { AgentBehaviour, AgentScript } from '../agent/script';
import type { RecordedModelRequest } from './server';

const GARBAGE_TEXT = 'All done! I opened the pull request and everything looks good to me.';

function userTexts(body: Record<string, unknown> | null): string[] {
  const input = Array.isArray(body?.['input']) ? (body!['input'] as Record<string, unknown>[]) : [];
  const texts: string[] = [];
  for (const item of input) {
    if (item?.['type'] !== 'message' || item['role'] !== 'user' || !Array.isArray(item['content'])) continue;
    const text = (item['content'] as Record<string, unknown>[]).map((c) => (typeof c?.['text'] === 'string' ? c['text'] : '')).join('');
    texts.push(text);
  }
  return texts;
}

interface Played {
  behaviour: AgentBehaviour;
  replyText: string;
}

export interface AgentModel {
  finalMessage: (request: RecordedModelRequest) => Promise<string>;
  /** Run ids whose first turn was played, in order. */
  played: string[];
  /** Run ids that were re-asked. */
  reasked: string[];
}

export function agentModel(script: AgentScript): AgentModel {
  const byRun = new Map<string, Played>();
  const played: string[] = [];
  const reasked: string[] = [];
  const finalMessage = async (request: RecordedModelRequest): Promise<string> => {
    const texts = userTexts(request.body);
    const promptText = texts.find((text) => text.includes('RUN_INTENT (verbatim):'));
    const worker = promptText ? parseWorkerPrompt(promptText) : null;
    if (!worker) return `model emulator: no RUN_INTENT in this request`;
    const runId = worker.intent.run_id;
    const last = texts.at(-1) ?? '';
    const prior = byRun.get(runId);
    if (prior && last.startsWith('Re-output the final result')) {
      reasked.push(runId);
      return prior.behaviour.reply === 'garbage' ? GARBAGE_TEXT : prior.replyText;
    }
    const play = await playRole(worker, script, {
      checkpoint: async (behaviour, phase) => {
        if ((behaviour.at ?? 'start') === phase && behaviour.mode === 'hang') await new Promise<never>(() => undefined);
      },
      think: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      // The model emulator makes the backend calls itself, not through the real codex binary's shell,
      // so there is no command execution to report (the runner then does not learn a claim early).
      commandRan: async () => undefined,
    });
    const result: WorkerResultJson = play.result;
    if (play.behaviour.mode === 'wrongRunId') result.run_id = '00000000-0000-4000-8000-000000000000';
    if (play.behaviour.mode === 'markerUnverified' && result.urls['pr_url']) result.marker_verified = false;
    const replyText = JSON.stringify(result);
    byRun.set(runId, { behaviour: play.behaviour, replyText });
    played.push(runId);
    return play.behaviour.mode === 'garbage' ? GARBAGE_TEXT : replyText;
  };
  return { finalMessage, played, reasked };
}
