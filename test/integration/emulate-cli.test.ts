import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from '../../src/temporal/dev-server';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'sprint-runner.js');

describe('sprint-runner emulate backend (real process, real HTTP)', () => {
  let child: ChildProcess;
  afterEach(async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });

  it('serves preflight PASS for the example board and stops on SIGTERM', async () => {
    const port = await freePort();
    child = spawn(process.execPath, [BIN, 'emulate', 'backend', '--port', String(port), '--items', 'examples/items.json'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const ready = await new Promise<{ url: string }>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        if (line.includes('EMULATOR_READY')) resolve(JSON.parse(line));
      });
      child.once('exit', (code) => reject(new Error(`emulator exited ${code}`)));
    });
    const response = await fetch(`${ready.url}/internal/preflight?role=ORCHESTRATOR`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ role: 'ORCHESTRATOR', status: 'PASS', errors: [] });
    const items = (await (await fetch(`${ready.url}/__admin/items`)).json()) as Array<{ issue_number: number }>;
    expect(items.map((item) => item.issue_number)).toContain(21);
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
