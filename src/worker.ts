/**
 * The worker process: workflows and backend activities on TEMPORAL_TASK_QUEUE, Codex runs on one
 * queue per role (capped by RUNNER_MAX_EXECUTORS / RUNNER_MAX_REVIEWERS activity slots), and the
 * orchestrator queue; each queue's worker registers exactly that queue's activities
 * (workflows/activity-queues.ts), and `--roles` picks which queues a process serves. On SIGINT/SIGTERM
 * the Temporal runtime shuts the workers down: polling stops at
 * once, running activities (Codex runs) may finish within RUNNER_SHUTDOWN_GRACE_S, then they are
 * cancelled (their Codex process groups killed) and fail as retryable, so the next worker retries them.
 *
 * `sprint-runner worker` is a Worker Deployment Version (docs/upgrading.md): deployment
 * RUNNER_DEPLOYMENT_NAME, build id SPRINT_RUNNER_BUILD_ID (default: package version + git commit),
 * AUTO_UPGRADE by default. In-process workers (`run`, the demo, tests) stay unversioned unless their
 * caller passes `versioning`.
 */
import { setFlagsFromString } from 'node:v8';
import { Client } from '@temporalio/client';
import { NativeConnection, Worker, type InjectedSinks, type WorkerOptions } from '@temporalio/worker';
import type { RunnerConfig } from './config';
import { promoteIfFirst, workerVersioningFor, type WorkerVersioning } from './temporal/deployment';
import { connectNative, resolveConnectionSettings } from './temporal/connection';
import { createActivitySets } from './activities';
import { QUEUE_ROLES, type QueueRole } from './workflows/activity-queues';
import { taskQueuesFor } from './temporal/task-queues';
import { emitEvent, type RunnerEvent } from './logging';
import { installTelemetryRuntime, tracingClientInterceptors, workerInterceptors } from './telemetry';
import type { EventSinks } from './workflows/events';
import { freshPrebuiltWorkflowBundle, WORKFLOW_PRELOAD_MODULES } from './workflow-bundle';

export interface WorkerSet {
  workers: Worker[];
  run(): Promise<void>;
  shutdown(): void;
}

export interface CreateWorkersOptions {
  config: RunnerConfig;
  connection: NativeConnection;
  /** Tests pass a prebuilt bundle; otherwise dist/workflow-code.js when current (`npm run build`), else src/workflows bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Stand-ins registered on every queue (tests of workflow decisions); default: each queue's own set. */
  activities?: Record<string, (...args: never[]) => unknown>;
  shutdownGraceTime?: WorkerOptions['shutdownGraceTime'];
  /** Where workflow events go (default: the process event log on stderr). */
  onEvent?: (event: RunnerEvent) => void;
  /** Queues to poll (default: all four; `worker --roles`). */
  roles?: readonly QueueRole[];
  /**
   * Register every queue's worker as this Worker Deployment Version (all four queues: activities of a
   * versioned workflow are dispatched to the same version). Absent/null: an unversioned worker.
   */
  versioning?: WorkerVersioning | null;
}

export async function createWorkers(options: CreateWorkersOptions): Promise<WorkerSet> {
  const { config, connection } = options;
  if ((options.roles ?? QUEUE_ROLES).includes('main')) limitWorkflowThreadYoungGeneration();
  const queues = taskQueuesFor(config.temporalTaskQueue);
  // Activities' client calls (signalWithStart of item workflows) carry the activity's trace when tracing is on.
  const client = new Client({ connection: connection as never, namespace: config.temporalNamespace, interceptors: tracingClientInterceptors() });
  const sets = options.activities ? null : createActivitySets(config, () => client);
  const activitiesFor = (role: QueueRole): object => options.activities ?? sets![role];
  const base = {
    connection,
    namespace: config.temporalNamespace,
    shutdownGraceTime: options.shutdownGraceTime ?? config.shutdownGraceS * 1000,
    // Cancellation reaches an activity only with a heartbeat response: keep that lag short so a
    // watchdog or shutdown kills a Codex process group within seconds.
    maxHeartbeatThrottleInterval: '2s',
    // sprint_runner_* metrics from activity results and item workflow updates/retries (src/telemetry).
    // A prebuilt bundle has the workflow interceptor modules compiled in (the SDK warns when they are passed again).
    interceptors: workerInterceptors({ prebuiltBundle: 'workflowBundle' in workflowCode(options.workflowBundle) }),
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
  const roles = options.roles ?? QUEUE_ROLES;
  const workers: Worker[] = [];
  for (const role of roles) {
    if (role === 'main') {
      workers.push(
        await Worker.create({
          ...base,
          taskQueue: queues.main,
          activities: activitiesFor('main'),
          sinks: eventSinks(options.onEvent ?? emitEvent),
          ...workflowCode(options.workflowBundle),
          // Item workflows wait for days between intents: cache only the active ones. The SDK default
          // (~2,300 from the heap limit) kept all 1,000 open items of the footprint bench resident;
          // an evicted item replays its short history at its next signal. RUNNER_MAX_CACHED_WORKFLOWS.
          maxCachedWorkflows: config.maxCachedWorkflows,
        }),
      );
    } else {
      const slots = role === 'executor' ? config.maxExecutors : role === 'reviewer' ? config.maxReviewers : 4;
      workers.push(await Worker.create({ ...base, taskQueue: queues[role], activities: activitiesFor(role), maxConcurrentActivityTaskExecutions: slots }));
    }
  }
  return {
    workers,
    run: async () => {
      emitEvent({
        type: 'RUNNER_WORKER_READY',
        address: config.temporalAddress,
        namespace: config.temporalNamespace,
        task_queues: roles.map((r) => queues[r]),
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

/**
 * The workflow thread's V8 young generation, in MiB per semi-space (issue #18). V8 grows it to 16 MiB
 * per semi-space under workflow tasks and keeps it; they allocate much and keep little, so 4 MiB
 * costs no measurable CPU (bench: footprint). bin/sprint-runner.js sets the same for the whole
 * process; this covers the other ways in (`node bin/…`, in-process workers). Applies to threads
 * started afterwards: Worker.create starts the SDK's workflow thread. A flag already given wins.
 */
const WORKFLOW_THREAD_SEMI_SPACE_MIB = 4;

function limitWorkflowThreadYoungGeneration(): void {
  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].some((flag) => flag.startsWith('--max-semi-space-size'));
  if (!given) setFlagsFromString(`--max-semi-space-size=${WORKFLOW_THREAD_SEMI_SPACE_MIB}`);
}

export interface WorkerProcessOptions {
  /** Make this build the deployment's current version once it polls (single-host deploys). */
  setCurrent?: boolean;
  /** Queues this process serves (`worker --roles`; default all four). */
  roles?: readonly QueueRole[];
}

export async function runWorkerProcess(config: RunnerConfig, options: WorkerProcessOptions = {}): Promise<void> {
  // Settings first: a bad profile must end the process, before the Runtime (which keeps it alive) exists.
  const settings = resolveConnectionSettings(config);
  installTelemetryRuntime();
  const connection = await connectNative(settings);
  // A namespace set only in a connection profile applies to the workers too.
  config = { ...config, temporalNamespace: settings.namespace };
  const versioning = workerVersioningFor(config);
  if (options.setCurrent && !versioning) throw new Error('--set-current needs RUNNER_WORKER_VERSIONING=true (an unversioned worker has no version to promote)');
  const onStop = (signal: NodeJS.Signals) =>
    emitEvent({ type: 'RUNNER_WORKER_STOPPING', signal, shutdown_grace_s: config.shutdownGraceS, build_id: versioning?.version.buildId ?? null });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, onStop);
  try {
    const set = await createWorkers({ config, connection, versioning, roles: options.roles });
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
        type: 'RUNNER_DEPLOYMENT_NOT_CURRENT',
        deployment_name: deploymentName,
        build_id: buildId,
        current_build_id: outcome.current,
        hint: `this worker gets tasks once its version is current: temporal worker deployment set-current-version --deployment-name ${deploymentName} --build-id ${buildId}`,
      });
    }
  } catch (err) {
    emitEvent({ type: 'RUNNER_DEPLOYMENT_ROUTING_UNKNOWN', deployment_name: deploymentName, build_id: buildId, error: (err as Error).message });
  }
}

/**
 * The bundle the caller passed; else the prebuilt one of `npm run build` while it is current (no
 * webpack at start); else the sources, bundled now.
 */
function workflowCode(passed: WorkerOptions['workflowBundle']): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath' | 'bundlerOptions'> {
  if (passed) return { workflowBundle: passed };
  const prebuilt = freshPrebuiltWorkflowBundle();
  return prebuilt ? { workflowBundle: { codePath: prebuilt } } : { workflowsPath: require.resolve('./workflows'), bundlerOptions: { preloadModules: WORKFLOW_PRELOAD_MODULES } };
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
