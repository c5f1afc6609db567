import type { DevServer } from '../../src/temporal/dev-server';

/**
 * How long the jest process may stay up after the run. Not a `forceExit`: the suites checked with
 * `--detectOpenHandles` (unit, replay, smoke, sprint workflow) leave no handle behind and jest exits
 * by itself; the guard only keeps a future leak (a child process or socket a test forgot) from
 * hanging CI, and says so. Jest sets the failure exit code in its own `exit` handler.
 */
const EXIT_GUARD_MS = 15_000;

export default async function globalTeardown(): Promise<void> {
  const server = (globalThis as Record<string, unknown>).__temporalDevServer as DevServer | undefined;
  await server?.stop();
  if (process.argv.includes('--detectOpenHandles')) return;
  setTimeout(() => {
    process.stderr.write(
      `[global-teardown] jest was still running ${EXIT_GUARD_MS / 1000} s after the run: something left a handle open ` +
        '(run the suite alone with --detectOpenHandles to name it); exiting\n',
    );
    process.exit();
  }, EXIT_GUARD_MS).unref();
}
