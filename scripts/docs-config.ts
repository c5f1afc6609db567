/**
 * `npm run docs:config`: rewrites the README's configuration table (between the config-table
 * markers) from the table in src/config.ts. test/unit/config-table.test.ts fails while they differ.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configurationTableMarkdown } from '../src/config';

export const README_PATH = join(__dirname, '..', 'README.md');
const START = '<!-- config-table:start (generated from src/config.ts by `npm run docs:config`; do not edit) -->';
const END = '<!-- config-table:end -->';

/** `readme` with the text between the markers replaced by the generated table. */
export function withConfigTable(readme: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README has no configuration table markers (${START} … ${END})`);
  return `${readme.slice(0, start + START.length)}\n${configurationTableMarkdown()}${readme.slice(end)}`;
}

if (require.main === module) {
  const before = readFileSync(README_PATH, 'utf8');
  const after = withConfigTable(before);
  if (after === before) process.stdout.write('README configuration table is up to date\n');
  else {
    writeFileSync(README_PATH, after);
    process.stdout.write('README configuration table rewritten from src/config.ts\n');
  }
}
