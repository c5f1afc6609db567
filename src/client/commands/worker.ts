import type { Command } from 'commander';
import { loadConfigOrReport } from './config';
import { withConnectionFlags } from '../connect';
import { parseWorkerRoles, withUsageErrors } from '../cli-args';

export function registerWorkerCommand(program: Command): void {
  withConnectionFlags(program.command('worker'))
    .description(
      'Run a worker: workflows + activities on TEMPORAL_TASK_QUEUE, as Worker Deployment Version ' +
        'RUNNER_DEPLOYMENT_NAME.<build id> (docs/upgrading.md; Ctrl-C/SIGTERM shuts down within RUNNER_SHUTDOWN_GRACE_S).',
    )
    .option('--set-current', "make this build the deployment's current version once it polls (single-host deploys)")
    .option(
      '--roles <list>',
      'task queues this process serves, any of main,orchestrator,executor,reviewer (default: all). ' +
        'main = workflows, board writes, routing; orchestrator = the orchestrator process; executor/reviewer = Codex runs',
    )
    .action(
      withUsageErrors(async (options: { setCurrent?: boolean; roles?: string }) => {
        const roles = options.roles === undefined ? undefined : parseWorkerRoles(options.roles);
        const config = loadConfigOrReport();
        if (!config) return;
        const { runWorkerProcess } = require('../../worker') as typeof import('../../worker');
        await runWorkerProcess(config, { setCurrent: options.setCurrent ?? false, roles });
      }),
    );
}
