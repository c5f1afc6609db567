/**
 * Token usage by kind, as each Codex transport reports it (issue #17 part 4, sprint_runner_codex_tokens):
 * the agent emulator over MCP (`token_count` event, total_token_usage) and over app-server
 * (`thread/tokenUsage/updated`, tokenUsage.total). The session's tokenUsage() is checked against the
 * raw report the emulator sent — not against numbers of our own — after the first turn and after a
 * re-ask on the same thread (reports are cumulative per thread).
 */
import { openAppServerSession } from '../../src/activities/codex-app-server';
import { openCodexSession } from '../../src/activities/codex-mcp';
import type { CodexTokenUsage } from '../../src/activities/codex-process-session';
import { AGENT_EMULATOR } from '../codex/support';

const env = (tokens: number) => ({ PATH: process.env['PATH'] ?? '/usr/bin:/bin', AGENT_SCRIPT_JSON: JSON.stringify({ defaults: { tokens, text: 'ok' } }) });
const n = (value: unknown) => (typeof value === 'number' ? value : 0);

describe('Codex token usage by kind, as the transports report it (agent emulator)', () => {
  it('MCP: the latest token_count total_token_usage, input/cached/output/reasoning/total', async () => {
    const reports: Array<Record<string, unknown>> = [];
    const session = await openCodexSession({
      command: AGENT_EMULATOR,
      args: ['mcp-server'],
      env: env(1777),
      onEvent: (msg) => {
        if (msg.type === 'token_count') reports.push((msg['info'] as { total_token_usage: Record<string, unknown> }).total_token_usage);
      },
    });
    try {
      const fromReport = (r: Record<string, unknown>): CodexTokenUsage => ({
        input: n(r.input_tokens),
        cachedInput: n(r.cached_input_tokens),
        output: n(r.output_tokens),
        reasoningOutput: n(r.reasoning_output_tokens),
        total: n(r.total_tokens),
      });
      const first = await session.callCodex({ prompt: 'hi', 'approval-policy': 'never', sandbox: 'read-only' }, { timeoutMs: 30_000 });
      expect(reports).toHaveLength(1);
      expect(session.tokenUsage()).toEqual(fromReport(reports[0]!));
      expect(session.tokenUsage().total).toBe(1777);
      expect(session.tokenUsage().input).toBeGreaterThan(0);
      expect(session.tokenUsage().output).toBeGreaterThan(0);
      await session.reply((first.structuredContent as { threadId: string }).threadId, 'again', { timeoutMs: 30_000 });
      expect(reports).toHaveLength(2);
      expect(session.tokenUsage()).toEqual(fromReport(reports[1]!));
      expect(session.tokensSoFar()).toBe(n(reports[1]!.total_tokens));
    } finally {
      await session.close();
    }
  });

  it('app-server: the latest thread/tokenUsage/updated total, inputTokens/cachedInputTokens/outputTokens/reasoningOutputTokens/totalTokens', async () => {
    const reports: Array<Record<string, unknown>> = [];
    const session = await openAppServerSession({
      command: AGENT_EMULATOR,
      args: ['app-server'],
      env: env(2468),
      onNotification: (method, params) => {
        if (method === 'thread/tokenUsage/updated') reports.push((params as { tokenUsage: { total: Record<string, unknown> } }).tokenUsage.total);
      },
    });
    try {
      const fromReport = (r: Record<string, unknown>): CodexTokenUsage => ({
        input: n(r.inputTokens),
        cachedInput: n(r.cachedInputTokens),
        output: n(r.outputTokens),
        reasoningOutput: n(r.reasoningOutputTokens),
        total: n(r.totalTokens),
      });
      const args = { prompt: 'hi', baseInstructions: 'B', developerInstructions: 'D', cwd: '.', sandbox: 'read-only' as const, approvalPolicy: 'never' as const };
      const first = await session.startThread(args, { timeoutMs: 30_000 });
      expect(reports).toHaveLength(1);
      expect(session.tokenUsage()).toEqual(fromReport(reports[0]!));
      expect(session.tokenUsage().total).toBe(2468);
      expect(session.tokenUsage().input + session.tokenUsage().output).toBe(2468);
      await session.reask(first.structuredContent.threadId, 'again', { timeoutMs: 30_000 });
      expect(reports).toHaveLength(2);
      expect(session.tokenUsage()).toEqual(fromReport(reports[1]!));
    } finally {
      await session.close();
    }
  });
});
