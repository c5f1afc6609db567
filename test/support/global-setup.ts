/**
 * One real Temporal dev server (the CLI built by `npm run setup`) for the whole jest run, headless
 * on a random free port; tests connect through TEMPORAL_TEST_ADDRESS and use unique task queues.
 * The workflow bundle is built once here and shared by every test worker.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { startDevServer, resolveTemporalCli, temporalCliVersion } from '../../src/temporal/dev-server';
import { TEST_NAMESPACES } from './temporal';
import { withoutSourcesContent, workflowBundleOptions } from '../../src/workflow-bundle';

export default async function globalSetup(): Promise<void> {
  const bin = resolveTemporalCli();
  const startedAt = Date.now();
  const server = await startDevServer({ logLevel: 'error', namespaces: [...TEST_NAMESPACES] });
  (globalThis as Record<string, unknown>).__temporalDevServer = server;
  process.env.TEMPORAL_TEST_ADDRESS = server.address;
  process.env.TEMPORAL_CLI_PATH ||= bin;
  process.stdout.write(
    `\n[global-setup] real Temporal dev server started: ${temporalCliVersion(bin)} at ${server.address} ` + `(pid ${server.process.pid}, ${Date.now() - startedAt} ms)\n`,
  );

  const dir = join(__dirname, '..', '..', '.sprint-runner', 'test');
  mkdirSync(dir, { recursive: true });
  const bundle = await bundleWorkflowCode({
    // What the worker process bundles: tests (and the replay corpus) run the same workflow code.
    ...workflowBundleOptions(),
    logger: { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} } as never,
  });
  const bundlePath = join(dir, 'workflow-bundle.js');
  writeFileSync(bundlePath, withoutSourcesContent(bundle.code));
  process.env.TEMPORAL_TEST_WORKFLOW_BUNDLE = bundlePath;
}
