import type { Command } from 'commander';
import { loadConfigOrReport } from './config';

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('Run a worker: workflows + activities on TEMPORAL_TASK_QUEUE (Ctrl-C shuts down gracefully).')
    .action(async () => {
      const config = loadConfigOrReport();
      if (!config) return;
      const { runWorkerProcess } = require('../../worker') as typeof import('../../worker');
      await runWorkerProcess(config);
    });
}
