/**
 * Strict parsing of CLI flag values, shared by the commands: a value that is not exactly what the
 * flag takes is refused (exit 2) with a message naming the flag, never coerced. `Number("2e2")` is
 * 200 and `Number("0x10")` is 16; an issue number, a port or a period is written in decimal digits.
 */
import { sprintInputProblem } from '../workflows/sprint/messages';
import { QUEUE_ROLES, type QueueRole } from '../workflows/activity-queues';

/** A flag value the command cannot use; the command prints the message and exits 2. */
export class CliUsageError extends Error {}

const DECIMAL_INTEGER = /^-?[0-9]+$/;

/**
 * `text` as a decimal integer within [min, max] (optional sign, digits only: no exponent, hex,
 * fraction, blanks or `_`); otherwise CliUsageError "<flag> must be <what>, got "<text>"".
 */
export function parseStrictInt(text: string, flag: string, range: { min: number; max: number; what?: string }): number {
  const what = range.what ?? `an integer from ${range.min} to ${range.max}`;
  const value = DECIMAL_INTEGER.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < range.min || value > range.max) {
    throw new CliUsageError(`${flag} must be ${what}, got ${JSON.stringify(text.length > 40 ? `${text.slice(0, 37)}...` : text)}`);
  }
  return value;
}

/** An issue number: a positive integer (as the backend and item workflow ids require). */
export function parseIssueNumber(text: string, flag = '--issue'): number {
  return parseStrictInt(text, flag, { min: 1, max: Number.MAX_SAFE_INTEGER, what: 'a positive integer' });
}

/**
 * The sprint workflow input's own rule for sprint names (sprintInputProblem), checked before any
 * workflow is started or signalled, so an operator sees it instead of "Failed to start Workflow".
 */
export function sprintNameProblem(sprint: string): string | null {
  const problem = sprintInputProblem({ sprint, mode: 'once' });
  if (!problem) return null;
  const shown = sprint.length > 40 ? `${sprint.slice(0, 37)}...` : sprint;
  return `${problem.replace(/^sprint input: /, '')}: got ${JSON.stringify(shown)} (${sprint.length} characters)`;
}

/** Throws CliUsageError when `sprint` is not a valid sprint name; returns it otherwise. */
export function requireSprintName(sprint: string): string {
  const problem = sprintNameProblem(sprint);
  if (problem) throw new CliUsageError(problem);
  return sprint;
}

/** Runs a command action; a CliUsageError is printed and exits 2 (anything else propagates). */
export function withUsageErrors<A extends unknown[]>(action: (...args: A) => Promise<void> | void): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await action(...args);
    } catch (err) {
      if (!(err instanceof CliUsageError)) throw err;
      process.stderr.write(`${err.message}\n`);
      process.exitCode = 2;
    }
  };
}

/** `worker --roles`: a comma list of task-queue roles, each once (main, orchestrator, executor, reviewer). */
export function parseWorkerRoles(text: string, flag = '--roles'): QueueRole[] {
  const words = text.split(',').map((word) => word.trim());
  const roles: QueueRole[] = [];
  for (const word of words) {
    if (!(QUEUE_ROLES as readonly string[]).includes(word)) {
      throw new CliUsageError(`${flag} takes a comma list of ${QUEUE_ROLES.join(', ')}; got ${JSON.stringify(word.length > 40 ? `${word.slice(0, 37)}...` : word)}`);
    }
    if (roles.includes(word as QueueRole)) throw new CliUsageError(`${flag} names ${word} twice`);
    roles.push(word as QueueRole);
  }
  return roles;
}
