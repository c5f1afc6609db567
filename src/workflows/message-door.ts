/**
 * The door every message passes: a signal with a bad payload is dropped with a MESSAGE_REJECTED
 * event (the workflow keeps running, its state untouched); an update's validator rejects with an
 * ApplicationFailure naming what is wrong, so nothing reaches history. Neither can fail a
 * workflow task.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { z } from 'zod';
import { noArgsProblem, parseMessageArgs } from '../contracts/messages';
import { emit } from './events';

/** The parsed signal payload, or null after logging why it was dropped. */
export function acceptMessage<T>(workflowId: string, message: string, schema: z.ZodType<T>, args: unknown[]): T | null {
  const parsed = parseMessageArgs(schema, args);
  if (parsed.ok) return parsed.value;
  emit('MESSAGE_REJECTED', { workflow_id: workflowId, message, error: parsed.error });
  return null;
}

/** For signals without a payload (pause, resume, stop, tick): true when none was given. */
export function acceptNoPayload(workflowId: string, message: string, args: unknown[]): boolean {
  const problem = noArgsProblem(args);
  if (problem) emit('MESSAGE_REJECTED', { workflow_id: workflowId, message, error: problem });
  return problem === null;
}

/** For update validators and queries: the parsed payload, or an ApplicationFailure that rejects the update or fails the query. */
export function parseOrThrow<T>(schema: z.ZodType<T>, args: unknown[]): T {
  const parsed = parseMessageArgs(schema, args);
  if (!parsed.ok) throw ApplicationFailure.create({ type: 'InvalidPayload', nonRetryable: true, message: parsed.error });
  return parsed.value;
}

/** For query handlers and validators of payload-less messages. */
export function rejectPayload(args: unknown[]): void {
  const problem = noArgsProblem(args);
  if (problem) throw ApplicationFailure.create({ type: 'InvalidPayload', nonRetryable: true, message: problem });
}
