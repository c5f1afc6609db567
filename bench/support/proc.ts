/** CPU and memory of processes from /proc (Linux), for "where did the time go" figures. */
import { readFileSync } from 'node:fs';

const CLOCK_TICKS = 100; // USER_HZ on Linux

/** utime + stime of a process, in seconds (children that were waited for included: cutime + cstime). */
export function procCpuS(pid: number | undefined, withChildren = false): number | null {
  if (!pid) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state): utime = field 14 → index 11, stime 12, cutime 13, cstime 14
    const ticks = Number(fields[11]) + Number(fields[12]) + (withChildren ? Number(fields[13]) + Number(fields[14]) : 0);
    return ticks / CLOCK_TICKS;
  } catch {
    return null;
  }
}

/** Resident set size from /proc/<pid>/status (VmRSS), MiB. */
export function procRssMiB(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /VmRSS:\s+(\d+) kB/.exec(status);
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** CPU meter over a section: this process (with its reaped children) and the dev server. */
export function cpuMeter(serverPid: number | undefined) {
  const self0 = procCpuS(process.pid, true) ?? 0;
  const server0 = procCpuS(serverPid) ?? 0;
  const t0 = Date.now();
  return () => {
    const wallS = (Date.now() - t0) / 1000;
    const benchProcessS = (procCpuS(process.pid, true) ?? 0) - self0;
    const devServerS = (procCpuS(serverPid) ?? 0) - server0;
    return { wallS, benchProcessAndChildrenCpuS: Math.round(benchProcessS * 10) / 10, devServerCpuS: Math.round(devServerS * 10) / 10 };
  };
}
