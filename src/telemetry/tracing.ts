/**
 * Optional OpenTelemetry tracing (issue #17 part 4): when an OTLP endpoint is configured
 * (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, else OTEL_EXPORTER_OTLP_ENDPOINT + `/v1/traces`), the CLI's
 * clients and the workers' clients get `@temporalio/interceptors-opentelemetry`'s client interceptor
 * (StartWorkflow, SignalWithStartWorkflow, update, query … spans carrying the trace in the
 * `_tracer-data` header) and the workers its activity interceptors (a `RunActivity:<name>` span per
 * attempt, child of the span the header names), exported over OTLP/HTTP — protobuf by default,
 * JSON with OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL=http/json; gRPC is not supported.
 *
 * Workflows are not traced with spans of their own: the SDK's workflow interceptors would go into the
 * prebuilt workflow bundle of every worker (with the OpenTelemetry SDK and a sink call per span, traced
 * or not) and set SDK flags in histories. Our workflow interceptor module
 * (workflow-interceptors.ts) only carries the workflow's `_tracer-data` header on to the
 * activities, child workflows and continue-as-new it schedules, so every activity span sits in the
 * trace of the client call that started its workflow.
 *
 * Not configured (the default): nothing of OpenTelemetry is loaded, no interceptor is added.
 * Other standard variables apply as the OpenTelemetry SDK reads them: OTEL_SERVICE_NAME (default
 * `sprint-runner`), OTEL_RESOURCE_ATTRIBUTES, OTEL_EXPORTER_OTLP_(TRACES_)HEADERS and _TIMEOUT,
 * OTEL_BSP_* (batching); OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none turn tracing off.
 */
import type { Tracer } from '@opentelemetry/api';
import type { ClientInterceptors } from '@temporalio/client';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';

type Env = Record<string, string | undefined>;

export interface TracingSettings {
  /** Where spans are POSTed (the traces URL itself, `…/v1/traces`). */
  url: string;
  protocol: 'http/protobuf' | 'http/json';
  serviceName: string;
}

/** The tracing settings from the standard OTEL_* variables; null = tracing off. Throws on an unusable value, naming it. */
export function tracingSettingsFrom(env: Env = process.env): TracingSettings | null {
  if (/^true$/i.test(env.OTEL_SDK_DISABLED?.trim() ?? '')) return null;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  if (exporters.includes('none')) return null;
  const [name, value, url] = tracesUrl(env);
  if (!url) return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`${name} must be an http(s) URL (e.g. http://127.0.0.1:4318), got ${JSON.stringify(value)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error(`${name} must be an http(s) URL (OTLP over HTTP; gRPC is not supported), got ${JSON.stringify(value)}`);
  }
  const protocolName = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL?.trim() ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL' : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const protocol = env[protocolName]?.trim() || 'http/protobuf';
  if (protocol !== 'http/protobuf' && protocol !== 'http/json') {
    throw new Error(`${protocolName} must be http/protobuf or http/json (OTLP over HTTP; gRPC is not supported), got ${JSON.stringify(protocol)}`);
  }
  return { url: parsed.toString(), protocol, serviceName: env.OTEL_SERVICE_NAME?.trim() || 'sprint-runner' };
}

/** [variable, its value, the traces URL]: the signal-specific endpoint as is, the base one + `/v1/traces`. */
function tracesUrl(env: Env): [string, string, string | null] {
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (traces) return ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', traces, traces];
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (base) return ['OTEL_EXPORTER_OTLP_ENDPOINT', base, /^https?:\/\//i.test(base) ? `${base.replace(/\/+$/, '')}/v1/traces` : base];
  return ['', '', null];
}

export interface Tracing {
  settings: TracingSettings;
  tracer: Tracer;
  /** The `interceptors` option of a Client. */
  clientInterceptors: ClientInterceptors;
  /** Activity interceptors of a worker (RunActivity spans, trace ids on activity log lines). */
  activityInterceptors: ActivityInterceptorsFactory;
  /** Exports what is buffered and stops the provider (the process is ending). */
  shutdown(): Promise<void>;
}

let installed: Tracing | null | undefined;

/**
 * The process's tracing, installed on first use when the environment configures it (one provider per
 * process, registered globally with an AsyncLocalStorage context manager so client calls made inside
 * an activity are children of its span); null when tracing is off.
 */
export function processTracing(env: Env = process.env): Tracing | null {
  if (installed === undefined) {
    const settings = tracingSettingsFrom(env);
    installed = settings ? installTracing(settings) : null;
  }
  return installed;
}

/** The client `interceptors` option: tracing's when it is on, else undefined (the Client's default). */
export function tracingClientInterceptors(): ClientInterceptors | undefined {
  return processTracing()?.clientInterceptors;
}

/** Flushes and stops tracing if this process installed it (CLI exit, worker shutdown); a no-op otherwise. */
export async function shutdownTracing(): Promise<void> {
  const tracing = installed;
  if (!tracing) return;
  await tracing.shutdown().catch((err: unknown) => {
    process.stderr.write(`${JSON.stringify({ type: 'TRACING_EXPORT_FAILED', error: (err as Error).message })}\n`);
  });
}

// Required here, not imported: nothing of OpenTelemetry is loaded unless tracing is configured.
function installTracing(settings: TracingSettings): Tracing {
  const { BasicTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
  const { Resource, envDetectorSync } = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks') as typeof import('@opentelemetry/context-async-hooks');
  const { OpenTelemetryWorkflowClientInterceptor } =
    require('@temporalio/interceptors-opentelemetry/lib/client') as typeof import('@temporalio/interceptors-opentelemetry/lib/client');
  const { OpenTelemetryActivityInboundInterceptor, OpenTelemetryActivityOutboundInterceptor } =
    require('@temporalio/interceptors-opentelemetry/lib/worker') as typeof import('@temporalio/interceptors-opentelemetry/lib/worker');
  const exporter =
    settings.protocol === 'http/json'
      ? new (require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter({ url: settings.url })
      : new (require('@opentelemetry/exporter-trace-otlp-proto') as typeof import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter({ url: settings.url });
  const version = (require('../temporal/deployment') as typeof import('../temporal/deployment')).packageVersion();
  const resource = Resource.default()
    .merge(new Resource({ 'service.name': settings.serviceName, 'service.version': version }))
    .merge(envDetectorSync.detect());
  const provider = new BasicTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(exporter)] });
  provider.register({ contextManager: new AsyncLocalStorageContextManager() });
  const tracer = provider.getTracer('sprint-runner', version);
  return {
    settings,
    tracer,
    clientInterceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor({ tracer })] },
    activityInterceptors: (ctx) => ({
      inbound: new OpenTelemetryActivityInboundInterceptor(ctx, { tracer }),
      outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
    }),
    shutdown: () => provider.shutdown(),
  };
}
