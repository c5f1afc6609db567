/**
 * docker-compose.yml against the topology the native rig runs (scripts/cluster/topology.ts): the
 * same worker services with the same roles, replicas, queues and settings, the Codex workers with
 * the Codex home read-only and host.docker.internal resolvable, the same server and database
 * versions. `docker-compose config` (Compose built by npm run setup) must accept the file.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { cacheRoot } from '../../scripts/cluster/rig';
import { COMPOSE_VERSION, INFRASTRUCTURE, TEMPORAL_CONNECTION_ENV, WORKER_SERVICES, queuesOf, workerArgs } from '../../scripts/cluster/topology';
import { taskQueuesFor } from '../../src/temporal/task-queues';
import { DEV_SERVER_SEARCH_ATTRIBUTES } from '../../src/temporal/search-attributes';

const ROOT = join(__dirname, '..', '..');
const composeText = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string> | string[];
  volumes?: string[];
  extra_hosts?: string[];
  deploy?: { replicas?: number };
}
const compose = parse(composeText, { merge: true }) as { services: Record<string, ComposeService> };

function envOf(service: ComposeService): Record<string, string> {
  const env = service.environment ?? {};
  if (!Array.isArray(env)) return env;
  return Object.fromEntries(env.map((entry) => [entry.split('=')[0]!, entry.slice(entry.indexOf('=') + 1)]));
}

describe('docker-compose.yml matches the native rig topology', () => {
  it('has exactly the rig’s worker services (roles, replicas) and infrastructure, nothing else', () => {
    const expected = [
      ...WORKER_SERVICES.map((s) => s.service),
      INFRASTRUCTURE.postgresql.service,
      INFRASTRUCTURE.temporal.service,
      INFRASTRUCTURE.ui.service,
      ...INFRASTRUCTURE.setupJobs,
    ].sort();
    expect(Object.keys(compose.services).sort()).toEqual(expected);
    for (const worker of WORKER_SERVICES) {
      const service = compose.services[worker.service]!;
      expect({ service: worker.service, command: service.command }).toEqual({ service: worker.service, command: workerArgs(worker) });
      expect({ service: worker.service, replicas: service.deploy?.replicas ?? 1 }).toEqual({ service: worker.service, replicas: worker.replicas });
    }
  });

  it('the worker services poll all four task queues of one TEMPORAL_TASK_QUEUE between them, the orchestrator queue exactly once', () => {
    const bases = new Set(WORKER_SERVICES.map((w) => envOf(compose.services[w.service]!).TEMPORAL_TASK_QUEUE));
    expect(bases.size).toBe(1);
    const base = [...bases][0]!;
    const polled = WORKER_SERVICES.flatMap((w) => queuesOf(w, base).map((queue) => ({ queue, replicas: compose.services[w.service]!.deploy?.replicas ?? 1 })));
    expect(polled.map((p) => p.queue).sort()).toEqual(Object.values(taskQueuesFor(base)).sort());
    // One orchestrator (its state file), one workflow/backend-activity poller; the Codex queues scale.
    expect(polled.filter((p) => p.queue === taskQueuesFor(base).orchestrator)).toEqual([{ queue: taskQueuesFor(base).orchestrator, replicas: 1 }]);
  });

  it('every worker gets the Temporal connection and its own settings; Codex workers get the Codex home read-only and the host gateway', () => {
    for (const worker of WORKER_SERVICES) {
      const service = compose.services[worker.service]!;
      const env = envOf(service);
      const missing = [...TEMPORAL_CONNECTION_ENV, ...worker.env].filter((name) => !(name in env));
      expect({ service: worker.service, missing }).toEqual({ service: worker.service, missing: [] });
      expect(env.BACKEND_BASE_URL).toContain('host.docker.internal');
      expect(service.extra_hosts).toContain('host.docker.internal:host-gateway');
      const codexMount = (service.volumes ?? []).find((v) => v.includes(':/codex-seed'));
      if (worker.runsCodex) expect(codexMount).toMatch(/:\/codex-seed:ro$/);
      else expect(codexMount).toBeUndefined();
    }
    expect(envOf(compose.services['codex-worker']!).CODEX_HOME).toBe('/home/node/.codex');
  });

  it('runs the server, schema and UI versions the rig builds, with our search attributes', () => {
    expect(compose.services[INFRASTRUCTURE.temporal.service]!.image).toBe(`temporalio/server:${INFRASTRUCTURE.temporal.version}`);
    expect(compose.services[INFRASTRUCTURE.ui.service]!.image).toBe(`temporalio/ui:${INFRASTRUCTURE.ui.version}`);
    expect(compose.services[INFRASTRUCTURE.postgresql.service]!.image).toBe(`postgres:${INFRASTRUCTURE.postgresql.major}`);
    for (const job of INFRASTRUCTURE.setupJobs) expect(compose.services[job]!.image).toBe(`temporalio/admin-tools:${INFRASTRUCTURE.temporal.version}`);
    expect(envOf(compose.services.temporal!).DB).toBe(INFRASTRUCTURE.temporal.sqlPlugin);
    const init = (compose.services['temporal-init']!.command ?? []).join('\n');
    for (const attribute of DEV_SERVER_SEARCH_ATTRIBUTES) expect(init).toContain(attribute);
    const schema = (compose.services['temporal-schema']!.command ?? []).join('\n');
    for (const db of INFRASTRUCTURE.temporal.databases) expect(schema).toContain(db);
  });

  it('the image has git, runs the entrypoint that copies the read-only Codex auth, and is built for both worker services', () => {
    expect(dockerfile).toMatch(/apt-get install[^\n]*\bgit\b/);
    expect(dockerfile).toContain('scripts/cluster/docker-entrypoint.sh');
    const entrypoint = readFileSync(join(ROOT, 'scripts', 'cluster', 'docker-entrypoint.sh'), 'utf8');
    expect(entrypoint).toContain('/codex-seed');
    for (const worker of WORKER_SERVICES) expect(compose.services[worker.service]!.build).toBe('.');
  });

  it('`docker-compose config` accepts the file (Docker Compose built by npm run setup; no engine needed)', () => {
    // setup builds Compose into the cache (scripts/cluster/build-server.sh); a `docker compose` plugin also does.
    const cached = join(cacheRoot(), `docker-compose-${COMPOSE_VERSION}`, 'bin', 'docker-compose');
    const [cmd, pre]: [string, string[]] = existsSync(cached) ? [cached, []] : ['docker', ['compose']];
    const config = spawnSync(cmd, [...pre, '-f', join(ROOT, 'docker-compose.yml'), 'config', '--quiet'], { encoding: 'utf8', cwd: ROOT });
    if (config.error) throw new Error(`no Docker Compose: ${cached} is missing (run npm run setup) and \`docker compose\` failed: ${config.error.message}`);
    expect({ status: config.status, stderr: config.stderr }).toEqual({ status: 0, stderr: '' });
  });
});
