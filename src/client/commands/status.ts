import type { Command } from 'commander';
import type { Client } from '@temporalio/client';
import { itemStatusQuery, type ItemStatus } from '../../workflows/item/messages';
import { withClient } from '../connect';
import { loadConfigOrReport } from './config';

/** Every item workflow of a sprint, found by visibility query and asked for its status. */
export async function sprintItems(client: Client, sprint: string): Promise<ItemStatus[]> {
  const items: ItemStatus[] = [];
  const query = `Sprint = "${sprint.replace(/"/g, '')}" AND IssueNumber IS NOT NULL AND ExecutionStatus = "Running"`;
  for await (const execution of client.workflow.list({ query })) {
    try {
      items.push(await client.workflow.getHandle(execution.workflowId).query(itemStatusQuery));
    } catch {
      // Closed between listing and query: skip.
    }
  }
  return items.sort((a, b) => a.issueNumber - b.issueNumber);
}

export function formatItemTable(items: ItemStatus[]): string {
  const rows = [['ISSUE', 'TITLE', 'BOARD STATUS', 'CURRENT RUN', 'NEXT TIMER']];
  for (const item of items) {
    rows.push([
      `#${item.issueNumber}`,
      (item.title ?? '').slice(0, 40),
      item.boardStatus ?? '?',
      item.currentRun ? `${item.currentRun.role} ${item.currentRun.runId.slice(0, 8)}` : item.queuedIntents.length ? `${item.queuedIntents.length} queued` : '-',
      item.pendingTimer ? `${item.pendingTimer.summary} (due ${item.pendingTimer.dueAt.slice(11, 19)})` : '-',
    ]);
  }
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => row[col]!.length)));
  return rows.map((row) => row.map((cell, col) => cell.padEnd(widths[col]!)).join('  ').trimEnd()).join('\n');
}

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('Show every item of a sprint: board status, current run, next timer.')
    .option('--sprint <sprint>', 'sprint (default ORCHESTRATOR_SPRINT)')
    .option('--json', 'machine-readable output')
    .option('--watch [seconds]', 'refresh continuously')
    .action(async (options: { sprint?: string; json?: boolean; watch?: string | boolean }) => {
      const config = loadConfigOrReport();
      if (!config) return;
      const sprint = options.sprint ?? config.sprint;
      if (!sprint) {
        process.stderr.write('sprint is required: pass --sprint M1 or set ORCHESTRATOR_SPRINT\n');
        process.exitCode = 2;
        return;
      }
      const intervalS = options.watch === undefined ? 0 : Number(options.watch === true ? 2 : options.watch);
      await withClient(config, async (client) => {
        for (;;) {
          const items = await sprintItems(client, sprint);
          const text = options.json ? JSON.stringify({ sprint, items }, null, 2) : `sprint ${sprint}: ${items.length} items\n${formatItemTable(items)}`;
          process.stdout.write(`${intervalS ? '\u001b[2J\u001b[H' : ''}${text}\n`);
          if (!intervalS) return;
          await new Promise((resolve) => setTimeout(resolve, intervalS * 1000));
        }
      });
    });
}
