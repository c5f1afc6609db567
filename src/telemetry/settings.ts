/**
 * The worker's telemetry settings, from the environment (issue #17 part 4). Kept here until the
 * configuration table (src/config.ts) carries them; the names and defaults are the contract.
 */
import type { LogLevel } from '@temporalio/worker';
import { parseLogLevel } from '../sdk-logger';

export interface TelemetrySettings {
  /** RUNNER_METRICS_ADDRESS: host:port of the Prometheus endpoint (`/metrics`); null = no endpoint. */
  metricsAddress: string | null;
  /** RUNNER_LOG_LEVEL: the lowest SDK/Core log level written (default INFO). */
  logLevel: LogLevel;
}

export function telemetrySettingsFrom(env: NodeJS.ProcessEnv = process.env): TelemetrySettings {
  const metricsAddress = env.RUNNER_METRICS_ADDRESS?.trim() || null;
  if (metricsAddress && !/^[^\s:]+:\d{1,5}$/.test(metricsAddress)) {
    throw new Error(`RUNNER_METRICS_ADDRESS must be host:port (e.g. 127.0.0.1:9464), got ${JSON.stringify(metricsAddress)}`);
  }
  const rawLevel = env.RUNNER_LOG_LEVEL?.trim();
  const logLevel = rawLevel ? parseLogLevel(rawLevel) : 'INFO';
  if (!logLevel) throw new Error(`RUNNER_LOG_LEVEL must be one of trace, debug, info, warn, error; got ${JSON.stringify(rawLevel)}`);
  return { metricsAddress, logLevel };
}
