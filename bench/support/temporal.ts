/**
 * The bench's Temporal side: one Runtime for the bench process (Prometheus metrics on a free
 * port, so in-process workers report sticky-cache figures), the workflow bundle built once, and a
 * fresh headless dev server (in-memory) per benchmark so one benchmark's leftovers never load the next.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { freePort, startDevServer, type DevServer } from '../../src/temporal/dev-server';
import { freshPrebuiltWorkflowBundle, workflowBundleOptions } from '../../src/workflow-bundle';

export const ROOT = join(__dirname, '..', '..');

let metricsAddress: string | null = null;
let bundlePath: string | null = null;

/** Installs the bench process's Temporal runtime once; returns the Prometheus address. */
export async function installRuntime(): Promise<string> {
  if (metricsAddress) return metricsAddress;
  const port = await freePort();
  metricsAddress = `127.0.0.1:${port}`;
  Runtime.install({
    logger: new DefaultLogger('ERROR'),
    telemetryOptions: { metrics: { prometheus: { bindAddress: metricsAddress } } },
  });
  return metricsAddress;
}

/**
 * The workflow bundle's file path: the prebuilt one of `npm run build` when current (what the CLI
 * worker loads), else src/workflows bundled once for the bench.
 */
export async function workflowBundle(): Promise<string> {
  if (bundlePath) return bundlePath;
  const prebuilt = freshPrebuiltWorkflowBundle();
  if (prebuilt) return (bundlePath = prebuilt);
  const dir = join(ROOT, '.sprint-runner', 'bench');
  mkdirSync(dir, { recursive: true });
  const bundle = await bundleWorkflowCode({
    ...workflowBundleOptions(),
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } as never,
  });
  bundlePath = join(dir, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);
  return bundlePath;
}

export interface BenchTemporal {
  server: DevServer;
  address: string;
  client: Client;
  nativeConnection: NativeConnection;
  close(): Promise<void>;
}

// Dev servers still running when the bench is interrupted are stopped on the way out.
const liveServers = new Set<DevServer>();
let exitHooked = false;
function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  const stopAll = () => {
    for (const server of liveServers) server.process.kill('SIGTERM');
  };
  process.once('exit', stopAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      stopAll();
      process.exit(130);
    });
  }
}

export async function startBenchTemporal(): Promise<BenchTemporal> {
  await installRuntime();
  hookExit();
  const server = await startDevServer({ logLevel: 'error' });
  liveServers.add(server);
  const connection = await Connection.connect({ address: server.address });
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  const client = new Client({ connection, namespace: 'default' });
  return {
    server,
    address: server.address,
    client,
    nativeConnection,
    async close() {
      await connection.close().catch(() => undefined);
      await nativeConnection.close().catch(() => undefined);
      await server.stop();
      liveServers.delete(server);
    },
  };
}

/** Prometheus text → {metric name with labels: value}; only `temporal_*` series. */
export async function scrapeMetrics(address: string): Promise<Record<string, number>> {
  const response = await fetch(`http://${address}/metrics`);
  const text = await response.text();
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith('temporal_')) continue;
    const space = line.lastIndexOf(' ');
    const value = Number(line.slice(space + 1));
    if (Number.isFinite(value)) out[line.slice(0, space)] = value;
  }
  return out;
}

/** Sum of every series whose name (before the labels) is `name`, optionally filtered by a label substring. */
export function metricSum(metrics: Record<string, number>, name: string, labelFilter?: string): number {
  let sum = 0;
  for (const [key, value] of Object.entries(metrics)) {
    const base = key.split('{')[0];
    if (base !== name && base !== `${name}_total`) continue;
    if (labelFilter && !key.includes(labelFilter)) continue;
    sum += value;
  }
  return sum;
}

export function metricNames(metrics: Record<string, number>): string[] {
  return [...new Set(Object.keys(metrics).map((key) => key.split('{')[0]!))].sort();
}
