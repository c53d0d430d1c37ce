/**
 * CPU time and memory of any process on this machine, read from /proc: user+system CPU from
 * /proc/<pid>/stat, resident set now (VmRSS) and at its peak (VmHWM) from /proc/<pid>/status. Works for processes we did
 * not write (the hub, PostgreSQL backends) the same as for our own children. Linux only.
 */
import { readFileSync } from 'node:fs';

/** clock ticks per second of /proc/<pid>/stat; 100 on every Linux this runs on (getconf CLK_TCK) */
const CLK_TCK = 100;

/** user + system CPU of a process in ms, or undefined when it is gone */
export function cpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name may contain spaces and parentheses: fields start after the last ')'
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return ((utime + stime) * 1000) / CLK_TCK;
  } catch {
    return undefined;
  }
}

/** a memory field of /proc/<pid>/status (VmHWM, VmRSS) in MiB, or undefined when the process is gone */
function statusMiB(pid: number, field: 'VmHWM' | 'VmRSS'): number | undefined {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** peak resident set size in MiB (VmHWM), or undefined when the process is gone */
export const peakRssMiB = (pid: number) => statusMiB(pid, 'VmHWM');

/** resident set size now in MiB (VmRSS), or undefined when the process is gone */
export const rssMiB = (pid: number) => statusMiB(pid, 'VmRSS');

/** CPU (ms) of each of a set of processes at one moment */
export function cpuByPid(pids: readonly number[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of pids) {
    const ms = cpuMs(pid);
    if (ms !== undefined) out.set(pid, ms);
  }
  return out;
}

/**
 * CPU spent between two snapshots. A process present only in the later one started in between
 * (a forked PostgreSQL backend starts at zero); one gone by then is not counted.
 */
export function cpuDelta(before: Map<number, number>, after: Map<number, number>): number {
  let sum = 0;
  for (const [pid, ms] of after) sum += ms - (before.get(pid) ?? 0);
  return sum;
}
