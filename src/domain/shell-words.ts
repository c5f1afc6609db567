/**
 * POSIX shell-word splitting as Python's shlex.split does it (quotes, escapes, no expansion), for
 * RUNNER_ORCHESTRATOR_CMD and CODEX_MCP_ARGS. The words become an argv; nothing runs through a
 * shell, so shell operators are rejected instead of silently becoming arguments.
 */
import { parse } from 'shell-quote';

export function splitShellWords(text: string): string[] {
  assertBalancedQuotes(text);
  // Keep `$NAME` literal: shlex.split does not expand variables either.
  const entries = parse(text, (name) => `$${name}`);
  return entries.map((entry) => {
    if (typeof entry === 'string') return entry;
    const op = 'op' in entry ? entry.op : 'comment' in entry ? '#' : '?';
    throw new Error(`shell operator "${op}" is not allowed (commands run without a shell)`);
  });
}

function assertBalancedQuotes(text: string): void {
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (quote === "'") {
      if (ch === "'") quote = null;
    } else if (ch === '\\') {
      i += 1;
    } else if (quote === '"') {
      if (ch === '"') quote = null;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
    }
  }
  if (quote) throw new Error(`no closing ${quote === '"' ? 'double' : 'single'} quote`);
}
