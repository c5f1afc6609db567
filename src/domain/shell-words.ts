/**
 * Word splitting exactly as Python's `shlex.split(text)` does it (POSIX mode, comments=False), for
 * RUNNER_ORCHESTRATOR_CMD and CODEX_MCP_ARGS: the old runner split both with shlex, so every value it
 * accepted splits to the same argv here. A faithful port of `shlex.read_token` with
 * `whitespace_split=True` (no npm package reproduces shlex's quirks exactly, e.g. `\` inside
 * double quotes escaping only `"` and `\`, or `a\<newline>b` keeping the newline):
 * - whitespace is only space, tab, CR and LF; everything else (`#`, `*`, `2>&1`, `$X`) is word text;
 * - `'…'` keeps everything literally; `"…"` keeps everything but `\"` and `\\`; outside quotes `\x` is `x`;
 * - `''` and `""` are an empty word; a trailing `\` is "No escaped character" and an unterminated
 *   quote "No closing quotation" (shlex's ValueError messages).
 *
 * One rule of ours on top (checkNoShellOperators): the words run without a shell, so a word that
 * is *only* a shell control or redirection operator, unquoted (`;`, `&&`, `|`, `>`, `2>`…: what an
 * operator meant for a shell), is refused instead of silently becoming an argument. Quote it
 * (`';'`) to pass it literally; operators glued to other text (`2>&1`, `a;b`) are ordinary words.
 */

const WHITESPACE = ' \t\r\n';

export interface ShellWord {
  text: string;
  /** Some part of the word was quoted or escaped (so it is literal text, never an operator). */
  quoted: boolean;
}

export class ShellWordsError extends Error {}

/** shlex.split(text): the words, or ShellWordsError with shlex's message. */
export function splitShellWords(text: string): string[] {
  return shellWords(text).map((word) => word.text);
}

/** The words with whether each was quoted; the state machine of CPython's Lib/shlex.py read_token. */
export function shellWords(text: string): ShellWord[] {
  const words: ShellWord[] = [];
  let state: 'space' | 'word' | "'" | '"' | 'escape' = 'space';
  let escapedFrom: 'word' | '"' = 'word';
  let token = '';
  let quoted = false;
  let inWord = false;
  const emit = () => {
    if (inWord) words.push({ text: token, quoted });
    token = '';
    quoted = false;
    inWord = false;
  };
  for (const ch of text) {
    switch (state) {
      case 'space':
      case 'word':
        if (WHITESPACE.includes(ch)) {
          emit();
          state = 'space';
        } else if (ch === "'" || ch === '"') {
          inWord = true;
          quoted = true;
          state = ch;
        } else if (ch === '\\') {
          inWord = true;
          quoted = true;
          escapedFrom = 'word';
          state = 'escape';
        } else {
          inWord = true;
          token += ch;
          state = 'word';
        }
        break;
      case "'":
        if (ch === "'") state = 'word';
        else token += ch;
        break;
      case '"':
        if (ch === '"') state = 'word';
        else if (ch === '\\') {
          escapedFrom = '"';
          state = 'escape';
        } else token += ch;
        break;
      case 'escape':
        // Inside double quotes only `"` and `\` can be escaped; elsewhere the backslash stays.
        if (escapedFrom === '"' && ch !== '"' && ch !== '\\') token += '\\';
        token += ch;
        state = escapedFrom;
        break;
    }
  }
  if (state === "'" || state === '"') throw new ShellWordsError(`No closing quotation (the ${state === '"' ? 'double' : 'single'} quote is never closed)`);
  if (state === 'escape') throw new ShellWordsError('No escaped character (the text ends with a backslash)');
  emit();
  return words;
}

/** Words that are only shell operator characters: `;` `&` `|` `<` `>` `(` `)`, optionally after a fd number (`2>`). */
const SHELL_OPERATOR = /^\d*[;&|<>()]+$/;

/** Our rule: an unquoted word that is only a shell operator is refused (commands run without a shell). */
export function checkNoShellOperators(words: ShellWord[]): void {
  const operator = words.find((word) => !word.quoted && SHELL_OPERATOR.test(word.text));
  if (operator) {
    throw new ShellWordsError(`shell operator "${operator.text}" is not allowed (commands run without a shell; quote it to pass it as an argument)`);
  }
}
