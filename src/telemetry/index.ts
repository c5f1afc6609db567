/**
 * Telemetry of a worker process (issue #17 part 4): the Runtime with JSON logs and the Prometheus
 * endpoint, and the interceptors that turn what activities and workflows do into sprint_runner_*
 * metrics.
 */
import { Runtime, type WorkerInterceptors } from '@temporalio/worker';
import { metricsActivityInterceptors } from './activity-interceptor';

export { installTelemetryRuntime, runtimeOptions } from './runtime';
export { telemetrySettingsFrom, type TelemetrySettings } from './settings';
export { METRIC } from './metrics';

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
  return {
    activity: [metricsActivityInterceptors(() => Runtime.instance().metricMeter)],
    ...(options.prebuiltBundle ? {} : { workflowModules: WORKFLOW_INTERCEPTOR_MODULES }),
  };
}
