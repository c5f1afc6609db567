/**
 * `node -r tsx/cjs emulators/backend/main.ts [--port 4000] [--host 127.0.0.1] [--items file] [--persist file]`
 * Prints one EMULATOR_READY JSON line on stdout once listening; SIGINT/SIGTERM close it cleanly.
 */
import { Command } from 'commander';
import { type BackendEnv, startBackendEmulator } from './index';

const BACKEND_ENV_KEYS = [
  'EXECUTOR_CLAIM_TTL_MINUTES',
  'ORCHESTRATOR_STATE_PATH',
  'TARGET_OWNER_LOGIN',
  'TARGET_OWNER_TYPE',
  'TARGET_REPO_NAME',
  'TARGET_PROJECT_NAME',
  'TARGET_TEMPLATE_PATH',
  'TARGET_REF',
];

async function main(): Promise<void> {
  const program = new Command('backend-emulator')
    .description('Emulated agent-dashboard backend (apps/api @ 45fae0b) with an in-memory GitHub board and an /__admin API.')
    .option('--port <port>', 'port to listen on (0 = any free port)', '4000')
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--items <file>', 'seed board: an items array as listProjectItems() returns it, or {items, issues, prs}')
    .option('--persist <file>', 'board file: loaded on start if present, saved after every change')
    .option('--policy-dir <dir>', 'policy bundle directory (default: the bundled one)')
    .option('--log', 'enable Fastify request logging (stderr)', false)
    .parse(process.argv);
  const opts = program.opts<{ port: string; host: string; items?: string; persist?: string; policyDir?: string; log: boolean }>();

  const port = Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`--port must be an integer 0..65535, got "${opts.port}"\n`);
    process.exitCode = 2;
    return;
  }
  const env: BackendEnv = {};
  for (const key of BACKEND_ENV_KEYS) if (process.env[key] !== undefined) env[key] = process.env[key];

  const emulator = await startBackendEmulator({
    port,
    host: opts.host,
    itemsFile: opts.items,
    persistPath: opts.persist,
    policyDir: opts.policyDir,
    env,
    logger: opts.log,
  });
  process.stdout.write(`${JSON.stringify({ type: 'EMULATOR_READY', emulator: 'backend', url: emulator.url, port: emulator.port })}\n`);

  let closing = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    emulator.close().then(
      () => process.stderr.write(`backend emulator stopped (${signal})\n`),
      (err: Error) => {
        process.stderr.write(`backend emulator close failed: ${err.message}\n`);
        process.exitCode = 1;
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((err: Error) => {
  process.stderr.write(`backend emulator failed to start: ${err.message}\n`);
  process.exitCode = 1;
});
