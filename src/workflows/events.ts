/**
 * Workflow-side operational events. Workflows cannot do I/O, so events leave through a sink the
 * worker installs (src/worker.ts); sinks are not called during replay, so each event is written once.
 */
import { proxySinks, type Sinks } from '@temporalio/workflow';

export interface EventSinks extends Sinks {
  events: {
    emit(event: { type: string; [field: string]: unknown }): void;
  };
}

const { events } = proxySinks<EventSinks>();

export function emit(type: string, fields: Record<string, unknown> = {}): void {
  events.emit({ type, ...fields });
}
