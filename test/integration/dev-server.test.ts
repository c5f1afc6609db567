import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort, resolveTemporalCli } from '../../src/temporal/dev-server';

const BIN = join(__dirname, '..', '..', 'bin', 'sprint-runner.js');

describe('sprint-runner dev-server (the embedded default a newcomer runs)', () => {
  let child: ChildProcess;
  let ready: { address: string; web_ui: string; db_file: string };

  beforeAll(async () => {
    const [port, uiPort] = [await freePort(), await freePort()];
    const dbFile = join(mkdtempSync(join(tmpdir(), 'sr-dev-')), 'temporal.db');
    child = spawn(process.execPath, [BIN, 'dev-server', '--port', String(port), '--ui-port', String(uiPort), '--db-file', dbFile], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    ready = await new Promise((resolve, reject) => {
      const lines = createInterface({ input: child.stderr! });
      lines.on('line', (line) => {
        if (line.includes('DEV_SERVER_READY')) resolve(JSON.parse(line));
      });
      child.once('exit', (code) => reject(new Error(`dev-server exited ${code}`)));
    });
  });

  afterAll(async () => {
    child.kill('SIGINT');
    await new Promise((resolve) => child.once('exit', resolve));
  });

  it('serves the Web UI page', async () => {
    const response = await fetch(ready.web_ui);
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/<html/i);
  });

  it('registers our search attributes and persists to the SQLite file', () => {
    const out = spawnSync(resolveTemporalCli(), ['operator', 'search-attribute', 'list', '--address', ready.address], { encoding: 'utf8' });
    expect(out.status).toBe(0);
    for (const [name, type] of [
      ['Sprint', 'Keyword'],
      ['IssueNumber', 'Int'],
      ['BoardStatus', 'Keyword'],
      ['Role', 'Keyword'],
    ]) {
      expect(out.stdout).toMatch(new RegExp(`${name}\\s+${type}`));
    }
    expect(existsSync(ready.db_file)).toBe(true);
  });
});
