/**
 * The sprint workflow as the one authority for the orchestrator's state (issue #14): it holds the
 * state, answers the tick's read of it, applies what each orchestrator run changed, records the
 * runner-managed fields item workflows send (review outcomes, executor responses), and holds a
 * tick's batch until it is routed. No worker's disk holds the truth, so any host can run any tick
 * and a tick retried on another host resumes from here.
 */
import * as wf from '@temporalio/workflow';
import { ApplicationFailure } from '@temporalio/common';
import { ExecutorResponseRecordSchema, ReviewerOutcomeRecordSchema, RunContextRequestSchema, StageTickResultSchema } from '../../contracts/messages';
import type { OrchestratorState } from '../../contracts/state-file';
import { intentsPerItem } from '../../domain/intake-batch';
import { applyExecutorResponse, applyReviewerOutcome, emptyState, runContext, type StateUpdate } from '../../domain/state-file';
import { applyStateDelta } from '../../domain/state-delta';
import { emit } from '../events';
import { ROUTE_SMALL_BATCH_LOCALLY_PATCH } from '../patches';
import { acceptMessage, parseOrThrow, rejectPayload } from '../message-door';
import {
  executorResponseRecordedSignal,
  orchestratorStateQuery,
  recordExecutorResponseUpdate,
  recordReviewerOutcomeUpdate,
  reviewerOutcomeRecordedSignal,
  runContextQuery,
  stageTickResultUpdate,
} from './messages';
import type { OrchestratorRun, OrchestratorRunResult, SprintSettings, TickOutcome } from './ports';
import type { MainActivities, OrchestratorActivities } from '../activity-queues';

export { STATE_IN_WORKFLOW_PATCH } from '../patches';

/** What the sprint carries through continue-as-new for this. */
export interface CarriedOrchestratorState {
  orchestratorState?: OrchestratorState | null;
  stateRevision?: number;
  /** Runner-managed updates that arrived before the first tick seeded the state (applied right after it). */
  earlyStateUpdates?: EarlyUpdate[];
}

type EarlyUpdate = { kind: 'reviewer'; issueNumber: number; outcome: string; at: string } | { kind: 'executor'; runId: string; at: string };

const EARLY_UPDATES_KEPT = 1000;

/**
 * Routing: the batch goes out in chunks, each the input of one `routeIntents` activity (far below
 * the payload limit), a few at a time. A chunk retried on another host resumes at its heartbeat.
 */
const ROUTE_CHUNK = 500;
const ROUTE_CHUNKS_IN_FLIGHT = 4;
/** Records (signals) remembered for deduplication. */
const RECORDS_REMEMBERED = 2000;
/** A batch this small is routed by a local activity (patches.ts ROUTE_SMALL_BATCH_LOCALLY_PATCH). */
export const LOCAL_ROUTING_MAX_INTENTS = 64;

export class OrchestratorStateAuthority {
  /** The tick whose orchestrator run is in flight, and the slices it staged per attempt. */
  private runningTick: number | null = null;
  private readonly staged = new Map<number, string[]>();
  private readonly recordsSeen = new Set<string>();

  constructor(private readonly carried: CarriedOrchestratorState) {}

  register(): void {
    wf.setHandler(orchestratorStateQuery, (...args: unknown[]) => {
      rejectPayload(args);
      return { revision: this.carried.stateRevision ?? 0, state: this.carried.orchestratorState ?? null };
    });
    wf.setHandler(runContextQuery, (...args: unknown[]) => {
      const { runId } = parseOrThrow(RunContextRequestSchema, args);
      return this.carried.orchestratorState ? runContext(this.carried.orchestratorState, runId) : null;
    });
    wf.setHandler(
      recordReviewerOutcomeUpdate,
      (record) => {
        const update = this.apply({ kind: 'reviewer', issueNumber: record.issueNumber, outcome: record.outcome, at: record.at });
        return { reviewCycleCount: update?.reviewCycleCount ?? null };
      },
      { validator: (...args: unknown[]) => void parseOrThrow(ReviewerOutcomeRecordSchema, args) },
    );
    wf.setHandler(recordExecutorResponseUpdate, (record) => ({ recorded: this.apply({ kind: 'executor', runId: record.runId, at: record.at })?.changed ?? false }), {
      validator: (...args: unknown[]) => void parseOrThrow(ExecutorResponseRecordSchema, args),
    });
    // The same records as signals (item workflows' local activities, patches.ts RECORD_IN_SPRINT_LOCALLY_PATCH).
    const workflowId = wf.workflowInfo().workflowId;
    wf.setHandler(reviewerOutcomeRecordedSignal, (...args: unknown[]) => {
      const record = acceptMessage(workflowId, 'reviewerOutcomeRecorded', ReviewerOutcomeRecordSchema, args);
      if (record && this.firstRecordOf(`reviewer ${record.runId}`)) this.apply({ kind: 'reviewer', issueNumber: record.issueNumber, outcome: record.outcome, at: record.at });
    });
    wf.setHandler(executorResponseRecordedSignal, (...args: unknown[]) => {
      const record = acceptMessage(workflowId, 'executorResponseRecorded', ExecutorResponseRecordSchema, args);
      if (record && this.firstRecordOf(`executor ${record.runId}`)) this.apply({ kind: 'executor', runId: record.runId, at: record.at });
    });
    wf.setHandler(
      stageTickResultUpdate,
      (slice) => {
        const slices = this.staged.get(slice.attempt) ?? new Array<string>(slice.count).fill('');
        slices[slice.index] = slice.text;
        this.staged.set(slice.attempt, slices);
      },
      {
        validator: (...args: unknown[]) => {
          const slice = parseOrThrow(StageTickResultSchema, args);
          if (slice.tick !== this.runningTick)
            throw ApplicationFailure.create({ type: 'StaleTick', nonRetryable: true, message: `tick ${slice.tick} is not running (running: ${this.runningTick ?? 'none'})` });
          if (slice.index >= slice.count)
            throw ApplicationFailure.create({ type: 'InvalidPayload', nonRetryable: true, message: `slice index ${slice.index} is not below count ${slice.count}` });
        },
      },
    );
  }

  /** One tick: the orchestrator against this state, its changes applied, then its batch routed. */
  async tick(
    input: { sprint: string; tick: number; titles?: Record<string, string> },
    settings: SprintSettings,
    tickActs: OrchestratorActivities,
    routeActs: MainActivities,
    localRouteActs: Pick<MainActivities, 'routeIntents'>,
  ): Promise<TickOutcome> {
    const sprintWorkflowId = wf.workflowInfo().workflowId;
    this.runningTick = input.tick;
    let run: OrchestratorRun;
    try {
      const result = await tickActs.runOrchestrator({
        sprint: input.sprint,
        sprintWorkflowId,
        tick: input.tick,
        seed: !this.carried.orchestratorState,
        itemSettings: settings.itemSettings,
        titles: input.titles,
      });
      run = this.assemble(result);
    } finally {
      this.runningTick = null;
      this.staged.clear();
    }
    this.applyRun(run);
    let routed = 0;
    const chunks: number[] = [];
    for (let start = 0; start < run.intents.length; start += ROUTE_CHUNK) chunks.push(start);
    // A small batch goes by local activity: cheaper to route again after a crash than to make resumable.
    const router = run.intents.length <= LOCAL_ROUTING_MAX_INTENTS && run.intents.length > 0 && wf.patched(ROUTE_SMALL_BATCH_LOCALLY_PATCH) ? localRouteActs : routeActs;
    const routeChunk = async (start: number) => {
      const intents = run.intents.slice(start, start + ROUTE_CHUNK);
      const issues = new Set(intents.map((entry) => String(entry.issueNumber)));
      const result = await router.routeIntents({
        sprint: input.sprint,
        sprintWorkflowId,
        tick: input.tick,
        itemSettings: settings.itemSettings,
        titles: subset(input.titles, issues),
        observedAtMs: run.observedAtMs,
        observedStatus: subset(run.observedStatus, issues) ?? {},
        intents,
      });
      routed += result.routed;
    };
    // A few chunks at a time, in order (deterministic: the same commands on replay).
    const lanes = Array.from({ length: Math.min(ROUTE_CHUNKS_IN_FLIGHT, chunks.length) }, async (_, lane) => {
      for (let i = lane; i < chunks.length; i += ROUTE_CHUNKS_IN_FLIGHT) await routeChunk(chunks[i]!);
    });
    await Promise.all(lanes);
    return {
      routed,
      routedItems: intentsPerItem(run.intents),
      summary: run.summary,
      endOfSprint: run.endOfSprint,
      exitCode: 0,
      observedAtMs: run.observedAtMs,
    };
  }

  private assemble(result: OrchestratorRunResult): OrchestratorRun {
    if ('inline' in result) return result.inline;
    const slices = this.staged.get(result.staged.attempt);
    const text = slices?.join('') ?? '';
    if (!slices || slices.length !== result.staged.slices || text.length !== result.staged.chars) {
      throw ApplicationFailure.create({
        type: 'TickResultIncomplete',
        nonRetryable: true,
        message: `tick result staged in ${result.staged.slices} slices (${result.staged.chars} chars) but ${slices?.length ?? 0} slices (${text.length} chars) arrived`,
        details: [{ code: 'tick_result_incomplete', exitCode: 2 }],
      });
    }
    return JSON.parse(text) as OrchestratorRun;
  }

  private applyRun(run: OrchestratorRun): void {
    if (run.seededState) {
      this.carried.orchestratorState = run.seededState;
      const early = this.carried.earlyStateUpdates ?? [];
      this.carried.earlyStateUpdates = undefined;
      early.forEach((update) => this.apply(update));
    } else if (run.delta) {
      const { state, skipped } = applyStateDelta(this.carried.orchestratorState ?? emptyState(), run.delta);
      this.carried.orchestratorState = state;
      if (skipped) emit('STATE_DELTA_SKIPPED', { operations: skipped });
    }
    this.carried.stateRevision = (this.carried.stateRevision ?? 0) + 1;
  }

  /**
   * Whether this record (kind and run_id) is new to this run of the sprint: a local activity retried
   * after its signal landed sends it again, and a reviewer outcome counts a review cycle. The same
   * scope as an update id's deduplication (one workflow run); the most recent ones are kept.
   */
  private firstRecordOf(key: string): boolean {
    if (this.recordsSeen.has(key)) return false;
    this.recordsSeen.add(key);
    if (this.recordsSeen.size > RECORDS_REMEMBERED) this.recordsSeen.delete(this.recordsSeen.values().next().value!);
    return true;
  }

  /** A runner-managed field into the state; before the state exists, kept for the seeding tick. */
  private apply(update: EarlyUpdate): StateUpdate | null {
    const state = this.carried.orchestratorState;
    if (!state) {
      this.carried.earlyStateUpdates = [...(this.carried.earlyStateUpdates ?? []), update].slice(-EARLY_UPDATES_KEPT);
      return null;
    }
    const result = update.kind === 'reviewer' ? applyReviewerOutcome(state, update.issueNumber, update.outcome, update.at) : applyExecutorResponse(state, update.runId, update.at);
    if (result.changed) {
      this.carried.orchestratorState = result.state;
      this.carried.stateRevision = (this.carried.stateRevision ?? 0) + 1;
    }
    return result;
  }
}

/** The entries of `record` for these issues (undefined when there is no record). */
function subset<T>(record: Record<string, T> | undefined, issues: Set<string>): Record<string, T> | undefined {
  if (!record) return undefined;
  return Object.fromEntries(Object.entries(record).filter(([issue]) => issues.has(issue)));
}
