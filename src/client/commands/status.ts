import type { Command } from 'commander';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { sprintStatusQuery, sprintWorkflowId } from '../../workflows/sprint/messages';
import { itemStatusQuery, type ItemStatus } from '../../workflows/item/messages';
import { withClient, withConnectionFlags } from '../connect';
import { loadConfigOrReport } from './config';
import { parseStrictInt, requireSprintName, withUsageErrors } from '../cli-args';

/** An item workflow the sprint has that did not answer its status query, and why. */
export interface UnavailableItem {
  workflowId: string;
  issueNumber: number | null;
  error: string;
}

/** How long one item may take to answer `itemStatus` (a wedged workflow never answers). */
const ITEM_QUERY_DEADLINE_MS = 10_000;
const QUERY_CONCURRENCY = 16;

/**
 * Every item workflow of a sprint, found by visibility query and asked for its status; the ones
 * that could not answer are returned with the reason instead of being left out.
 */
export async function sprintItems(client: Client, sprint: string): Promise<{ items: ItemStatus[]; unavailable: UnavailableItem[] }> {
  const query = `Sprint = "${sprint.replace(/"/g, '')}" AND IssueNumber IS NOT NULL AND ExecutionStatus = "Running"`;
  const executions: Array<{ workflowId: string; issueNumber: number | null }> = [];
  for await (const execution of client.workflow.list({ query })) {
    const issue = execution.searchAttributes?.IssueNumber?.[0];
    executions.push({ workflowId: execution.workflowId, issueNumber: typeof issue === 'number' ? issue : null });
  }
  const items: ItemStatus[] = [];
  const unavailable: UnavailableItem[] = [];
  for (let start = 0; start < executions.length; start += QUERY_CONCURRENCY) {
    await Promise.all(
      executions.slice(start, start + QUERY_CONCURRENCY).map(async (execution) => {
        try {
          items.push(await client.withDeadline(Date.now() + ITEM_QUERY_DEADLINE_MS, () => client.workflow.getHandle(execution.workflowId).query(itemStatusQuery)));
        } catch (err) {
          unavailable.push({ ...execution, error: (err as Error).message.split('\n')[0] ?? String(err) });
        }
      }),
    );
  }
  items.sort((a, b) => a.issueNumber - b.issueNumber);
  unavailable.sort((a, b) => (a.issueNumber ?? 0) - (b.issueNumber ?? 0) || a.workflowId.localeCompare(b.workflowId));
  return { items, unavailable };
}

/** The sprint workflow's phase (running, awaiting-humans, closed), or why it is not known. */
async function sprintPhase(client: Client, sprint: string): Promise<string> {
  const handle = client.workflow.getHandle(sprintWorkflowId(sprint));
  try {
    const { status } = await handle.describe();
    if (status.name !== 'RUNNING') return `workflow ${status.name.toLowerCase()}`;
    return (await client.withDeadline(Date.now() + ITEM_QUERY_DEADLINE_MS, () => handle.query(sprintStatusQuery))).phase;
  } catch (err) {
    return err instanceof WorkflowNotFoundError ? 'no sprint workflow' : `phase unknown: ${(err as Error).message.split('\n')[0]}`;
  }
}

export function formatItemTable(items: ItemStatus[]): string {
  const rows = [['ISSUE', 'TITLE', 'BOARD STATUS', 'CURRENT RUN', 'NEXT TIMER']];
  for (const item of items) {
    rows.push([
      `#${item.issueNumber}`,
      // Titles come only from the sprint plan (src/domain/plan-titles.ts); an item without one shows '-'.
      item.title ? item.title.slice(0, 40) : '-',
      item.boardStatus ?? '?',
      item.currentRun ? `${item.currentRun.role} ${item.currentRun.runId.slice(0, 8)}` : item.queuedIntents.length ? `${item.queuedIntents.length} queued` : '-',
      item.pendingTimer ? `${item.pendingTimer.summary} (due ${item.pendingTimer.dueAt.slice(11, 19)})` : '-',
    ]);
  }
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => row[col]!.length)));
  return rows
    .map((row) =>
      row
        .map((cell, col) => cell.padEnd(widths[col]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function registerStatusCommand(program: Command): void {
  withConnectionFlags(program.command('status'))
    .description('Show every item of a sprint: board status, current run, next timer.')
    .option('--sprint <sprint>', 'sprint (default ORCHESTRATOR_SPRINT)')
    .option('--json', 'machine-readable output')
    .option('--watch [seconds]', 'refresh every N seconds (1..3600, default 2)')
    .action(
      withUsageErrors(async (options: { sprint?: string; json?: boolean; watch?: string | boolean }) => {
        const config = loadConfigOrReport();
        if (!config) return;
        const sprint = options.sprint ?? config.sprint;
        if (!sprint) {
          process.stderr.write('sprint is required: pass --sprint M1 or set ORCHESTRATOR_SPRINT\n');
          process.exitCode = 2;
          return;
        }
        requireSprintName(sprint);
        const intervalS =
          options.watch === undefined
            ? 0
            : typeof options.watch === 'string'
              ? parseStrictInt(options.watch, '--watch', { min: 1, max: 3600, what: 'a whole number of seconds from 1 to 3600' })
              : 2;
        // Clear-screen codes only for a terminal; piped output gets one snapshot after another.
        const clear = intervalS && process.stdout.isTTY ? '\u001b[2J\u001b[H' : '';
        await withClient(config, async (client) => {
          for (;;) {
            const [{ items, unavailable }, phase] = await Promise.all([sprintItems(client, sprint), sprintPhase(client, sprint)]);
            const text = options.json
              ? JSON.stringify({ sprint, phase, items, unavailable }, null, 2)
              : `sprint ${sprint} (${phase}): ${items.length} items${unavailable.length ? `, ${unavailable.length} could not be queried` : ''}\n${formatItemTable(items)}`;
            process.stdout.write(`${clear}${text}\n`);
            for (const item of unavailable) {
              process.stderr.write(`could not query ${item.issueNumber === null ? '' : `#${item.issueNumber} `}(${item.workflowId}): ${item.error}\n`);
            }
            // Non-zero while any item cannot answer: the table above is incomplete.
            process.exitCode = unavailable.length ? 1 : 0;
            if (!intervalS) return;
            await new Promise((resolve) => setTimeout(resolve, intervalS * 1000));
          }
        });
      }),
    );
}
