/**
 * Workflow histories as benchmark figures: events, encoded bytes, workflow tasks and their
 * latencies, activities and continue-as-new runs, read with the ordinary client
 * (`client.workflow.getHandle(id, runId).fetchHistory()`), walking the run chain backwards.
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { mapLimit } from './stats';

const ET = temporal.api.enums.v1.EventType;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export interface RunFigures {
  runId: string;
  events: number;
  bytes: number;
  workflowTasks: number;
  activities: number;
  signals: number;
  timers: number;
  continuedAsNew: boolean;
}

export interface WorkflowFigures {
  workflowId: string;
  runs: RunFigures[];
  events: number;
  bytes: number;
  workflowTasks: number;
  activities: number;
  /** WorkflowTaskScheduled → WorkflowTaskStarted (queue wait, sticky or normal queue), ms. */
  wftScheduleToStartMs: number[];
  /** WorkflowTaskStarted → WorkflowTaskCompleted (worker processing incl. the round trip), ms. */
  wftStartToCompleteMs: number[];
  /** Per event type name: count. */
  eventTypes: Record<string, number>;
  /** Raw events of the latest run (for callers that need timestamps). */
  latestEvents: HistoryEvent[];
  /** All runs' events, oldest run first. */
  allEvents: HistoryEvent[];
}

export function eventTimeMs(event: HistoryEvent): number {
  const t = event.eventTime;
  if (!t) return NaN;
  const seconds = t.seconds as unknown;
  const s = typeof seconds === 'number' ? seconds : Number((seconds as { toString(): string } | null | undefined)?.toString() ?? 0);
  return s * 1000 + (t.nanos ?? 0) / 1e6;
}

export function eventId(event: HistoryEvent): number {
  const id = event.eventId as unknown;
  return typeof id === 'number' ? id : Number((id as { toString(): string }).toString());
}

function long(value: unknown): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'number' ? value : Number((value as { toString(): string }).toString());
}

export function eventTypeName(event: HistoryEvent): string {
  return ET[event.eventType ?? 0] ?? String(event.eventType);
}

function runFigures(runId: string, events: HistoryEvent[], bytes: number): RunFigures {
  const count = (type: number) => events.filter((e) => e.eventType === type).length;
  return {
    runId,
    events: events.length,
    bytes,
    workflowTasks: count(ET.EVENT_TYPE_WORKFLOW_TASK_COMPLETED),
    activities: count(ET.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED),
    signals: count(ET.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED),
    timers: count(ET.EVENT_TYPE_TIMER_STARTED),
    continuedAsNew: count(ET.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW) > 0,
  };
}

/** Every run of one workflow id (latest first in the chain walk, returned oldest first). */
export async function workflowFigures(client: Client, workflowId: string, maxRuns = 1000): Promise<WorkflowFigures> {
  const runs: Array<{ runId: string; events: HistoryEvent[]; bytes: number }> = [];
  let runId: string | undefined;
  for (let i = 0; i < maxRuns; i += 1) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const events = (history.events ?? []) as HistoryEvent[];
    const bytes = temporal.api.history.v1.History.encode(history as temporal.api.history.v1.IHistory).finish().length;
    const started = events[0]?.workflowExecutionStartedEventAttributes;
    const thisRunId = runId ?? (await client.workflow.getHandle(workflowId).describe()).runId;
    runs.unshift({ runId: thisRunId, events, bytes });
    const previous = started?.continuedExecutionRunId;
    if (!previous) break;
    runId = previous;
  }
  const wftScheduleToStartMs: number[] = [];
  const wftStartToCompleteMs: number[] = [];
  const eventTypes: Record<string, number> = {};
  for (const run of runs) {
    const byId = new Map(run.events.map((e) => [eventId(e), e]));
    for (const event of run.events) {
      const name = eventTypeName(event);
      eventTypes[name] = (eventTypes[name] ?? 0) + 1;
      if (event.eventType === ET.EVENT_TYPE_WORKFLOW_TASK_STARTED) {
        const scheduled = byId.get(long(event.workflowTaskStartedEventAttributes?.scheduledEventId));
        if (scheduled) wftScheduleToStartMs.push(eventTimeMs(event) - eventTimeMs(scheduled));
      }
      if (event.eventType === ET.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) {
        const started = byId.get(long(event.workflowTaskCompletedEventAttributes?.startedEventId));
        if (started) wftStartToCompleteMs.push(eventTimeMs(event) - eventTimeMs(started));
      }
    }
  }
  const figures = runs.map((run) => runFigures(run.runId, run.events, run.bytes));
  return {
    workflowId,
    runs: figures,
    events: figures.reduce((a, r) => a + r.events, 0),
    bytes: figures.reduce((a, r) => a + r.bytes, 0),
    workflowTasks: figures.reduce((a, r) => a + r.workflowTasks, 0),
    activities: figures.reduce((a, r) => a + r.activities, 0),
    wftScheduleToStartMs,
    wftStartToCompleteMs,
    eventTypes,
    latestEvents: runs[runs.length - 1]?.events ?? [],
    allEvents: runs.flatMap((run) => run.events),
  };
}

export async function manyWorkflowFigures(client: Client, workflowIds: readonly string[], concurrency = 16): Promise<WorkflowFigures[]> {
  return mapLimit(workflowIds, concurrency, (id) => workflowFigures(client, id));
}

export { ET };
export type { HistoryEvent };
