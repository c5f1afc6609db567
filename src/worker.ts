/**
 * The worker process: workflows and backend activities on TEMPORAL_TASK_QUEUE, Codex runs on one
 * queue per role (capped by RUNNER_MAX_EXECUTORS / RUNNER_MAX_REVIEWERS activity slots), and the
 * orchestrator queue. On SIGINT/SIGTERM the Temporal runtime shuts the workers down: polling stops at
 * once, running activities (Codex runs) may finish within RUNNER_SHUTDOWN_GRACE_S, then they are
 * cancelled (their Codex process groups killed) and fail as retryable, so the next worker retries them.
 *
 * `sprint-runner worker` is a Worker Deployment Version (docs/upgrading.md): deployment
 * RUNNER_DEPLOYMENT_NAME, build id SPRINT_RUNNER_BUILD_ID (default: package version + git commit),
 * AUTO_UPGRADE by default. In-process workers (`run`, the demo, tests) stay unversioned unless their
 * caller passes `versioning`.
 */
import { Client } from '@temporalio/client';
import { NativeConnection, Runtime, DefaultLogger, Worker, type InjectedSinks, type WorkerOptions } from '@temporalio/worker';
import type { RunnerConfig } from './config';
import { promoteIfFirst, workerVersioningFor, type WorkerVersioning } from './temporal/deployment';
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
  /**
   * Register every queue's worker as this Worker Deployment Version (all four queues: activities of a
   * versioned workflow are dispatched to the same version). Absent/null: an unversioned worker.
   */
  versioning?: WorkerVersioning | null;
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
    shutdownGraceTime: options.shutdownGraceTime ?? config.shutdownGraceS * 1000,
    // Cancellation reaches an activity only with a heartbeat response: keep that lag short so a
    // watchdog or shutdown kills a Codex process group within seconds.
    maxHeartbeatThrottleInterval: '2s',
    ...(options.versioning
      ? {
          workerDeploymentOptions: {
            version: options.versioning.version,
            useWorkerVersioning: true as const,
            defaultVersioningBehavior: options.versioning.defaultBehavior,
          },
        }
      : {}),
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
      emitEvent({
        type: 'RUNNER_WORKER_READY', address: config.temporalAddress, namespace: config.temporalNamespace, task_queues: roles.map((r) => queues[r]),
        // The build id an operator promotes with `temporal worker deployment set-current-version`.
        deployment_name: options.versioning?.version.deploymentName ?? null,
        build_id: options.versioning?.version.buildId ?? null,
        versioning_behavior: options.versioning?.defaultBehavior ?? 'unversioned',
      });
      await Promise.all(workers.map((worker) => worker.run()));
    },
    shutdown: () => workers.forEach((worker) => worker.shutdown()),
  };
}

export interface WorkerProcessOptions {
  /** Make this build the deployment's current version once it polls (single-host deploys). */
  setCurrent?: boolean;
}

export async function runWorkerProcess(config: RunnerConfig, options: WorkerProcessOptions = {}): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const connection = await NativeConnection.connect({ address: config.temporalAddress });
  const versioning = workerVersioningFor(config);
  if (options.setCurrent && !versioning) throw new Error('--set-current needs RUNNER_WORKER_VERSIONING=true (an unversioned worker has no version to promote)');
  const onStop = (signal: NodeJS.Signals) =>
    emitEvent({ type: 'RUNNER_WORKER_STOPPING', signal, shutdown_grace_s: config.shutdownGraceS, build_id: versioning?.version.buildId ?? null });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, onStop);
  try {
    const set = await createWorkers({ config, connection, versioning });
    const running = set.run();
    if (versioning) void announceRouting(config, connection, versioning, options.setCurrent ?? false);
    await running;
  } finally {
    await connection.close();
  }
}

/**
 * Once the worker polls: a deployment's first version becomes current by itself (else no task would
 * reach it); `--set-current` promotes this build whatever is current; otherwise the event says which
 * version gets the tasks and the command that promotes this one.
 */
async function announceRouting(config: RunnerConfig, connection: NativeConnection, versioning: WorkerVersioning, force: boolean): Promise<void> {
  const { deploymentName, buildId } = versioning.version;
  try {
    const client = new Client({ connection: connection as never, namespace: config.temporalNamespace });
    const outcome = await promoteIfFirst(client, versioning.version, { force });
    if (outcome.promoted) {
      emitEvent({ type: 'RUNNER_DEPLOYMENT_CURRENT_SET', deployment_name: deploymentName, build_id: buildId, reason: outcome.reason });
    } else if (outcome.reason === 'already_current') {
      emitEvent({ type: 'RUNNER_DEPLOYMENT_CURRENT', deployment_name: deploymentName, build_id: buildId });
    } else {
      emitEvent({
        type: 'RUNNER_DEPLOYMENT_NOT_CURRENT', deployment_name: deploymentName, build_id: buildId, current_build_id: outcome.current,
        hint: `this worker gets tasks once its version is current: temporal worker deployment set-current-version --deployment-name ${deploymentName} --build-id ${buildId}`,
      });
    }
  } catch (err) {
    emitEvent({ type: 'RUNNER_DEPLOYMENT_ROUTING_UNKNOWN', deployment_name: deploymentName, build_id: buildId, error: (err as Error).message });
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
