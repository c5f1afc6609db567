import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const BIN = join(__dirname, '..', '..', 'bin', 'sprint-runner.js');

function run(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env } });
}

describe('sprint-runner config (real CLI process)', () => {
  it('prints the resolved configuration as JSON and exits 0', () => {
    const out = run(['config'], { RUNNER_MAX_EXECUTORS: '7', GITHUB_PAT: 'ghp_should_not_show' });
    expect(out.status).toBe(0);
    const config = JSON.parse(out.stdout);
    expect(config.maxExecutors).toBe(7);
    expect(config.temporalTaskQueue).toBe('sprint-runner');
    expect(out.stdout).not.toContain('ghp_should_not_show');
  });

  it('exits 2 with a CONFIG_ERROR line naming the variable', () => {
    const out = run(['config'], { RUNNER_MAX_EXECUTORS: 'abc' });
    expect(out.status).toBe(2);
    expect(JSON.parse(out.stderr.trim().split('\n').pop()!)).toEqual({
      type: 'CONFIG_ERROR',
      error: 'RUNNER_MAX_EXECUTORS must be an integer',
    });
    expect(out.stdout).toBe('');
  });

  it('an unknown command exits 2 with usage help', () => {
    const out = run(['frobnicate']);
    expect(out.status).toBe(2);
    expect(out.stderr).toContain("unknown command 'frobnicate'");
  });
});
