/**
 * The telemetry pieces without a server: the activity interceptor's readings of results, failures,
 * heartbeats and Codex token reports (the current one-activity tick and the two-activity one), the
 * stderr guard, the settings from the environment.
 */
import { PassThrough } from 'node:stream';
import { ApplicationFailure, CancelledFailure, type MetricMeter, type MetricTags } from '@temporalio/common';
import type { Context } from '@temporalio/activity';
import { metricsActivityInterceptors } from '../../src/telemetry/activity-interceptor';
import { reportCodexTokenUsage, takeCodexTokenUsage, tokenIncrements } from '../../src/telemetry/codex-usage';
import { asJsonLine, keepStreamJsonLines } from '../../src/telemetry/json-stderr';
import { telemetrySettingsFrom } from '../../src/telemetry/settings';

interface Recorded {
  name: string;
  kind: string;
  value: number;
  tags: MetricTags;
}

function recordingMeter(): { meter: MetricMeter; recorded: Recorded[] } {
  const recorded: Recorded[] = [];
  const instrument = (name: string, kind: string) => {
    const record = (value: number, tags: MetricTags = {}) => void recorded.push({ name, kind, value, tags });
    return {
      name,
      kind,
      valueType: 'int',
      add: record,
      record,
      set: record,
      withTags: () => {
        throw new Error('not used');
      },
    } as never;
  };
  const meter: MetricMeter = {
    createCounter: (name) => instrument(name, 'counter'),
    createHistogram: (name) => instrument(name, 'histogram'),
    createGauge: (name) => instrument(name, 'gauge'),
    withTags: () => meter,
  };
  return { meter, recorded };
}

function fakeContext(activityType: string): Context & { sent: unknown[] } {
  const controller = new AbortController();
  const ctx = {
    info: { activityType },
    cancellationSignal: controller.signal,
    sent: [] as unknown[],
    heartbeatFn: (details: unknown) => void ctx.sent.push(details),
    heartbeat: (details?: unknown) => ctx.heartbeatFn(details),
  };
  return ctx as unknown as Context & { sent: unknown[] };
}

async function execute(activityType: string, meter: MetricMeter, input: unknown, body: (ctx: Context) => Promise<unknown>) {
  const ctx = fakeContext(activityType);
  const interceptors = metricsActivityInterceptors(() => meter)(ctx);
  const run = () => body(ctx);
  if (!interceptors.inbound?.execute) return { ctx, result: await run() };
  return { ctx, result: await interceptors.inbound.execute({ args: [input], headers: {} }, () => run()) };
}

describe('activity metrics interceptor', () => {
  const reviewerIntent = { intent: { role: 'REVIEWER', run_id: 'r1' } };

  it('counts a Codex run by role, status and outcome, with its duration and the tokens of its last heartbeat', async () => {
    const { meter, recorded } = recordingMeter();
    const { ctx, result } = await execute('runCodexWorker', meter, reviewerIntent, async (c) => {
      c.heartbeat({ tokens: 800 });
      c.heartbeat({ tokens: 1200 });
      return { role: 'REVIEWER', status: 'succeeded', outcome: 'PASS' };
    });
    expect(result).toEqual({ role: 'REVIEWER', status: 'succeeded', outcome: 'PASS' });
    // The activity's heartbeats still reach the SDK.
    expect((ctx as unknown as { sent: unknown[] }).sent).toEqual([{ tokens: 800 }, { tokens: 1200 }]);
    expect(recorded.find((r) => r.name === 'sprint_runner_codex_runs')).toMatchObject({
      value: 1,
      tags: { role: 'REVIEWER', status: 'succeeded', outcome: 'PASS', classification: 'none' },
    });
    expect(recorded.find((r) => r.name === 'sprint_runner_codex_run_duration')).toMatchObject({ kind: 'histogram', tags: { role: 'REVIEWER', status: 'succeeded' } });
    // A bare total (no session report): kind `other`, so the sum over kinds stays the total.
    expect(recorded.filter((r) => r.name === 'sprint_runner_codex_tokens')).toEqual([
      { name: 'sprint_runner_codex_tokens', kind: 'counter', value: 1200, tags: { role: 'REVIEWER', kind: 'other' } },
    ]);
  });

  it('prefers tokens carried by the result over the last heartbeat', async () => {
    const { meter, recorded } = recordingMeter();
    await execute('runCodexWorker', meter, reviewerIntent, async (c) => {
      c.heartbeat({ tokens: 10 });
      return { role: 'EXECUTOR', status: 'succeeded', outcome: null, tokens: 5200 };
    });
    expect(recorded.filter((r) => r.name === 'sprint_runner_codex_tokens')).toEqual([
      { name: 'sprint_runner_codex_tokens', kind: 'counter', value: 5200, tags: { role: 'EXECUTOR', kind: 'other' } },
    ]);
  });

  it("counts what the run's Codex sessions reported when they ended, by kind, over any heartbeat — also for a failed run", async () => {
    const { meter, recorded } = recordingMeter();
    await execute('runCodexWorker', meter, reviewerIntent, async (c) => {
      c.heartbeat({ tokens: 10 });
      reportCodexTokenUsage(c, { input: 900, output: 250, total: 1150 });
      // A second session of the same activity adds to the first; a total beyond input + output is `other`.
      reportCodexTokenUsage(c, { input: 100, output: 50, total: 160 });
      return { role: 'REVIEWER', status: 'succeeded', outcome: 'PASS' };
    });
    const failure = ApplicationFailure.create({ type: 'CodexWorkerError', message: 'stdio lost', details: [{ classification: 'TRANSIENT' }] });
    await expect(
      execute('runCodexWorker', meter, { intent: { role: 'EXECUTOR' } }, async (c) => {
        reportCodexTokenUsage(c, { input: 40, output: 2, total: 42 });
        throw failure;
      }),
    ).rejects.toBe(failure);
    const tokens = recorded.filter((r) => r.name === 'sprint_runner_codex_tokens').map((r) => [r.tags.role, r.tags.kind, r.value]);
    expect(tokens).toEqual([
      ['REVIEWER', 'input', 1000],
      ['REVIEWER', 'output', 300],
      ['REVIEWER', 'other', 10],
      ['EXECUTOR', 'input', 40],
      ['EXECUTOR', 'output', 2],
    ]);
  });

  it('a usage report is taken once: it never reaches another run', () => {
    const ctx = {};
    reportCodexTokenUsage(ctx, { input: 1, output: 1, total: 2 });
    expect(takeCodexTokenUsage(ctx)).toEqual({ input: 1, output: 1, total: 2 });
    expect(takeCodexTokenUsage(ctx)).toBeNull();
    expect(tokenIncrements({ input: 0, output: 0, total: 0 })).toEqual([]);
  });

  it('counts a failed run with the classification of its failure, a cancelled one as CANCELLED, and rethrows both', async () => {
    const { meter, recorded } = recordingMeter();
    const failure = ApplicationFailure.create({
      type: 'CodexWorkerError',
      nonRetryable: true,
      message: 'bad output',
      details: [{ code: 'worker_invalid_output', classification: 'ITEM_STOP' }],
    });
    await expect(
      execute('runCodexWorker', meter, reviewerIntent, async () => {
        throw failure;
      }),
    ).rejects.toBe(failure);
    await expect(
      execute('runCodexWorker', meter, reviewerIntent, async () => {
        throw new CancelledFailure('watchdog');
      }),
    ).rejects.toBeInstanceOf(CancelledFailure);
    const runs = recorded.filter((r) => r.name === 'sprint_runner_codex_runs').map((r) => r.tags);
    expect(runs).toEqual([
      { role: 'REVIEWER', status: 'error', outcome: 'none', classification: 'ITEM_STOP' },
      { role: 'REVIEWER', status: 'cancelled', outcome: 'none', classification: 'CANCELLED' },
    ]);
  });

  it('reads the one-activity tick: routed intents and every board status of the summary (missing ones as 0)', async () => {
    const { meter, recorded } = recordingMeter();
    await execute('runOrchestratorTick', meter, { sprint: 'M7', tick: 3 }, async () => ({ routed: 4, summary: { status_counts: { Ready: 2, 'In Review': 5 } } }));
    expect(recorded.filter((r) => r.name === 'sprint_runner_intents_routed')).toEqual([
      { name: 'sprint_runner_intents_routed', kind: 'counter', value: 4, tags: { sprint: 'M7' } },
    ]);
    const gauge = Object.fromEntries(recorded.filter((r) => r.name === 'sprint_runner_board_items').map((r) => [r.tags.status, r.value]));
    expect(gauge).toEqual({ Backlog: 0, Ready: 2, 'In Progress': 0, 'In Review': 5, 'Needs Human Approval': 0, Blocked: 0, Done: 0 });
    expect(recorded.filter((r) => r.name === 'sprint_runner_board_items').every((r) => r.tags.sprint === 'M7')).toBe(true);
  });

  it("reads the two-activity tick: runOrchestrator's inline summary, routeIntents' routed; a staged result leaves the gauge alone", async () => {
    const { meter, recorded } = recordingMeter();
    await execute('runOrchestrator', meter, { sprint: 'M8' }, async () => ({ inline: { intents: [], summary: { status_counts: { Done: 1 } } } }));
    await execute('runOrchestrator', meter, { sprint: 'M8' }, async () => ({ staged: { attempt: 1, slices: 2, chars: 10 } }));
    await execute('routeIntents', meter, { sprint: 'M8' }, async () => ({ routed: 6 }));
    expect(recorded.filter((r) => r.name === 'sprint_runner_board_items')).toHaveLength(7);
    expect(recorded.find((r) => r.name === 'sprint_runner_board_items' && r.tags.status === 'Done')?.value).toBe(1);
    expect(recorded.filter((r) => r.name === 'sprint_runner_intents_routed').map((r) => r.value)).toEqual([6]);
  });

  it('counts a refused batch by its reason code (IntentError, SummaryError), not other failures', async () => {
    const { meter, recorded } = recordingMeter();
    const refusal = ApplicationFailure.create({ type: 'IntentError', nonRetryable: true, message: 'intent_error: bad', details: [{ code: 'intent_invalid_json', exitCode: 2 }] });
    const summary = ApplicationFailure.create({ type: 'SummaryError', nonRetryable: true, message: 'summary_invalid: x', details: [{ code: 'summary_invalid', exitCode: 2 }] });
    const exit = ApplicationFailure.create({ type: 'OrchestratorExit', nonRetryable: true, message: 'exited 3' });
    for (const [name, failure] of [
      ['runOrchestratorTick', refusal],
      ['runOrchestrator', summary],
      ['runOrchestrator', exit],
    ] as const) {
      await expect(
        execute(name, meter, { sprint: 'M9' }, async () => {
          throw failure;
        }),
      ).rejects.toBe(failure);
    }
    expect(recorded.map((r) => [r.name, r.tags])).toEqual([
      ['sprint_runner_intents_refused', { sprint: 'M9', reason: 'intent_invalid_json' }],
      ['sprint_runner_intents_refused', { sprint: 'M9', reason: 'summary_invalid' }],
    ]);
  });

  it('leaves other activities alone', async () => {
    const { meter, recorded } = recordingMeter();
    const { result } = await execute('blockItem', meter, {}, async () => ({ backend_payload: {} }));
    expect(result).toEqual({ backend_payload: {} });
    expect(recorded).toEqual([]);
  });
});

describe('stderr guard', () => {
  it('passes JSON object lines, wraps any other line, joins partial writes and drops blank lines', async () => {
    const stream = new PassThrough() as unknown as NodeJS.WriteStream;
    const chunks: string[] = [];
    (stream as unknown as PassThrough).on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
    keepStreamJsonLines(stream);
    stream.write('{"type":"X","n":1}\n');
    stream.write('plain text from a library\n\n');
    stream.write('[WARN] Activity failed {\n  error: ApplicationFailure');
    stream.write(' {}\n}\n');
    stream.write(Buffer.from('[1,2]\n'));
    await new Promise((resolve) => setImmediate(resolve));
    const lines = chunks.join('').split('\n').filter(Boolean);
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      { type: 'X', n: 1 },
      { type: 'STDERR_TEXT', text: 'plain text from a library' },
      { type: 'STDERR_TEXT', text: '[WARN] Activity failed {' },
      { type: 'STDERR_TEXT', text: '  error: ApplicationFailure {}' },
      { type: 'STDERR_TEXT', text: '}' },
      { type: 'STDERR_TEXT', text: '[1,2]' },
    ]);
    expect(asJsonLine('   ')).toBeNull();
  });
});

describe('telemetry settings', () => {
  it('reads RUNNER_METRICS_ADDRESS and RUNNER_LOG_LEVEL (default info)', () => {
    expect(telemetrySettingsFrom({})).toEqual({ metricsAddress: null, logLevel: 'INFO' });
    expect(telemetrySettingsFrom({ RUNNER_METRICS_ADDRESS: '127.0.0.1:9464', RUNNER_LOG_LEVEL: 'warning' })).toEqual({ metricsAddress: '127.0.0.1:9464', logLevel: 'WARN' });
    expect(telemetrySettingsFrom({ RUNNER_LOG_LEVEL: 'Debug' }).logLevel).toBe('DEBUG');
  });

  it('refuses a metrics address without a port and an unknown level, naming the variable', () => {
    expect(() => telemetrySettingsFrom({ RUNNER_METRICS_ADDRESS: 'localhost' })).toThrow(/RUNNER_METRICS_ADDRESS/);
    expect(() => telemetrySettingsFrom({ RUNNER_LOG_LEVEL: 'loud' })).toThrow(/RUNNER_LOG_LEVEL/);
  });
});
