/**
 * Temporal client connection for CLI commands: profile + TEMPORAL_* env (src/temporal/connection.ts),
 * the `--profile` / `--config-file` flags of every command that connects, and the tracing client
 * interceptor when OpenTelemetry tracing is configured (src/telemetry/tracing.ts).
 */
import { Client } from '@temporalio/client';
import type { Command } from 'commander';
import type { RunnerConfig } from '../config';
import { connectClient, resolveConnectionSettings } from '../temporal/connection';
import { tracingClientInterceptors } from '../telemetry/tracing';

export async function withClient<T>(config: RunnerConfig, fn: (client: Client) => Promise<T>): Promise<T> {
  const settings = resolveConnectionSettings(config);
  const connection = await connectClient(settings);
  try {
    return await fn(new Client({ connection, namespace: settings.namespace, interceptors: tracingClientInterceptors() }));
  } finally {
    await connection.close();
  }
}

/**
 * `--profile NAME` and `--config-file PATH` on a command that connects to Temporal: the same as
 * TEMPORAL_PROFILE / TEMPORAL_CONFIG_FILE (they set them before the action runs, so the worker, the
 * client, `doctor` and the `temporal` CLI it runs all read the same profile); a flag wins over the variable.
 */
export function withConnectionFlags(command: Command): Command {
  return command
    .option('--profile <name>', 'Temporal connection profile of the config file (same as TEMPORAL_PROFILE; docs/cluster.md)')
    .option('--config-file <path>', "Temporal config file with the profiles (same as TEMPORAL_CONFIG_FILE; default: the temporal CLI's temporal.toml)")
    .hook('preAction', (action) => {
      const { profile, configFile } = action.opts<{ profile?: string; configFile?: string }>();
      for (const [flag, value, variable] of [
        ['--profile', profile, 'TEMPORAL_PROFILE'],
        ['--config-file', configFile, 'TEMPORAL_CONFIG_FILE'],
      ] as const) {
        if (value === undefined) continue;
        // Exit 2 with the message, like every other usage error.
        if (!value.trim()) action.error(`${flag} needs a value`, { exitCode: 2, code: 'sprint-runner.usage' });
        process.env[variable] = value.trim();
      }
    });
}
