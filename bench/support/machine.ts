/** Machine description stored with every result, so two runs can be compared as ratios. */
import { cpus, totalmem, platform, release, arch, loadavg, hostname } from 'node:os';
import { execFileSync } from 'node:child_process';
import { resolveTemporalCli, temporalCliVersion } from '../../src/temporal/dev-server';

export interface MachineInfo {
  date: string;
  hostname: string;
  platform: string;
  release: string;
  arch: string;
  cpus: number;
  cpuModel: string;
  cpuMHz: number | null;
  totalMemMiB: number;
  loadAvgAtStart: number[];
  node: string;
  temporalCli: string | null;
  temporalSdk: string;
  gitCommit: string | null;
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  let gitCommit: string | null = null;
  try {
    gitCommit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    gitCommit = null;
  }
  let temporalCli: string | null = null;
  try {
    temporalCli = temporalCliVersion(resolveTemporalCli());
  } catch {
    temporalCli = null;
  }
  const sdk = (require('@temporalio/worker/package.json') as { version: string }).version;
  return {
    date: new Date().toISOString(),
    hostname: hostname(),
    platform: platform(),
    release: release(),
    arch: arch(),
    cpus: list.length,
    cpuModel: list[0]?.model ?? 'unknown',
    cpuMHz: list[0]?.speed || null,
    totalMemMiB: Math.round(totalmem() / 1024 / 1024),
    loadAvgAtStart: loadavg().map((v) => Math.round(v * 100) / 100),
    node: process.version,
    temporalCli,
    temporalSdk: sdk,
    gitCommit,
  };
}
