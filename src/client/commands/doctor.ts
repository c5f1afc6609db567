import type { Command } from 'commander';
import { formatCheck, runDoctor } from '../doctor';
import { loadConfigOrReport } from './config';
import { withConnectionFlags } from '../connect';

export function registerDoctorCommand(program: Command): void {
  withConnectionFlags(program.command('doctor'))
    .description('Check what a real run needs (Temporal server and CLI, Codex + its GitHub MCP servers, backend preflight).')
    .action(async () => {
      const config = loadConfigOrReport();
      if (!config) return;
      const results = await runDoctor(config);
      for (const result of results) process.stdout.write(`${formatCheck(result)}\n`);
      process.exitCode = results.every((result) => result.ok) ? 0 : 1;
    });
}
