/**
 * The tick of sprint runs that started before issue #14 (they keep it until they continue as new):
 * the orchestrator runs against ORCHESTRATOR_STATE_PATH on this worker's disk, the validated batch is
 * spooled next to it, then routed. A retried attempt resumes routing from the spool and the
 * heartbeat's `routed` count — on the same host only. New runs use orchestrator-tick.ts (state in the
 * workflow) and intent-router.ts instead.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { RunnerConfig } from '../config';
import { writeFileAtomically } from './files';
import { withStateFileLock } from './state-file-lock';
import { collectOrchestratorRun, refusalFailure, type CollectedRun } from './orchestrator-tick';
import { routeAll, type RoutingContext } from './intent-router';
import type { ItemSettings } from '../workflows/item/item-state';
import type { TickOutcome } from '../workflows/sprint/ports';
import { emitEvent } from '../logging';
import { IntakeRefusal, intentsPerItem } from '../domain/intake-batch';
import { IntakeSpoolSchema } from '../contracts/intake-spool';
import { parseAt } from '../contracts/parse';

export interface TickInput {
  sprint: string;
  /** Item workflows report to this sprint workflow. */
  sprintWorkflowId: string;
  tick: number;
  itemSettings: ItemSettings;
  /** Issue titles the sprint knows (its sprint plan) for items it has not routed to yet. */
  titles?: Record<string, string>;
}

type Spool = Omit<CollectedRun, 'state'> & { exitCode: number };

/**
 * The spool a retried attempt resumes from, parsed (IntakeSpoolSchema). A file that cannot be read
 * fails as before (retried: another attempt may run where the spool is); content that is not JSON or
 * not a spool is IntakeRefusal `intake_spool_invalid`, naming the problem: the batch is refused, not
 * half-routed.
 */
export async function readSpool(spoolPath: string): Promise<Spool> {
  const refuse = (problem: string) => new IntakeRefusal('intake_spool_invalid', `intake spool ${spoolPath} cannot be resumed: ${problem}`, { path: spoolPath }, null);
  const text = await readFile(spoolPath, 'utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw refuse((err as Error).message);
  }
  return parseAt(IntakeSpoolSchema, value, refuse);
}

export function createIntakeActivities(config: RunnerConfig, client: () => Client) {
  const spoolDir = join(dirname(config.orchestratorStatePath), '.sprint-runner-intake');
  return {
    async runOrchestratorTick(input: TickInput): Promise<TickOutcome> {
      const ctx = Context.current();
      const execution = ctx.info.workflowExecution;
      const spoolPath = join(spoolDir, `${safeName(`${execution?.workflowId}/${execution?.runId}`)}-${input.tick}.json`);
      const resumed = (ctx.info.heartbeatDetails as { routed?: number } | undefined)?.routed;
      let spool: Spool;
      if (resumed !== undefined) {
        try {
          spool = await readSpool(spoolPath);
        } catch (err) {
          throw refusalFailure(err, input);
        }
      } else {
        // The orchestrator run and the read of the state it wrote, with no runner update in between.
        const { state: _state, ...collected } = await withStateFileLock(config.orchestratorStatePath, () => collectOrchestratorRun(config, input, config.orchestratorStatePath));
        spool = { ...collected, exitCode: 0 };
        await writeFileAtomically(spoolPath, JSON.stringify(spool));
      }
      ctx.heartbeat({ routed: resumed ?? 0 });
      const context: RoutingContext = { ...input, observedAtMs: spool.observedAtMs, observedStatus: spool.observedStatus };
      const routed = await routeAll(client(), context, spool.intents, resumed ?? 0, (n) => ctx.heartbeat({ routed: n }));
      emitEvent({ type: 'INTAKE_ROUTED', sprint: input.sprint, tick: input.tick, intents: routed });
      return {
        routed,
        routedItems: intentsPerItem(spool.intents),
        summary: spool.summary,
        endOfSprint: spool.endOfSprint,
        exitCode: spool.exitCode,
        observedAtMs: spool.observedAtMs,
      };
    },
  };
}

function safeName(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
