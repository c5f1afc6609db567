import type { Command } from 'commander';
import { describeConfig, loadConfig } from '../../config';
import { ConfigError } from '../../domain/errors';

/** Loads the configuration or writes the old runner's CONFIG_ERROR line and returns null (exit 2). */
export function loadConfigOrReport(env: Record<string, string | undefined> = process.env) {
  try {
    return loadConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${JSON.stringify({ type: 'CONFIG_ERROR', error: err.message })}\n`);
    process.exitCode = 2;
    return null;
  }
}

export function registerConfigCommand(program: Command): void {
  program
    .command('config')
    .description('Print the resolved configuration (environment + defaults) as JSON; exit 2 on an invalid value.')
    .action(() => {
      const config = loadConfigOrReport();
      if (config) process.stdout.write(`${JSON.stringify(describeConfig(config), null, 2)}\n`);
    });
}
