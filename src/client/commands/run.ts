/**
 * `sprint-runner run` — the drop-in for `python3 -m apps.runner`: the old runner's flags and checks
 * (../../../docs/spec/runner-behaviour.md §1.1), then the sprint workflow started (or attached to) on Temporal with an
 * in-process worker, its events on stderr, and the old runner's exit codes.
 */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { Runtime } from '@temporalio/worker';
import { Client, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { createWorkers } from '../../worker';
import { sprintWorkflow } from '../../workflows/sprint/workflow';
import { sprintStatusQuery, sprintWorkflowId, type SprintInput, type SprintResult } from '../../workflows/sprint/messages';
import { applicationFailureOf } from '../../workflows/failures';
import { countRetries, type RetryCounts } from '../retries';
import { taskQueuesFor } from '../../temporal/task-queues';
import { replanWhileRunningProblem } from '../kickoff-replan';
import { loadConfigOrReport } from './config';
import { withConnectionFlags } from '../connect';
import { sprintNameProblem } from '../cli-args';
import { createSdkLogger } from '../../sdk-logger';
import { ConnectionSettingsError, connectNative, resolveConnectionSettings, TemporalUnreachableError } from '../../temporal/connection';
import { tracingClientInterceptors } from '../../telemetry/tracing';

interface RunOptions {
  dryRun?: boolean;
  once?: boolean;
  loop?: boolean;
  kickoff?: boolean;
  replan?: boolean;
  sprint?: string;
  goal?: string;
  goalFile?: string;
  readyLimit: string;
  worker: boolean;
}

function configError(message: string): null {
  process.stderr.write(`${JSON.stringify({ type: 'CONFIG_ERROR', error: message })}\n`);
  process.exitCode = 2;
  return null;
}

/** The old runner's pre-config checks and flag rules; returns the workflow input or null (exit 2 written). */
export function sprintInputFromFlags(options: RunOptions, envSprint: string | null): SprintInput | null {
  if ((options.goal !== undefined || options.goalFile !== undefined) && !options.kickoff) return configError('--goal/--goal-file requires --kickoff');
  if (options.kickoff && options.goal === undefined && options.goalFile === undefined) return configError('--kickoff requires --goal or --goal-file');
  if (options.replan && !options.kickoff) return configError('--replan requires --kickoff');
  const sprint = options.sprint !== undefined ? options.sprint.trim() : envSprint;
  if (!sprint) return configError('sprint is required');
  // The workflow input's own rule, checked before anything starts (not "Failed to start Workflow").
  const sprintProblem = sprintNameProblem(sprint);
  if (sprintProblem) return configError(sprintProblem);
  if (!/^[+-]?\d+$/.test(options.readyLimit.trim())) return configError('--ready-limit must be an integer');
  let goal: string | undefined;
  if (options.goalFile !== undefined) {
    try {
      goal = readFileSync(options.goalFile, 'utf8').trim();
    } catch (err) {
      return configError(`--goal-file ${options.goalFile} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    if (!goal) return configError(`goal file is empty: ${options.goalFile}`);
  } else if (options.goal !== undefined) {
    goal = options.goal.trim();
    if (!goal) return configError('--goal must be non-empty');
  }
  const mode = options.once ? 'once' : options.kickoff && !options.loop ? 'kickoff-only' : 'loop';
  return {
    sprint,
    mode,
    ...(goal ? { goal, readyLimit: Number(options.readyLimit) } : {}),
    ...(options.dryRun ? { dryRun: true } : {}),
    ...(options.replan ? { replan: true } : {}),
  };
}

export function registerRunCommand(program: Command): void {
  withConnectionFlags(program.command('run'))
    .description('Run a sprint (the Python runner drop-in): start or attach to its workflow, print events, exit with its code.')
    .option('--dry-run', 'no Codex for workers, no backend writes')
    .addOption(new Option('--once', 'one orchestrator tick, then wait for the runs it started').conflicts('loop'))
    .addOption(new Option('--loop', 'tick until the sprint completes (default)').conflicts('once'))
    .option('--kickoff', 'generate and apply a sprint plan first')
    .option('--replan', 'with --kickoff: plan again although the sprint was kicked off before (its issues stay as they are; a new set is created and the sprint plan replaced)')
    .option('--sprint <sprint>', 'overrides ORCHESTRATOR_SPRINT')
    .addOption(new Option('--goal <text>', 'kickoff goal text').conflicts('goalFile'))
    .option('--goal-file <path>', 'kickoff goal text file')
    .option('--ready-limit <n>', 'max dependency-free tasks promoted to Ready at kickoff (1..3)', '3')
    .option('--no-worker', 'do not run an in-process worker (use `sprint-runner worker` elsewhere)')
    .action(async (options: RunOptions) => {
      const config = loadConfigOrReport();
      if (!config) return;
      const input = sprintInputFromFlags(options, config.sprint);
      if (!input) return;
      // A sprint's deliberate stop is one compact line, not a WARN stack trace (src/sdk-logger.ts).
      Runtime.install({ logger: createSdkLogger('WARN') });
      const settings = (() => {
        try {
          return resolveConnectionSettings(config);
        } catch (err) {
          if (!(err instanceof ConnectionSettingsError)) throw err;
          return configError(err.message);
        }
      })();
      if (!settings) return;
      const connection = await connectNative(settings).catch((err: unknown) => {
        if (!(err instanceof TemporalUnreachableError)) throw err;
        process.stderr.write(`${JSON.stringify({ type: 'CONFIG_ERROR', error: err.message })}\n`);
        process.exitCode = 2;
        return null;
      });
      if (!connection) return;
      // A namespace set only in the connection profile (--profile) applies to the workers and client too.
      const workers = options.worker ? await createWorkers({ config: { ...config, temporalNamespace: settings.namespace }, connection }) : null;
      const running = workers?.run();
      try {
        const client = new Client({ connection: connection as never, namespace: settings.namespace, interceptors: tracingClientInterceptors() });
        const replanProblem = input.replan ? await replanWhileRunningProblem(client, sprintWorkflowId(input.sprint), input.sprint) : null;
        if (replanProblem) {
          process.stderr.write(`${JSON.stringify({ type: 'HARD_STOP', reason: 'kickoff_failed', code: 'kickoff_replan_while_running', exit_code: 2, error: replanProblem })}\n`);
          process.exitCode = 2;
          return;
        }
        const handle = await client.workflow.start(sprintWorkflow, {
          workflowId: sprintWorkflowId(input.sprint),
          taskQueue: taskQueuesFor(config.temporalTaskQueue).main,
          args: [input],
          workflowIdConflictPolicy: 'USE_EXISTING',
          staticSummary: `Sprint ${input.sprint} (${input.mode}${input.dryRun ? ', dry run' : ''})`,
        });
        process.stderr.write(`${JSON.stringify({ type: 'SPRINT_WORKFLOW', workflow_id: handle.workflowId, run_id: handle.firstExecutionRunId })}\n`);
        let result: RunResult | null = null;
        try {
          // Like the old runner on completion, `--loop` exits 0 once only humans can move the sprint on; the
          // workflow stays open for their reworks and closes when every item is Done or on `close`.
          result = input.mode === 'loop' ? await resultOrAwaitingHumans(handle) : await handle.result();
          process.exitCode = 0;
        } catch (err) {
          process.exitCode = exitCodeOf(err);
          process.stderr.write(`${JSON.stringify({ type: 'SPRINT_FAILED', exit_code: process.exitCode, error: failureMessage(err) })}\n`);
        }
        const retries = await retrySummary(client, handle.workflowId, result);
        if (result) process.stdout.write(`${JSON.stringify({ ...result, retries })}\n`);
      } finally {
        workers?.shutdown();
        await running;
        await connection.close();
      }
    });
}

type RunResult = SprintResult | (Omit<SprintResult, 'reason'> & { reason: 'awaiting-humans' });

/**
 * The sprint's result, or — as soon as it reaches `awaiting-humans` — what the humans have to do:
 * SPRINT_AWAITING_HUMANS on stderr with the items and the command that closes the sprint.
 */
async function resultOrAwaitingHumans(handle: WorkflowHandle<typeof sprintWorkflow>): Promise<RunResult> {
  let settled = false;
  const finished = handle.result().finally(() => void (settled = true));
  finished.catch(() => undefined); // when humans are awaited, nobody waits for the result
  const awaitingHumans = (async (): Promise<RunResult | null> => {
    while (!settled) {
      const status = await handle.query(sprintStatusQuery).catch(() => null);
      if (status?.phase === 'awaiting-humans') {
        const items = status.items.map((item) => ({ issueNumber: item.issueNumber, boardStatus: item.boardStatus, workflowId: item.workflowId }));
        const close = `sprint-runner close --sprint ${status.sprint} --reason "…"`;
        process.stderr.write(
          `${JSON.stringify({
            type: 'SPRINT_AWAITING_HUMANS',
            sprint: status.sprint,
            workflow_id: handle.workflowId,
            needs_human_approval: items.filter((item) => item.boardStatus === 'Needs Human Approval').map((item) => item.issueNumber),
            blocked: items.filter((item) => item.boardStatus === 'Blocked').map((item) => item.issueNumber),
            rework: `sprint-runner rework --sprint ${status.sprint} --issue N --reason "…"`,
            close,
          })}\n`,
        );
        return {
          sprint: status.sprint,
          exitCode: 0,
          reason: 'awaiting-humans',
          ticks: status.ticks,
          intentsRouted: status.intentsRouted,
          items,
          ...(status.kickoff ? { kickoff: status.kickoff } : {}),
        };
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    return null;
  })();
  const first = await Promise.race([finished, awaitingHumans]);
  if (first) return first;
  return finished;
}

/** SPRINT_RETRIES on stderr: what the sprint's activities needed retries for (from its histories). */
async function retrySummary(client: Client, sprintWorkflowId: string, result: RunResult | null): Promise<RetryCounts | null> {
  try {
    const items = result?.items.map((item) => item.workflowId) ?? (await client.workflow.getHandle(sprintWorkflowId).query(sprintStatusQuery)).items.map((item) => item.workflowId);
    const retries = await countRetries(client, [sprintWorkflowId, ...items]);
    process.stderr.write(`${JSON.stringify({ type: 'SPRINT_RETRIES', total: retries.total, by_activity: retries.byActivity, by_workflow: retries.byWorkflow })}\n`);
    return retries;
  } catch (err) {
    process.stderr.write(`${JSON.stringify({ type: 'SPRINT_RETRIES_UNAVAILABLE', error: (err as Error).message })}\n`);
    return null;
  }
}

export function exitCodeOf(err: unknown): number {
  const exitCode = err instanceof WorkflowFailedError ? applicationFailureOf<{ exitCode: number }>(err.cause)?.details.exitCode : undefined;
  return typeof exitCode === 'number' ? exitCode : 2;
}

function failureMessage(err: unknown): string {
  if (err instanceof WorkflowFailedError) return err.cause?.message ?? err.message;
  return (err as Error).message;
}
