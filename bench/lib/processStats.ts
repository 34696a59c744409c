/**
 * Reads another process's CPU time and peak memory from /proc, so a server's cost is measured from
 * outside and never mixed with the client's. Linux only.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const clockTicksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** User + system CPU time the process has used so far, in milliseconds (resolution: one clock tick). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces, so count fields from after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const userTicks = Number(fields[11]);
  const systemTicks = Number(fields[12]);
  return ((userTicks + systemTicks) * 1000) / clockTicksPerSecond;
}

/** The process's peak resident set size (VmHWM) in KiB. */
export function peakRssKiB(pid: number): number {
  return statusKiB(pid, 'VmHWM');
}

/** The process's resident set size now (VmRSS) in KiB. */
export function rssKiB(pid: number): number {
  return statusKiB(pid, 'VmRSS');
}

function statusKiB(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
  if (!match) throw new Error(`No ${field} in /proc/${pid}/status`);
  return Number(match[1]);
}

/**
 * Starts a new peak-RSS window: afterwards VmHWM reports the peak from now on, not since the process
 * started. Returns false where the kernel does not allow it (the peak then covers the whole life).
 */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

export interface ProcessUsage {
  readonly cpuMs: number;
  /** Resident memory when measuring started: the peak is only meaningful next to it. */
  readonly rssAtStartKiB: number;
  readonly peakRssKiB: number;
  /** False when the peak could not be reset and covers the process's whole life. */
  readonly peakIsWindowed: boolean;
}

/** Starts measuring another process; the returned function reports its usage since the call. */
export function measureProcess(pid: number): () => ProcessUsage {
  const peakIsWindowed = resetPeakRss(pid);
  const rssAtStartKiB = rssKiB(pid);
  const cpuAtStart = cpuMs(pid);
  return () => ({
    cpuMs: cpuMs(pid) - cpuAtStart,
    rssAtStartKiB,
    peakRssKiB: peakRssKiB(pid),
    peakIsWindowed,
  });
}
