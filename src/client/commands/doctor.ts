import type { Command } from 'commander';
export function registerDoctorCommand(program: Command): void {
  program.command('doctor').description('Check what a real run needs').action(() => {});
}
