/**
 * The production topology, described once: the native rig (scripts/cluster/rig.ts, its test) and
 * docker-compose.yml are both checked against it (test/cluster/compose-topology.test.ts).
 */
import { taskQueuesFor, type TaskQueues } from '../../src/temporal/task-queues';

export type WorkerRole = keyof TaskQueues;

export interface WorkerService {
  /** docker-compose service name. */
  service: string;
  roles: WorkerRole[];
  /** Processes of this kind the rig and compose run (compose: `deploy.replicas`). */
  replicas: number;
  /** Why it is a separate service. */
  purpose: string;
  /** Variables the service needs besides the Temporal connection (values differ per installation). */
  env: string[];
  /** It runs Codex: it needs the Codex home and auth (read-only) and git. */
  runsCodex: boolean;
}

/** Settings every worker needs to reach Temporal (profile file or TEMPORAL_* env: src/temporal/connection.ts). */
export const TEMPORAL_CONNECTION_ENV = ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'TEMPORAL_TASK_QUEUE'] as const;

export const WORKER_SERVICES: readonly WorkerService[] = [
  {
    service: 'orchestrator-worker',
    roles: ['main', 'orchestrator'],
    replicas: 1,
    purpose: 'workflows, backend activities and the orchestrator process (its state lives in the sprint workflow): one, more for availability',
    env: ['BACKEND_BASE_URL', 'ORCHESTRATOR_STATE_PATH', 'RUNNER_ORCHESTRATOR_CMD'],
    runsCodex: false,
  },
  {
    service: 'codex-worker',
    roles: ['executor', 'reviewer'],
    replicas: 2,
    purpose: 'Codex runs (EXECUTOR and REVIEWER); scale these out, each caps its runs with RUNNER_MAX_EXECUTORS / RUNNER_MAX_REVIEWERS',
    env: ['BACKEND_BASE_URL', 'CODEX_BIN', 'CODEX_HOME', 'RUNNER_MAX_EXECUTORS', 'RUNNER_MAX_REVIEWERS'],
    runsCodex: true,
  },
];

/** Docker Compose built by build-server.sh (COMPOSE_VERSION there) to check docker-compose.yml. */
export const COMPOSE_VERSION = '5.6.0';

/** The infrastructure services besides the workers (compose adds one-shot setup jobs around them). */
export const INFRASTRUCTURE = {
  postgresql: { service: 'postgresql', major: 15 },
  temporal: { service: 'temporal', version: '1.29.1', databases: ['temporal', 'temporal_visibility'], sqlPlugin: 'postgres12' },
  ui: { service: 'temporal-ui', version: '2.42.1' },
  /** One-shot jobs of compose that the rig does inline (schema tool; namespace + search attributes). */
  setupJobs: ['temporal-schema', 'temporal-init'],
} as const;

/** The task queues a worker service polls, for base queue `base` (TEMPORAL_TASK_QUEUE). */
export function queuesOf(service: WorkerService, base = 'sprint-runner'): string[] {
  const queues = taskQueuesFor(base);
  return service.roles.map((role) => queues[role]);
}

/** The `sprint-runner worker` arguments of a service. */
export function workerArgs(service: WorkerService): string[] {
  return ['worker', '--roles', service.roles.join(',')];
}
