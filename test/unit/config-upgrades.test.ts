/**
 * The safe-upgrade variables (docs/upgrading.md): default, override, invalid; and the build id the
 * worker derives when SPRINT_RUNNER_BUILD_ID is absent (package version + git commit read from .git).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config';
import { gitCommit, resolveBuildId, workerVersioningFor } from '../../src/temporal/deployment';

const SHA = '0123456789abcdef0123456789abcdef01234567';

function checkout(layout: 'loose' | 'packed' | 'detached' | 'none'): string {
  const root = mkdtempSync(join(tmpdir(), 'sr-build-id-'));
  writeFileSync(join(root, 'package.json'), JSON.stringify({ version: '2.3.4' }));
  if (layout === 'none') return root;
  mkdirSync(join(root, '.git', 'refs', 'heads'), { recursive: true });
  writeFileSync(join(root, '.git', 'HEAD'), layout === 'detached' ? `${SHA}\n` : 'ref: refs/heads/main\n');
  if (layout === 'loose') writeFileSync(join(root, '.git', 'refs', 'heads', 'main'), `${SHA}\n`);
  if (layout === 'packed') writeFileSync(join(root, '.git', 'packed-refs'), `# pack-refs with: peeled\n${SHA} refs/heads/main\n`);
  return root;
}

describe('upgrade configuration', () => {
  it('defaults: versioned worker of deployment sprint-runner, derived build id, 30 s shutdown grace', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ workerVersioning: true, deploymentName: 'sprint-runner', buildId: null, shutdownGraceS: 30 });
  });

  it('overrides', () => {
    const config = loadConfig({ RUNNER_WORKER_VERSIONING: 'false', RUNNER_DEPLOYMENT_NAME: ' staging ', SPRINT_RUNNER_BUILD_ID: ' 2026-12-03.1 ', RUNNER_SHUTDOWN_GRACE_S: '2.5' });
    expect(config).toMatchObject({ workerVersioning: false, deploymentName: 'staging', buildId: '2026-12-03.1', shutdownGraceS: 2.5 });
    expect(workerVersioningFor(config)).toBeNull();
    expect(workerVersioningFor(loadConfig({ SPRINT_RUNNER_BUILD_ID: 'b7' }))).toEqual({
      version: { deploymentName: 'sprint-runner', buildId: 'b7' },
      defaultBehavior: 'AUTO_UPGRADE',
    });
  });

  it.each([
    ['0', 'RUNNER_SHUTDOWN_GRACE_S must be a positive number'],
    ['soon', 'RUNNER_SHUTDOWN_GRACE_S must be a number'],
    ['inf', 'RUNNER_SHUTDOWN_GRACE_S must be a number'],
  ])('RUNNER_SHUTDOWN_GRACE_S=%s is refused: %s', (value, message) => {
    expect(() => loadConfig({ RUNNER_SHUTDOWN_GRACE_S: value })).toThrow(message);
  });

  it.each(['loose', 'packed', 'detached'] as const)('build id = package version + short commit (%s ref)', (layout) => {
    const root = checkout(layout);
    expect(gitCommit(root)).toBe(SHA);
    expect(resolveBuildId({ buildId: null }, root)).toBe('2.3.4-0123456');
  });

  it('build id = package version alone without .git; SPRINT_RUNNER_BUILD_ID wins', () => {
    const root = checkout('none');
    expect(gitCommit(root)).toBeNull();
    expect(resolveBuildId({ buildId: null }, root)).toBe('2.3.4');
    expect(resolveBuildId({ buildId: 'ci-42' }, checkout('loose'))).toBe('ci-42');
  });
});
