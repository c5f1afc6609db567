/**
 * Hands a tick's validated batch to the item workflows (signal-with-start, bounded concurrency).
 * The batch was recorded in the sprint workflow before routing starts and comes here in chunks as
 * activity input, so the router has no disk state and runs on any host: a retry after a lost worker
 * resumes its chunk at the heartbeat's `routed` count (a small batch, routed by a local activity,
 * starts over), and item workflows drop a run_id they already have, so intents routed twice after a
 * crash never run twice.
 */
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { MESSAGE_VERSION } from '../contracts/messages';
import { intentHash } from '../domain/intent-hash';
import { parseIntentLine } from '../domain/intents';
import { emitEvent } from '../logging';
import { itemWorkflowId, runIntentSignal, type DeliveredIntent } from '../workflows/item/messages';
import type { RoutableIntent } from '../workflows/sprint/messages';
import { newItemVisibility } from '../workflows/item/visibility';
import type { RouteIntentsInput } from '../workflows/sprint/ports';

/** Signal-with-starts in flight at once. */
export const ROUTING_CONCURRENCY = 32;

/** What every request of a batch carries besides its intent. */
export type RoutingContext = Omit<RouteIntentsInput, 'tick' | 'intents'>;

/** The signal-with-start request that hands `entry` to its item's workflow (measured at intake, then sent). */
export function routingRequest(context: RoutingContext, entry: RoutableIntent) {
  const { raw: _raw, ...intent } = parseIntentLine(JSON.stringify(entry.raw));
  const observedStatus = context.observedStatus[String(entry.issueNumber)];
  const title = context.titles?.[String(entry.issueNumber)];
  const start = {
    sprint: context.sprint,
    issueNumber: entry.issueNumber,
    projectItemId: entry.projectItemId,
    settings: context.itemSettings,
    sprintWorkflowId: context.sprintWorkflowId,
    title: title ?? null,
  };
  const delivered: DeliveredIntent = {
    version: MESSAGE_VERSION,
    intent,
    raw: entry.raw,
    intentHash: intentHash(entry.raw),
    routedAtMs: Date.now(),
    ...(observedStatus ? { observedStatus, observedAtMs: context.observedAtMs } : {}),
  };
  return {
    workflowId: itemWorkflowId(context.sprint, entry.issueNumber),
    taskQueue: context.itemSettings.taskQueues.main,
    args: [start] as [typeof start],
    signal: runIntentSignal,
    signalArgs: [delivered] as [DeliveredIntent],
    staticSummary: `${context.sprint} · #${entry.issueNumber}${title ? ` ${title}` : ''}`,
    // Ignored when the item's workflow is already running; a new one starts with what its first task would upsert.
    ...newItemVisibility(context.sprint, entry.issueNumber, entry.projectItemId, observedStatus ?? null),
  };
}

/** Bytes of the request's payloads as the JSON payload converter encodes them (workflow input + signal input). */
export function encodedRequestBytes(request: ReturnType<typeof routingRequest>): number {
  return Buffer.byteLength(JSON.stringify(request.args[0]), 'utf8') + Buffer.byteLength(JSON.stringify(request.signalArgs[0]), 'utf8');
}

/** Routes `entries` from index `from`, heartbeating `{routed}` after each concurrent batch. */
export async function routeAll(client: Client, context: RoutingContext, entries: RoutableIntent[], from: number, onRouted: (routed: number) => void): Promise<number> {
  let routed = from;
  for (let start = from; start < entries.length; start += ROUTING_CONCURRENCY) {
    const batch = entries.slice(start, start + ROUTING_CONCURRENCY);
    await Promise.all(batch.map((entry) => client.workflow.signalWithStart('itemWorkflow', routingRequest(context, entry))));
    routed = start + batch.length;
    onRouted(routed);
  }
  return routed;
}

export function createIntentRouterActivities(client: () => Client) {
  return {
    async routeIntents(input: RouteIntentsInput): Promise<{ routed: number }> {
      const ctx = Context.current();
      const resumed = (ctx.info.heartbeatDetails as { routed?: number } | undefined)?.routed ?? 0;
      // A local activity (a small batch) has no heartbeats: a retry routes it all again.
      const heartbeat = (routed: number) => (ctx.info.isLocal ? undefined : ctx.heartbeat({ routed }));
      heartbeat(resumed);
      const routed = await routeAll(client(), input, input.intents, resumed, heartbeat);
      emitEvent({ type: 'INTAKE_ROUTED', sprint: input.sprint, tick: input.tick, intents: routed - resumed, resumed_at: resumed || undefined });
      return { routed: input.intents.length };
    },
  };
}
