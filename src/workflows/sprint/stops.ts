/**
 * How a sprint ends badly: a HARD_STOP event and a typed, non-retryable `SprintStopped` failure whose
 * details carry the old runner's exit code, so clients (`sprint-runner run`, the Temporal CLI) can map it.
 */
import { ApplicationFailure } from '@temporalio/common';
import { emit } from '../events';
import { applicationFailureOf } from '../failures';
import { EXIT_CODES } from './messages';

export function stop(exitCode: number, reason: string, message: string, extra: Record<string, unknown> = {}): ApplicationFailure {
  emit('HARD_STOP', { reason, error: message, exit_code: exitCode, ...extra });
  return ApplicationFailure.create({ type: 'SprintStopped', nonRetryable: true, message, details: [{ exitCode, reason, ...extra }] });
}

interface FailureDetails {
  exitCode?: number;
  code?: string;
  details?: Record<string, unknown>;
}

/** Maps a failed tick to the old runner's exit codes: orchestrator 2/3/4 pass through, intent errors are 2, exhausted transients 4. */
export function failureFromTick(err: unknown): ApplicationFailure {
  const unwrapped = applicationFailureOf<FailureDetails>(err);
  if (!unwrapped) return stop(EXIT_CODES.TRANSIENT_EXHAUSTED, 'transient_retries_exhausted', (err as Error)?.message ?? String(err));
  const { failure: cause, details } = unwrapped;
  if (cause.type === 'IntentError') return stop(EXIT_CODES.HARD_STOP, `intent_error: ${details.code ?? 'invalid'}`, cause.message);
  if (cause.type === 'SummaryError') return stop(EXIT_CODES.HARD_STOP, 'summary_invalid', cause.message, { code: details.code ?? 'summary_invalid' });
  if (cause.type === 'OrchestratorExit') {
    const code = details.exitCode ?? 2;
    return stop(code, code === 3 ? 'malformed_item_data' : code === 4 ? 'transient_retries_exhausted' : 'orchestrator_nonzero_exit', cause.message);
  }
  return failureFromActivity(err, 'hard_stop');
}

/**
 * Any other activity failure: retryable ones that ran out of attempts are exit 4; the rest are hard
 * stops (exit 2) under `reason`, with the old runner's error code and details.
 */
export function failureFromActivity(err: unknown, reason: string): ApplicationFailure {
  const unwrapped = applicationFailureOf<FailureDetails>(err);
  const message = unwrapped?.failure.message ?? (err as Error)?.message ?? String(err);
  if (!unwrapped || !unwrapped.failure.nonRetryable)
    return stop(EXIT_CODES.TRANSIENT_EXHAUSTED, 'transient_retries_exhausted', message, unwrapped ? { code: unwrapped.details.code } : {});
  const { details } = unwrapped;
  return stop(EXIT_CODES.HARD_STOP, reason, message, { code: details.code ?? 'unknown_error', details: details.details ?? {} });
}
