/**
 * Reading the failures our activities and workflows raise (activities/failures.ts, sprint/stops.ts):
 * one ApplicationFailure whose first detail carries codes. Workflow-safe (only @temporalio/common),
 * so workflows and clients share it.
 */
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';

/** What an activity threw (the cause of an ActivityFailure), else `err` itself. */
export function activityCause(err: unknown): unknown {
  return err instanceof ActivityFailure ? err.cause : err;
}

/** The ApplicationFailure behind `err` and its first detail; null for anything else (a timeout, a cancellation, a plain error). */
export function applicationFailureOf<Details extends object>(err: unknown): { failure: ApplicationFailure; details: Partial<Details> } | null {
  const cause = activityCause(err);
  if (!(cause instanceof ApplicationFailure)) return null;
  return { failure: cause, details: (cause.details?.[0] ?? {}) as Partial<Details> };
}
