import { readFileSync } from 'node:fs';
import { configurationTableMarkdown, loadConfig } from '../../src/config';
import { README_PATH, withConfigTable } from '../../scripts/docs-config';

describe('configuration table: src/config.ts is the one source of the README table', () => {
  it('the README table is the generated one (run `npm run docs:config` after changing src/config.ts)', () => {
    const readme = readFileSync(README_PATH, 'utf8');
    expect(withConfigTable(readme)).toBe(readme);
  });

  it('every variable loadConfig reads has a row, and an invalid value of each row it parses is named', () => {
    const rows = configurationTableMarkdown()
      .split('\n')
      .slice(2)
      .filter(Boolean)
      .map((row) => /^\| `([A-Z_]+)` \|/.exec(row)?.[1]);
    expect(rows).not.toContain(undefined);
    expect(new Set(rows).size).toBe(rows.length);
    // Each numeric row: a non-number must fail naming exactly that variable, so the row is read by loadConfig.
    for (const name of ['BACKEND_TIMEOUT_S', 'RUNNER_MAX_EXECUTORS', 'SPRINT_IDLE_POLL_MINUTES', 'RUNNER_SHUTDOWN_GRACE_S', 'ORCHESTRATOR_POLL_INTERVAL_MS']) {
      expect(rows).toContain(name);
      expect(() => loadConfig({ [name]: 'not-a-number' })).toThrow(`${name} must be`);
    }
  });

  it('withConfigTable replaces only the text between the markers', () => {
    const start = '<!-- config-table:start (generated from src/config.ts by `npm run docs:config`; do not edit) -->';
    const stale = `intro\n${start}\n| old | table |\n<!-- config-table:end -->\noutro\n`;
    const fresh = withConfigTable(stale);
    expect(fresh.startsWith(`intro\n${start}\n| variable | default | rule | controls |\n`)).toBe(true);
    expect(fresh.endsWith('|\n<!-- config-table:end -->\noutro\n')).toBe(true);
    expect(fresh).not.toContain('| old | table |');
    expect(() => withConfigTable('no markers')).toThrow('no configuration table markers');
  });
});
