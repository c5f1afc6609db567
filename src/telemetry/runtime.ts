/**
 * The process's Temporal Runtime with our telemetry: the SDK's log lines (TS side, workflow and
 * activity loggers, and the Rust Core's, forwarded) through our JSON writer at RUNNER_LOG_LEVEL, the
 * Prometheus endpoint when RUNNER_METRICS_ADDRESS is set, and stderr kept to JSON lines.
 */
import { Runtime, type RuntimeOptions } from '@temporalio/worker';
import { createSdkLogger } from '../sdk-logger';
import { keepStreamJsonLines } from './json-stderr';
import { telemetrySettingsFrom, type TelemetrySettings } from './settings';

export function runtimeOptions(settings: TelemetrySettings, write?: (line: string) => void): RuntimeOptions {
  return {
    logger: createSdkLogger(settings.logLevel, write),
    telemetryOptions: {
      // Core's own lines at our level; its dependencies' (tonic, hyper, …) only when they are errors.
      logging: { filter: { core: settings.logLevel, other: 'ERROR' }, forward: {} },
      ...(settings.metricsAddress ? { metrics: { prometheus: { bindAddress: settings.metricsAddress } } } : {}),
    },
  };
}

/** Runtime.install with our telemetry; `extra` (e.g. shutdownSignals) is passed through. */
export function installTelemetryRuntime(settings: TelemetrySettings = telemetrySettingsFrom(), extra: Partial<RuntimeOptions> = {}): Runtime {
  if (process.env.RUNNER_LOG_FORMAT !== 'pretty') keepStreamJsonLines(process.stderr);
  return Runtime.install({ ...runtimeOptions(settings), ...extra });
}
