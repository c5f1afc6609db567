/**
 * `sprint-runner close --sprint M1 [--reason …]` — closes a sprint through its validated `close`
 * update: no new runs, runs in flight finish, then every item workflow ends. Prints what was closed;
 * a refusal (already closing, not running) exits 1 with the reason.
 */
import type { Command } from 'commander';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { SprintCloseSchema, describeIssues } from '../../contracts/messages';
import { closeUpdate, sprintWorkflowId } from '../../workflows/sprint/messages';
import { withClient, withConnectionFlags } from '../connect';
import { loadConfigOrReport } from './config';
import { requireSprintName, withUsageErrors } from '../cli-args';

export function registerCloseCommand(program: Command): void {
  withConnectionFlags(program.command('close'))
    .description('Close a sprint: no new runs; runs in flight finish; then every item workflow of the sprint ends.')
    .requiredOption('--sprint <sprint>', 'sprint, e.g. M1')
    .option('--reason <text>', 'why the sprint is closed (kept in its result)', 'closed by an operator')
    .action(
      withUsageErrors(async (options: { sprint: string; reason: string }) => {
        const config = loadConfigOrReport();
        if (!config) return;
        requireSprintName(options.sprint);
        const request = { reason: options.reason };
        const parsed = SprintCloseSchema.safeParse(request);
        if (!parsed.success) {
          process.stderr.write(`${describeIssues(parsed.error)}\n`);
          process.exitCode = 2;
          return;
        }
        const workflowId = sprintWorkflowId(options.sprint);
        await withClient(config, async (client) => {
          try {
            const outcome = await client.workflow.getHandle(workflowId).executeUpdate(closeUpdate, { args: [parsed.data] });
            process.stdout.write(`closed: ${workflowId} (${outcome.reason}); ${outcome.itemsEnded} item workflow(s) ended\n`);
          } catch (err) {
            if (err instanceof WorkflowUpdateFailedError) {
              process.stderr.write(`close refused for sprint ${options.sprint}: ${err.cause?.message ?? err.message}\n`);
            } else if (err instanceof WorkflowNotFoundError) {
              process.stderr.write(`no running workflow ${workflowId}: the sprint is not running (it may be closed already)\n`);
            } else throw err;
            process.exitCode = 1;
          }
        });
      }),
    );
}
