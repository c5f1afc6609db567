/**
 * A worker process for fault tests: the product's createWorkers on the prebuilt workflow bundle
 * (TEMPORAL_TEST_WORKFLOW_BUNDLE) instead of bundling at start as `sprint-runner worker` does, so a
 * restarted worker polls again within a second or two. Configuration comes from the environment
 * (loadConfig); events go to stderr as JSON lines (the product's event writer, secrets redacted).
 * SIGTERM/SIGINT shut it down gracefully; the tests mostly SIGKILL it.
 */
import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../../src/config';
import { createWorkers } from '../../src/worker';
import { installTelemetryRuntime, telemetrySettingsFrom } from '../../src/telemetry';

async function main(): Promise<void> {
  // The worker process's runtime (JSON log lines, metrics endpoint); WARN unless the test asks for more.
  installTelemetryRuntime(telemetrySettingsFrom({ RUNNER_LOG_LEVEL: 'WARN', ...process.env }));
  const config = loadConfig(process.env);
  const connection = await NativeConnection.connect({ address: config.temporalAddress });
  const bundle = process.env.TEMPORAL_TEST_WORKFLOW_BUNDLE;
  const set = await createWorkers({
    config,
    connection,
    ...(bundle ? { workflowBundle: { codePath: bundle } } : {}),
    // Fault tests stop workers fast; the graceful-deploy tests set RUNNER_SHUTDOWN_GRACE_S like an operator.
    shutdownGraceTime: process.env.RUNNER_SHUTDOWN_GRACE_S ? config.shutdownGraceS * 1000 : '2s',
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => set.shutdown());
  try {
    await set.run();
  } finally {
    await connection.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${JSON.stringify({ type: 'TEST_WORKER_CRASHED', error: (err as Error).stack ?? String(err) })}\n`);
  process.exit(1);
});
