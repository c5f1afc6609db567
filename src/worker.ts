/**
 * The worker process: workflows and backend activities on TEMPORAL_TASK_QUEUE, Codex runs on one
 * queue per role (capped by RUNNER_MAX_EXECUTORS / RUNNER_MAX_REVIEWERS activity slots), and the
 * orchestrator queue. On SIGINT/SIGTERM the Temporal runtime shuts the workers down: polling stops,
 * running activities are cancelled after the grace time (killing their Codex process groups).
 */
import { Client } from '@temporalio/client';
import { NativeConnection, Runtime, DefaultLogger, Worker, type InjectedSinks, type WorkerOptions } from '@temporalio/worker';
import type { RunnerConfig } from './config';
import { createActivities } from './activities';
import { taskQueuesFor } from './temporal/task-queues';
import { emitEvent, type RunnerEvent } from './logging';
import type { EventSinks } from './workflows/events';

export interface WorkerSet {
  workers: Worker[];
  run(): Promise<void>;
  shutdown(): void;
}

export interface CreateWorkersOptions {
  config: RunnerConfig;
  connection: NativeConnection;
  /** Tests pass the prebuilt bundle; the CLI bundles src/workflows at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  activities?: Record<string, (...args: never[]) => unknown>;
  shutdownGraceTime?: WorkerOptions['shutdownGraceTime'];
  /** Where workflow events go (default: the process event log on stderr). */
  onEvent?: (event: RunnerEvent) => void;
  /** Queues to poll (default: all four). */
  roles?: Array<'main' | 'executor' | 'reviewer' | 'orchestrator'>;
}

export async function createWorkers(options: CreateWorkersOptions): Promise<WorkerSet> {
  const { config, connection } = options;
  const queues = taskQueuesFor(config.temporalTaskQueue);
  const client = new Client({ connection: connection as never, namespace: config.temporalNamespace });
  const activities = options.activities ?? createActivities(config, () => client);
  const base = {
    connection,
    namespace: config.temporalNamespace,
    activities,
    shutdownGraceTime: options.shutdownGraceTime ?? '5s',
    // Cancellation reaches an activity only with a heartbeat response: keep that lag short so a
    // watchdog or shutdown kills a Codex process group within seconds.
    maxHeartbeatThrottleInterval: '2s',
  } satisfies Partial<WorkerOptions>;
  const roles = options.roles ?? ['main', 'executor', 'reviewer', 'orchestrator'];
  const workers: Worker[] = [];
  for (const role of roles) {
    if (role === 'main') {
      workers.push(
        await Worker.create({
          ...base,
          taskQueue: queues.main,
          sinks: eventSinks(options.onEvent ?? emitEvent),
          ...(options.workflowBundle
            ? { workflowBundle: options.workflowBundle }
            : { workflowsPath: require.resolve('./workflows') }),
        }),
      );
    } else {
      const slots = role === 'executor' ? config.maxExecutors : role === 'reviewer' ? config.maxReviewers : 4;
      workers.push(await Worker.create({ ...base, taskQueue: queues[role], maxConcurrentActivityTaskExecutions: slots }));
    }
  }
  return {
    workers,
    run: async () => {
      emitEvent({ type: 'RUNNER_WORKER_READY', address: config.temporalAddress, namespace: config.temporalNamespace, task_queues: roles.map((r) => queues[r]) });
      await Promise.all(workers.map((worker) => worker.run()));
    },
    shutdown: () => workers.forEach((worker) => worker.shutdown()),
  };
}

export async function runWorkerProcess(config: RunnerConfig): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const connection = await NativeConnection.connect({ address: config.temporalAddress });
  try {
    const set = await createWorkers({ config, connection });
    await set.run();
  } finally {
    await connection.close();
  }
}

/** Workflow events leave through this sink; it is not called on replay, so each event is written once. */
export function eventSinks(write: (event: RunnerEvent) => void): InjectedSinks<EventSinks> {
  return {
    events: {
      emit: {
        fn: (info, event) => write({ ...event, workflow_id: info.workflowId }),
        callDuringReplay: false,
      },
    },
  };
}
