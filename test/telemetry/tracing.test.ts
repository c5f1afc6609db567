/**
 * Optional OpenTelemetry tracing (issue #17 part 4, src/telemetry/tracing.ts) against a real OTLP/HTTP
 * receiver (a node http server accepting POST /v1/traces, protobuf decoded with the OTLP schema the
 * exporter itself uses, or JSON):
 * - `sprint-runner run --once` (client + in-process worker, emulators, real server): the client's
 *   StartWorkflow span, the tick activity's span under it, the item workflows it starts
 *   (SignalWithStartWorkflow from inside the activity) and their Codex runs' RunActivity spans, all in
 *   one trace, each span's parent the one before it in that chain;
 * - `sprint-runner status` (a client-only command) over http/json: its spans leave before the process exits;
 * - the settings: which variables turn tracing on, the URL forms, refusals; off by default.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { startBackendEmulator, type BackendEmulator } from '../../emulators/backend';
import { writeDemoPolicy } from '../../scripts/demo/settings';
import { freePort } from '../../src/temporal/dev-server';
import { tracingSettingsFrom } from '../../src/telemetry/tracing';
import { workerInterceptors } from '../../src/telemetry';
import { AGENT_BIN, ORCHESTRATOR_CMD, boardItem } from '../support/e2e';
import { linkedPr } from '../support/fault-rig';
import { runCli } from '../support/run-cli';
import { connectTestTemporal, testAddress, uniqueTaskQueue, type TestTemporal } from '../support/temporal';

interface ReceivedSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  kind: number;
  attributes: Record<string, unknown>;
  service: string;
}

interface Receiver {
  url: string;
  spans: ReceivedSpan[];
  contentTypes: Set<string>;
  close(): Promise<void>;
}

const hex = (value: unknown): string => (typeof value === 'string' ? value : value ? Buffer.from(value as Uint8Array).toString('hex') : '');

function attributeMap(list: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const entry of (list as Array<{ key: string; value: Record<string, unknown> }> | undefined) ?? []) {
    out[entry.key] = entry.value.stringValue ?? entry.value.intValue ?? entry.value.boolValue ?? entry.value.doubleValue;
  }
  return out;
}

/** The spans of one OTLP ExportTraceServiceRequest (decoded object, protobuf or JSON shape). */
function spansOf(request: { resourceSpans?: unknown[] }): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  for (const resourceSpans of (request.resourceSpans ?? []) as Array<{ resource?: { attributes?: unknown }; scopeSpans?: Array<{ spans?: Array<Record<string, unknown>> }> }>) {
    const service = String(attributeMap(resourceSpans.resource?.attributes)['service.name'] ?? '');
    for (const scope of resourceSpans.scopeSpans ?? []) {
      for (const span of scope.spans ?? []) {
        spans.push({
          name: String(span.name),
          traceId: hex(span.traceId),
          spanId: hex(span.spanId),
          parentSpanId: hex(span.parentSpanId),
          kind: Number(span.kind ?? 0),
          attributes: attributeMap(span.attributes),
          service,
        });
      }
    }
  }
  return spans;
}

async function startReceiver(): Promise<Receiver> {
  // The OTLP protobuf schema the exporter encodes with (@opentelemetry/otlp-transformer's generated root).
  const generated = require('@opentelemetry/otlp-transformer/build/src/generated/root') as { default?: unknown };
  const root = (generated.default ?? generated) as {
    opentelemetry: {
      proto: { collector: { trace: { v1: { ExportTraceServiceRequest: { decode(b: Uint8Array): unknown; toObject(m: unknown, o: object): { resourceSpans?: unknown[] } } } } } };
    };
  };
  const Request = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
  const spans: ReceivedSpan[] = [];
  const contentTypes = new Set<string>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      const type = String(req.headers['content-type'] ?? '');
      contentTypes.add(type);
      try {
        const request = type.includes('json')
          ? (JSON.parse(body.toString('utf8')) as { resourceSpans?: unknown[] })
          : Request.toObject(Request.decode(body), { defaults: false, longs: String, bytes: Array });
        spans.push(...spansOf(request));
        res.writeHead(200, { 'content-type': type }).end(type.includes('json') ? '{}' : undefined);
      } catch (err) {
        res.writeHead(400).end(String(err));
      }
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${port}`, spans, contentTypes, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('tracing settings (standard OTEL_* variables)', () => {
  it('off unless an OTLP endpoint is set; the traces URL from either variable', () => {
    expect(tracingSettingsFrom({})).toBeNull();
    expect(tracingSettingsFrom({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toEqual({
      url: 'http://collector:4318/v1/traces',
      protocol: 'http/protobuf',
      serviceName: 'sprint-runner',
    });
    expect(
      tracingSettingsFrom({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example/otlp/v1/traces',
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
        OTEL_SERVICE_NAME: 'codex-box-3',
      }),
    ).toEqual({ url: 'https://traces.example/otlp/v1/traces', protocol: 'http/json', serviceName: 'codex-box-3' });
    expect(tracingSettingsFrom({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' })).toBeNull();
    expect(tracingSettingsFrom({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' })).toBeNull();
  });

  it('refuses what it cannot send to, naming the variable', () => {
    expect(() => tracingSettingsFrom({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4317' })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT must be an http\(s\) URL/);
    expect(() => tracingSettingsFrom({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(
      /OTEL_EXPORTER_OTLP_PROTOCOL must be http\/protobuf or http\/json.*grpc/,
    );
  });

  it('not configured: a worker gets the metrics interceptor only', () => {
    expect(process.env.OTEL_EXPORTER_OTLP_ENDPOINT ?? process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT).toBeUndefined();
    expect(workerInterceptors().activity).toHaveLength(1);
  });
});

describe('spans of a real run over OTLP/HTTP (run --once with its in-process worker; status)', () => {
  let temporal: TestTemporal;
  let backend: BackendEmulator;
  let receiver: Receiver;
  const sprint = `T${randomUUID().slice(0, 6)}`;
  let env: Record<string, string>;

  beforeAll(async () => {
    temporal = await connectTestTemporal('sr-spare');
    receiver = await startReceiver();
    // A Ready item (claim run) and one In Review with its PR (review run): two Codex runs from one tick.
    const dir = mkdtempSync(join(tmpdir(), 'sr-tracing-'));
    const policyDir = writeDemoPolicy(join(dir, 'policy-bundle'), sprint);
    backend = await startBackendEmulator({ policyDir, items: [boardItem(1, 'Ready', sprint), boardItem(2, 'In Review', sprint)], prs: [linkedPr(2, 20)] });
    env = {
      ORCHESTRATOR_REPO_ROOT: policyDir,
      TEMPORAL_ADDRESS: testAddress(),
      TEMPORAL_NAMESPACE: 'sr-spare',
      TEMPORAL_TASK_QUEUE: uniqueTaskQueue('tracing'),
      BACKEND_BASE_URL: backend.url,
      ORCHESTRATOR_STATE_PATH: join(dir, 'state.json'),
      RUNNER_ORCHESTRATOR_CMD: ORCHESTRATOR_CMD,
      CODEX_BIN: AGENT_BIN,
      ORCHESTRATOR_POLL_INTERVAL_MS: '300',
      CODEX_TOOLS_CALL_TIMEOUT_S: '60',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_SERVICE_NAME: 'sprint-runner-test',
      OTEL_BSP_SCHEDULE_DELAY: '200',
    };
  }, 60_000);

  afterAll(async () => {
    for (const id of [`sprint-${sprint}`, `sprint-${sprint}-item-1`, `sprint-${sprint}-item-2`])
      await temporal?.client.workflow
        .getHandle(id)
        .terminate('tracing test done')
        .catch(() => undefined);
    await backend?.close();
    await receiver?.close();
    await temporal?.close();
  });

  it('run --once: StartWorkflow → tick activity → SignalWithStartWorkflow:itemWorkflow → RunActivity:runCodexWorker, one trace, protobuf', async () => {
    const out = await runCli(['run', '--once', '--sprint', sprint], env);
    expect({ status: out.status, stderrTail: out.status === 0 ? '' : out.stderr.slice(-2000) }).toEqual({ status: 0, stderrTail: '' });
    expect([...receiver.contentTypes]).toEqual(['application/x-protobuf']);
    const spans = receiver.spans;
    const named = (name: string) => spans.filter((s) => s.name === name);
    const byId = new Map(spans.map((s) => [s.spanId, s]));

    const starts = named('StartWorkflow:sprintWorkflow');
    expect(starts).toHaveLength(1);
    const start = starts[0]!;
    expect(start.service).toBe('sprint-runner-test');
    expect(start.attributes.temporalWorkflowId).toBe(`sprint-${sprint}`);

    // The sprint workflow's activities: children of the client's start span (its header, carried by our workflow interceptor).
    const sprintActivities = spans.filter((s) => s.name.startsWith('RunActivity:') && s.parentSpanId === start.spanId);
    expect(sprintActivities.length).toBeGreaterThanOrEqual(1);
    const tick = sprintActivities.find((s) => /^RunActivity:(runOrchestratorTick|routeIntents)$/.test(s.name));
    expect(tick).toBeDefined();

    // The item workflows, started from inside the tick activity: their start spans are the activity's children.
    const itemStarts = named('SignalWithStartWorkflow:itemWorkflow');
    expect(itemStarts.length).toBeGreaterThanOrEqual(2);
    for (const itemStart of itemStarts) expect(byId.get(itemStart.parentSpanId)?.name).toMatch(/^RunActivity:/);

    // The Codex runs (claim and review), children of their item workflow's start span.
    const codexRuns = named('RunActivity:runCodexWorker');
    expect(codexRuns.length).toBeGreaterThanOrEqual(2);
    for (const run of codexRuns) {
      const parent = byId.get(run.parentSpanId);
      expect(parent?.name).toBe('SignalWithStartWorkflow:itemWorkflow');
      // The run's span names its item workflow, the one its parent started.
      expect(run.attributes.temporalWorkflowId).toBe(parent?.attributes.temporalWorkflowId);
      expect(run.attributes.temporalWorkflowId).toMatch(new RegExp(`^sprint-${sprint}-item-[12]$`));
    }
    expect(new Set(codexRuns.map((run) => run.attributes.temporalWorkflowId)).size).toBe(2);

    // The claim run records its claimed item from Codex's command events (transport callbacks): its
    // signal is still the run's child.
    const claimSignals = named('SignalWorkflow:runClaimed');
    expect(claimSignals).toHaveLength(1);
    expect(byId.get(claimSignals[0]!.parentSpanId)?.name).toBe('RunActivity:runCodexWorker');

    // One trace: every span of the run's workflows descends from the client's start span.
    const traced = spans.filter((s) => s.name.startsWith('RunActivity:') || s.name.includes('Workflow:'));
    expect(traced.filter((s) => s.traceId !== start.traceId).map((s) => `${s.name} (${String(s.attributes.temporalWorkflowId ?? '')})`)).toEqual([]);
    process.stdout.write(
      `tracing: ${spans.length} spans received (${[...new Set(spans.map((s) => s.name))]
        .sort()
        .map((n) => `${n}×${named(n).length}`)
        .join(', ')})\n`,
    );
  }, 180_000);

  it("status over http/json: the client command's spans leave before it exits", async () => {
    const before = receiver.spans.length;
    // A sprint without workflows: no worker needs to answer, the command describes and exits 0.
    const out = await runCli(['status', '--sprint', `N${sprint}`, '--json'], { ...env, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' });
    expect(out.status).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ phase: 'no sprint workflow', items: [] });
    expect(receiver.contentTypes.has('application/json')).toBe(true);
    const spans = receiver.spans.slice(before);
    expect(spans.map((s) => s.name)).toEqual(['DescribeWorkflow']);
    expect(spans.every((s) => s.service === 'sprint-runner-test')).toBe(true);
  }, 60_000);
});
