/**
 * Parsing at a boundary: a value from outside the process (a backend answer, an orchestrator line,
 * a file) goes through its schema once, where it enters; a failure names what is wrong — where it
 * came from, the field path, what was expected and what arrived — and each boundary raises it as
 * its own error type, so classification does not change.
 */
import type { z } from 'zod';

/** Where a problem is: `processed_items[0].status`; '' for the value itself. */
export function issuePath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : `${text}${text ? '.' : ''}${String(key)}`), '');
}

/** A value as a problem shows it: JSON, at most 60 characters; `nothing` when absent. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function valueAt(root: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let value = root;
  for (const key of path) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

const withArticle = (noun: string) => (/^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`);
const EXPECTED_NAMES: Record<string, string> = { int: 'integer', nan: 'NaN', record: 'object' };

/** One issue, relative to its path: `must be an object, got null`. */
function problemOf(issue: z.core.$ZodIssue, input: unknown): string {
  const got = describeValue(valueAt(input, issue.path));
  switch (issue.code) {
    case 'invalid_type':
      return `must be ${withArticle(EXPECTED_NAMES[issue.expected] ?? issue.expected)}, got ${got}`;
    case 'invalid_value':
      return issue.values.length === 1
        ? `must be ${describeValue(issue.values[0])}, got ${got}`
        : `must be one of ${issue.values.map((value) => describeValue(value)).join(', ')}, got ${got}`;
    case 'unrecognized_keys':
      return `has unknown field(s) ${issue.keys.join(', ')}`;
    default:
      return `${issue.message}, got ${got}`;
  }
}

/**
 * The issues of a failed parse as one line, each `<path> <problem>` (at most `max` of them), for
 * example `processed_items[0] must be an object, got null; status_counts must be an object, got [1]`.
 */
export function describeParseIssues(error: z.ZodError, input: unknown, max = 5): string {
  const problems = error.issues.slice(0, max).map((issue) => {
    const path = issuePath(issue.path);
    return `${path ? `${path} ` : ''}${problemOf(issue, input)}`;
  });
  const more = error.issues.length - max;
  return more > 0 ? `${problems.join('; ')} (and ${more} more)` : problems.join('; ');
}

/** The issues as data, for error details: `[{path, problem}]`. */
export function parseIssueList(error: z.ZodError, input: unknown, max = 5): Array<{ path: string; problem: string }> {
  return error.issues.slice(0, max).map((issue) => ({ path: issuePath(issue.path), problem: problemOf(issue, input) }));
}

/**
 * `schema.parse(value)`, or the error `fail` makes from the problem text (`describeParseIssues`)
 * and the zod error. `fail` raises the boundary's own error type.
 */
export function parseAt<S extends z.ZodType>(schema: S, value: unknown, fail: (problem: string, error: z.ZodError) => Error): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw fail(describeParseIssues(parsed.error, value), parsed.error);
}
