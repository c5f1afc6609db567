/**
 * Word splitting of RUNNER_ORCHESTRATOR_CMD and CODEX_MCP_ARGS is Python's shlex.split (POSIX mode,
 * comments=False), exactly. The table's expected column was produced by CPython 3's shlex.split on
 * each input (an error is "ERR:" + shlex's ValueError message); every row is checked here.
 */
import { loadConfig } from '../../src/config';
import { ConfigError } from '../../src/domain/errors';
import { checkNoShellOperators, shellWords, splitShellWords } from '../../src/domain/shell-words';

const SHLEX_SPLIT: Array<[string, string[] | string]> = [
  ['node apps/orchestrator/src/cli.js --loop', ['node', 'apps/orchestrator/src/cli.js', '--loop']],
  ['node src/*.ts', ['node', 'src/*.ts']],
  ['a # b', ['a', '#', 'b']],
  ['#', ['#']],
  ['cmd 2>&1', ['cmd', '2>&1']],
  ['a;b', ['a;b']],
  ["''", ['']],
  ['""', ['']],
  ["a '' b", ['a', '', 'b']],
  ["x ''y", ['x', 'y']],
  ['\'a b\' "c d"', ['a b', 'c d']],
  ['e\\ f', ['e f']],
  ['"a\\"b"', ['a"b']],
  ['"a\\\\b"', ['a\\b']],
  ['"a\\nb"', ['a\\nb']],
  ["'a\\\"b'", ['a\\"b']],
  ['a\\\\b', ['a\\b']],
  ['a\\', 'ERR:No escaped character'],
  ['"abc', 'ERR:No closing quotation'],
  ["'abc", 'ERR:No closing quotation'],
  ['a\\\nb', ['a\nb']],
  ['a\tb\nc\rd', ['a', 'b', 'c', 'd']],
  ['a\u000bb', ['a\u000bb']],
  ['  lead  trail  ', ['lead', 'trail']],
  ['$HOME ${X} `id` $(id)', ['$HOME', '${X}', '`id`', '$(id)']],
  ["it's\"a\"'b'", 'ERR:No closing quotation'],
  ['"\\$x"', ['\\$x']],
  ['foo\\ ', ['foo ']],
  ["\\'", ["'"]],
  ['\\"', ['"']],
  ["'\\\\'", ['\\\\']],
  ['a"b c"d', ['ab cd']],
  ['"', 'ERR:No closing quotation'],
  ["'", 'ERR:No closing quotation'],
  ['\\', 'ERR:No escaped character'],
  ['ünï "cødé ✓"', ['ünï', 'cødé ✓']],
  ['--flag="x y"', ['--flag=x y']],
  ['-c \'model="o3"\'', ['-c', 'model="o3"']],
  ["a'\"'b", ['a"b']],
  ['"\'"', ["'"]],
  ['', []],
];

function split(text: string): string[] | string {
  try {
    return splitShellWords(text);
  } catch (err) {
    // Our messages start with shlex's and add what is wrong.
    return `ERR:${(err as Error).message.replace(/ \(.*\)$/, '')}`;
  }
}

describe('splitShellWords = Python shlex.split', () => {
  it.each(SHLEX_SPLIT)('%j', (input, expected) => {
    expect(split(input)).toEqual(expected);
  });

  it("explains the error beyond shlex's message", () => {
    expect(() => splitShellWords('node cli.js \\')).toThrow('No escaped character (the text ends with a backslash)');
    expect(() => splitShellWords('node "cli.js')).toThrow('No closing quotation (the double quote is never closed)');
    expect(() => splitShellWords("node 'cli.js")).toThrow('No closing quotation (the single quote is never closed)');
  });
});

describe('our rule: an unquoted word that is only a shell operator is refused', () => {
  it.each([';', '&&', '||', '|', '>', '>>', '<', '&', '2>', '(', ')', '|&'])('%s', (op) => {
    expect(() => checkNoShellOperators(shellWords(`node cli.js ${op} x`))).toThrow(`shell operator "${op}" is not allowed`);
  });
  it.each(["';'", '"|"', '\\>', '2>&1', 'a;b', '#', '>log', '$(id)'])('%s is an ordinary word', (word) => {
    expect(() => checkNoShellOperators(shellWords(`node cli.js ${word}`))).not.toThrow();
  });
});

describe('in the configuration', () => {
  const configError = (env: Record<string, string>) => {
    try {
      loadConfig(env);
    } catch (err) {
      if (err instanceof ConfigError) return err.message;
      throw err;
    }
    return 'accepted';
  };
  it('words with #, globs and 2>&1 reach the argv literally', () => {
    expect(loadConfig({ RUNNER_ORCHESTRATOR_CMD: "node src/*.ts '#' 2>&1 --loop" }).orchestratorCmd).toEqual(['node', 'src/*.ts', '#', '2>&1', '--loop']);
    expect(loadConfig({ CODEX_MCP_ARGS: "mcp-server # '' x" }).codexMcpArgs).toEqual(['mcp-server', '#', '', 'x']);
  });
  it('a trailing backslash and an unterminated quote are refused, naming the variable', () => {
    expect(configError({ RUNNER_ORCHESTRATOR_CMD: 'node cli.js \\' })).toBe(
      'RUNNER_ORCHESTRATOR_CMD must be valid shell words (No escaped character (the text ends with a backslash))',
    );
    expect(configError({ CODEX_MCP_ARGS: 'mcp-server \\' })).toBe('CODEX_MCP_ARGS must be valid shell words (No escaped character (the text ends with a backslash))');
    expect(configError({ CODEX_MCP_ARGS: 'mcp-server "x' })).toBe('CODEX_MCP_ARGS must be valid shell words (No closing quotation (the double quote is never closed))');
  });
  it("an empty program name ('') is refused; an empty argument is kept", () => {
    expect(configError({ RUNNER_ORCHESTRATOR_CMD: "'' cli.js" })).toBe('RUNNER_ORCHESTRATOR_CMD must start with a program name (its first word is empty)');
    expect(configError({ RUNNER_ORCHESTRATOR_CMD: '""' })).toBe('RUNNER_ORCHESTRATOR_CMD must start with a program name (its first word is empty)');
    expect(loadConfig({ RUNNER_ORCHESTRATOR_CMD: "node cli.js ''" }).orchestratorCmd).toEqual(['node', 'cli.js', '']);
  });
});
