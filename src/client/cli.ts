/**
 * `sprint-runner` — the operator CLI. Every command has --help; errors say what to do.
 */
import { Command, CommanderError } from 'commander';
import { packageVersion } from '../temporal/deployment';
import { shutdownTracing } from '../telemetry/tracing';
import { registerConfigCommand } from './commands/config';
import { registerDevServerCommand } from './commands/dev-server';
import { registerWorkerCommand } from './commands/worker';
import { registerEmulateCommand } from './commands/emulate';
import { registerDoctorCommand } from './commands/doctor';
import { registerReworkCommand } from './commands/rework';
import { registerStatusCommand } from './commands/status';
import { registerRunCommand } from './commands/run';
import { registerControlCommands } from './commands/control';
import { registerCloseCommand } from './commands/close';

export function buildProgram(): Command {
  const program = new Command('sprint-runner')
    .description('Durable autonomous coding-agent sprints on Temporal (agent-dashboard runner).')
    .version(packageVersion(), '-V, --version', 'print the sprint-runner version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerConfigCommand(program);
  registerDoctorCommand(program);
  registerWorkerCommand(program);
  registerDevServerCommand(program);
  registerEmulateCommand(program);
  registerRunCommand(program);
  registerStatusCommand(program);
  registerReworkCommand(program);
  registerControlCommands(program);
  registerCloseCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    process.stderr.write(`sprint-runner: ${(err as Error).message}\n`);
    return 1;
  } finally {
    // The spans of this command (OTEL_EXPORTER_OTLP_* set) leave before the process ends.
    await shutdownTracing();
  }
}

if (require.main === module || process.argv[1]?.endsWith('sprint-runner.js') || process.argv[1]?.endsWith('sprint-runner')) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
