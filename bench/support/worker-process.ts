/**
 * A sprint-runner worker in its own process for the scale benchmark: the same createWorkers() as
 * `sprint-runner worker` (src/worker.ts runWorkerProcess), configured from the environment, but with
 * the prebuilt workflow bundle (BENCH_WORKFLOW_BUNDLE) and the core runtime's Prometheus exporter on
 * BENCH_METRICS_ADDR (runWorkerProcess installs no metrics). Answers 'stats' over IPC with
 * process.memoryUsage(), event counts and the worker's cache size; 'shutdown' stops it.
 *   fork('bench/support/worker-process.ts', { execArgv: ['--require', 'tsx/cjs'] })
 */
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { loadConfig } from '../../src/config';
import { setEventWriter, type RunnerEvent } from '../../src/logging';
import { createWorkers } from '../../src/worker';

async function main(): Promise<void> {
  Runtime.install({
    logger: new DefaultLogger('WARN'),
    telemetryOptions: { metrics: { prometheus: { bindAddress: process.env.BENCH_METRICS_ADDR! } } },
  });
  const counts: Record<string, number> = {};
  const count = (event: RunnerEvent) => void (counts[event.type] = (counts[event.type] ?? 0) + 1);
  setEventWriter(count);
  const config = loadConfig(process.env);
  const connection = await NativeConnection.connect({ address: config.temporalAddress });
  const set = await createWorkers({
    config,
    connection,
    workflowBundle: { codePath: process.env.BENCH_WORKFLOW_BUNDLE! },
    onEvent: count,
    shutdownGraceTime: '2s',
  });
  const main = set.workers[0]!;
  process.on('message', (message) => {
    if (message === 'stats') {
      process.send?.({
        kind: 'stats',
        memory: process.memoryUsage(),
        events: counts,
        maxCachedWorkflows: main.options.maxCachedWorkflows,
        maxConcurrentWorkflowTaskExecutions: main.options.maxConcurrentWorkflowTaskExecutions,
      });
    } else if (message === 'shutdown') {
      set.shutdown();
    }
  });
  // The bench went away (interrupted): stop polling and exit.
  process.once('disconnect', () => set.shutdown());
  const running = set.run();
  process.send?.({ kind: 'ready', pid: process.pid });
  await running;
  await connection.close();
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench worker failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
