/**
 * `sprint-runner pause|resume|stop|tick --sprint M1` — the sprint workflow's control signals, with
 * the sprint's state afterwards so the operator sees the effect.
 */
import type { Command } from 'commander';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { SignalDefinition } from '@temporalio/workflow';
import { pauseSignal, resumeSignal, sprintStatusQuery, sprintWorkflowId, stopSignal, tickSignal } from '../../workflows/sprint/messages';
import { withClient, withConnectionFlags } from '../connect';
import { loadConfigOrReport } from './config';
import { requireSprintName, withUsageErrors } from '../cli-args';

const CONTROLS: Array<{ name: string; signal: SignalDefinition; description: string }> = [
  { name: 'pause', signal: pauseSignal, description: 'Pause a sprint: no new orchestrator ticks; runs in flight and item timers go on.' },
  { name: 'resume', signal: resumeSignal, description: 'Resume a paused sprint.' },
  { name: 'stop', signal: stopSignal, description: 'Stop a sprint: no new runs; it ends once the runs in flight finish.' },
  { name: 'tick', signal: tickSignal, description: 'Run an orchestrator tick now instead of waiting for the timer.' },
];

export function registerControlCommands(program: Command): void {
  for (const control of CONTROLS) {
    withConnectionFlags(program.command(control.name))
      .description(control.description)
      .requiredOption('--sprint <sprint>', 'sprint, e.g. M1')
      .action(
        withUsageErrors(async (options: { sprint: string }) => {
          const config = loadConfigOrReport();
          if (!config) return;
          requireSprintName(options.sprint);
          const workflowId = sprintWorkflowId(options.sprint);
          await withClient(config, async (client) => {
            const handle = client.workflow.getHandle(workflowId);
            try {
              const { status } = await handle.describe();
              if (status.name !== 'RUNNING') {
                process.stderr.write(`sprint ${options.sprint} is not running (${workflowId} is ${status.name.toLowerCase()}); nothing to ${control.name}\n`);
                process.exitCode = 1;
                return;
              }
              await handle.signal(control.signal);
              const state = await handle.query(sprintStatusQuery);
              process.stdout.write(`${control.name}: ${workflowId} · phase=${state.phase} paused=${state.paused} stopping=${state.stopping} ticks=${state.ticks}\n`);
            } catch (err) {
              if (!(err instanceof WorkflowNotFoundError)) throw err;
              process.stderr.write(`no workflow ${workflowId}: start the sprint with \`sprint-runner run --sprint ${options.sprint}\`\n`);
              process.exitCode = 1;
            }
          });
        }),
      );
  }
}
