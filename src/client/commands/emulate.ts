import type { Command } from 'commander';
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const ENTRY_POINTS: Record<string, string> = {
  backend: join('emulators', 'backend', 'main.ts'),
  orchestrator: join('emulators', 'orchestrator', 'cli.ts'),
  agent: join('emulators', 'agent', 'main.ts'),
  model: join('emulators', 'model', 'main.ts'),
};

/** Runs an emulator in a child Node process (they are test fixtures, never loaded into product code). */
export function registerEmulateCommand(program: Command): void {
  program
    .command('emulate')
    .description('Run a local stand-in: backend (HTTP :4000), orchestrator (CLI), agent (Codex MCP server), model (Responses API).')
    .argument('<emulator>', Object.keys(ENTRY_POINTS).join('|'))
    .argument('[args...]', 'arguments for the emulator (see its --help)')
    .allowUnknownOption()
    .helpOption(false)
    .action(async (emulator: string, args: string[]) => {
      if (emulator === '--help' || emulator === '-h' || emulator === 'help') {
        process.stdout.write(
          `${program.commands.find((c) => c.name() === 'emulate')!.helpInformation()}\nEach emulator has its own --help: sprint-runner emulate backend --help\n`,
        );
        return;
      }
      const entry = ENTRY_POINTS[emulator];
      if (!entry) {
        process.stderr.write(`unknown emulator "${emulator}"; choose one of ${Object.keys(ENTRY_POINTS).join(', ')}\n`);
        process.exitCode = 2;
        return;
      }
      const root = join(__dirname, '..', '..', '..');
      const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), join(root, entry), ...args], { stdio: 'inherit' });
      const forward = (signal: NodeJS.Signals) => child.kill(signal);
      process.on('SIGINT', forward);
      process.on('SIGTERM', forward);
      process.exitCode = await new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
    });
}
