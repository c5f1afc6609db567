/**
 * Operational events: one line per event on stderr, with the old runner's `type` names
 * (../docs/spec/runner-behaviour.md §11). `json` (default) is compact JSON for machines; `pretty` is for terminals.
 * Secret values from the environment are redacted before anything is written.
 */
import { redactSecrets } from './config';
import type { RunnerEvent } from './contracts/event';

export type { RunnerEvent };

export type LogFormat = 'json' | 'pretty';

export type EventWriter = (event: RunnerEvent) => void;

/** JSON with non-ASCII escaped as \uXXXX, as the old runner's ensure_ascii=True output. */
export function asciiJson(value: unknown, replacer?: (key: string, value: unknown) => unknown): string {
  return JSON.stringify(value, replacer).replace(/[\u0080-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function formatEvent(event: RunnerEvent, format: LogFormat, now = new Date()): string {
  if (format === 'json') return asciiJson(event);
  const { type, ...fields } = event;
  const parts = Object.entries(fields).map(([key, value]) => {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    return `${key}=${text && text.length > 160 ? `${text.slice(0, 157)}...` : text}`;
  });
  return `${now.toISOString().slice(11, 19)} ${type.padEnd(30)} ${parts.join(' ')}`;
}

export function createEventWriter(
  format: LogFormat = (process.env.RUNNER_LOG_FORMAT as LogFormat) === 'pretty' ? 'pretty' : 'json',
  stream: NodeJS.WritableStream = process.stderr,
): EventWriter {
  return (event) => {
    stream.write(`${redactSecrets(formatEvent(event, format))}\n`);
  };
}

let defaultWriter: EventWriter | null = null;

/** Writes an event with the process-wide writer (RUNNER_LOG_FORMAT decides the format). */
export function emitEvent(event: RunnerEvent): void {
  defaultWriter ??= createEventWriter();
  defaultWriter(event);
}

export function setEventWriter(writer: EventWriter | null): void {
  defaultWriter = writer;
}
