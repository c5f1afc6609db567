import type { Command } from 'commander';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { itemWorkflowId, requestReworkUpdate, reworkPayloadProblem } from '../../workflows/item/messages';
import { parseIssueNumber, requireSprintName, withUsageErrors } from '../cli-args';
import { withClient, withConnectionFlags } from '../connect';
import { loadConfigOrReport } from './config';

export function registerReworkCommand(program: Command): void {
  withConnectionFlags(program.command('rework'))
    .description('Ask for human rework on an item awaiting approval (Needs Human Approval → In Review).')
    .requiredOption('--sprint <sprint>', 'sprint, e.g. M1')
    .requiredOption('--issue <number>', 'issue number of the item')
    .requiredOption('--reason <text>', 'what needs to change')
    .option('--step <text...>', 'requested actions (repeatable)')
    .action(
      withUsageErrors(async (options: { sprint: string; issue: string; reason: string; step?: string[] }) => {
        const config = loadConfigOrReport();
        if (!config) return;
        requireSprintName(options.sprint);
        const issue = parseIssueNumber(options.issue);
        const request = { reason: options.reason, ...(options.step ? { steps: options.step } : {}) };
        const problem = reworkPayloadProblem(request);
        if (problem) {
          process.stderr.write(`${problem}\n`);
          process.exitCode = 2;
          return;
        }
        const workflowId = itemWorkflowId(options.sprint, issue);
        await withClient(config, async (client) => {
          try {
            const result = await client.workflow.getHandle(workflowId).executeUpdate(requestReworkUpdate, { args: [request] });
            process.stdout.write(`rework requested: ${workflowId} is now ${result.status}\n`);
          } catch (err) {
            if (err instanceof WorkflowUpdateFailedError) {
              process.stderr.write(`rework rejected for #${issue}: ${err.cause?.message ?? err.message}\n`);
            } else if (err instanceof WorkflowNotFoundError) {
              process.stderr.write(
                `no running workflow ${workflowId}: is sprint ${options.sprint} running, and has its board check seen #${issue}? (\`sprint-runner status --sprint ${options.sprint}\`)\n`,
              );
            } else throw err;
            process.exitCode = 1;
          }
        });
      }),
    );
}
