/**
 * `sprint-runner doctor`: one line per check of what a real run needs, with the fix when it fails.
 */
import type { Connection } from '@temporalio/client';
import { connectClient, resolveConnectionSettings } from '../temporal/connection';
import type { RunnerConfig } from '../config';
import { codexChecks } from './doctor-codex';
import { resolveTemporalCli, temporalCliVersion } from '../temporal/dev-server';
import { Client } from '@temporalio/client';
import { describeDeployment, resolveBuildId } from '../temporal/deployment';

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

async function checkTemporalServer(config: RunnerConfig): Promise<CheckResult> {
  const name = 'temporal server';
  try {
    const settings = resolveConnectionSettings(config);
    const connection = await connectClient(settings, '3s');
    try {
      const info = await connection.workflowService.getSystemInfo({});
      return { name, ok: true, detail: `reachable at ${settings.address} (${settings.security}; server ${info.serverVersion || 'unknown'})` };
    } finally {
      await connection.close();
    }
  } catch (err) {
    return {
      name,
      ok: false,
      detail: `not reachable at ${config.temporalAddress}: ${(err as Error).message.split('\n')[0]}`,
      fix: 'start one with `npx sprint-runner dev-server`, or set TEMPORAL_ADDRESS',
    };
  }
}

/**
 * The Worker Deployment's routing (docs/upgrading.md): which build gets the tasks, next to this code's
 * build id. Informational, except an unversioned worker (RUNNER_WORKER_VERSIONING=false) on a
 * deployment with a current version: it would never receive a task.
 */
async function checkWorkerDeployment(config: RunnerConfig): Promise<CheckResult> {
  const name = 'worker deployment';
  const thisBuild = config.workerVersioning ? resolveBuildId(config) : null;
  let connection: Connection | null = null;
  try {
    connection = await connectClient(resolveConnectionSettings(config), '3s');
    const client = new Client({ connection, namespace: config.temporalNamespace });
    const routing = await describeDeployment(client, config.deploymentName);
    const self = thisBuild ? `; this code's build id ${thisBuild}` : '; this worker is unversioned (RUNNER_WORKER_VERSIONING=false)';
    if (!routing.exists) {
      return { name, ok: true, detail: `${config.deploymentName}: no versioned worker has polled yet (the first \`sprint-runner worker\` becomes current)${self}` };
    }
    const ramping = routing.rampingBuildId ? `, ramping ${routing.rampingBuildId} at ${routing.rampingPercentage}%` : '';
    const current = routing.currentBuildId ? `current version ${routing.currentBuildId}` : 'current version: unversioned workers';
    const known = routing.versions.map((v) => `${v.buildId} (${v.status})`).join(', ');
    if (!thisBuild && (routing.currentBuildId || routing.rampingBuildId)) {
      return {
        name,
        ok: false,
        detail: `${config.deploymentName}: ${current}${ramping}${self}`,
        fix: 'unversioned workers get no tasks while a version is current: unset RUNNER_WORKER_VERSIONING=false',
      };
    }
    return { name, ok: true, detail: `${config.deploymentName}: ${current}${ramping}${self}${known ? `; versions: ${known}` : ''}` };
  } catch (err) {
    return {
      name,
      ok: false,
      detail: `${config.deploymentName}: unavailable (${(err as Error).message.split('\n')[0]})`,
      fix: 'needs a reachable Temporal server ≥ 1.27 with Worker Deployments (the dev server of Temporal CLI 1.5.1 has them)',
    };
  } finally {
    await connection?.close();
  }
}

function checkTemporalCli(env: NodeJS.ProcessEnv): CheckResult {
  const name = 'temporal cli';
  try {
    const bin = resolveTemporalCli(env);
    const version = temporalCliVersion(bin);
    return version ? { name, ok: true, detail: `${version} (${bin})` } : { name, ok: false, detail: `${bin} does not run`, fix: 'rebuild it with `npm run setup`' };
  } catch (err) {
    return { name, ok: false, detail: (err as Error).message, fix: 'run `npm run setup`, or set TEMPORAL_CLI_PATH' };
  }
}

async function checkBackend(config: RunnerConfig): Promise<CheckResult> {
  const name = 'backend preflight';
  const url = `${config.backendBaseUrl}/internal/preflight?role=ORCHESTRATOR`;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(Math.min(config.backendTimeoutS, 10) * 1000) });
    const body = (await response.json().catch(() => ({}))) as { status?: string; errors?: unknown[] };
    if (response.ok && body.status === 'PASS') return { name, ok: true, detail: `PASS at ${config.backendBaseUrl}` };
    return {
      name,
      ok: false,
      detail: `HTTP ${response.status}, status ${body.status ?? 'missing'}: ${JSON.stringify(body.errors ?? []).slice(0, 300)}`,
      fix: 'fix the errors the backend lists (project schema, issue template, target identity)',
    };
  } catch (err) {
    return { name, ok: false, detail: `${url} unreachable: ${(err as Error).message}`, fix: 'start the backend (`pnpm dev`) or set BACKEND_BASE_URL' };
  }
}

export async function runDoctor(config: RunnerConfig, env: NodeJS.ProcessEnv = process.env): Promise<CheckResult[]> {
  return [await checkTemporalServer(config), await checkWorkerDeployment(config), checkTemporalCli(env), ...codexChecks(config, env), await checkBackend(config)];
}

export function formatCheck(result: CheckResult): string {
  return `${result.ok ? 'ok  ' : 'FAIL'} ${result.name}: ${result.detail}${result.ok || !result.fix ? '' : `\n     fix: ${result.fix}`}`;
}
