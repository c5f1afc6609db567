/**
 * Telemetry of a worker process (issue #17 part 4): the Runtime with JSON logs and the Prometheus
 * endpoint, the interceptors that turn what activities and workflows do into sprint_runner_*
 * metrics, and optional OpenTelemetry tracing (tracing.ts).
 */
import { Runtime, type WorkerInterceptors } from '@temporalio/worker';
import { metricsActivityInterceptors } from './activity-interceptor';
import { processTracing } from './tracing';

export { installTelemetryRuntime, runtimeOptions } from './runtime';
export { telemetrySettingsFrom, type TelemetrySettings } from './settings';
export { METRIC } from './metrics';
export { processTracing, shutdownTracing, tracingClientInterceptors, tracingSettingsFrom, type TracingSettings } from './tracing';

/**
 * Workflow interceptor modules, bundled with the workflows: every bundle (the CLI worker's, a
 * prebuilt one, the replay test's) must include them, so the replayed code is the code that ran.
 */
export const WORKFLOW_INTERCEPTOR_MODULES: string[] = [require.resolve('./workflow-interceptors')];

/**
 * The `interceptors` option of every Worker.create: activity metrics, and the workflow modules for a
 * worker that bundles its workflows at start. A prebuilt bundle must have been built with
 * WORKFLOW_INTERCEPTOR_MODULES (the SDK ignores workflowModules then, with a warning per worker).
 */
export function workerInterceptors(options: { prebuiltBundle?: boolean } = {}): WorkerInterceptors {
  const tracing = processTracing();
  return {
    // With tracing on (OTEL_EXPORTER_OTLP_*), its RunActivity span wraps each activity (tracing.ts).
    activity: [...(tracing ? [tracing.activityInterceptors] : []), metricsActivityInterceptors(() => Runtime.instance().metricMeter)],
    ...(options.prebuiltBundle ? {} : { workflowModules: WORKFLOW_INTERCEPTOR_MODULES }),
  };
}
