/**
 * What /proc says of the machine and of other processes. The bench machine is
 * shared and noisy: how busy it was during a window tells a slow figure from
 * a slow broker.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { progress } from './runner.js';

/** A /proc file, or '' where there is none (not Linux, or the process is gone). */
function readProc(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Jiffies of all CPUs together, from the first line of /proc/stat. */
export function readCpuTimes(): { busy: number; total: number } {
  const fields = (readProc('/proc/stat').split('\n', 1)[0] ?? '').trim().split(/\s+/);
  // user nice system idle iowait irq softirq steal (guest time is inside user).
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] =
    fields.slice(1).map(Number);
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

/** Busy share of all CPUs between two readings, scaled so 100 = one core (like process CPU). */
export function machineBusyPct(
  before: ReturnType<typeof readCpuTimes>,
  after: ReturnType<typeof readCpuTimes>,
): number {
  if (after.total <= before.total) return NaN;
  const share = (after.busy - before.busy) / (after.total - before.total);
  return share * 100 * availableParallelism();
}

/** Ticks per second of /proc/<pid>/stat: USER_HZ is fixed at 100 by the ABI, unlike HZ. */
const USER_HZ = 100;

/** CPU time (user + system) of another process in ms, or null when it cannot be read. */
export function readProcessCpuMs(pid: number): number | null {
  const stat = readProc(`/proc/${pid}/stat`);
  // The command name (field 2) may hold spaces; utime and stime are fields
  // 14 and 15 of the line, 12 and 13 after the ")" that ends the name.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return Number.isFinite(ticks) ? (ticks * 1000) / USER_HZ : null;
}

/** Resident set of another process in bytes (VmRSS of /proc/<pid>/status), or NaN. */
export function readProcessRssBytes(pid: number): number {
  const kib = /^VmRSS:\s+(\d+) kB$/m.exec(readProc(`/proc/${pid}/status`))?.[1];
  return kib === undefined ? NaN : Number(kib) * 1024;
}

/** The machine as a run found it; the machine is shared, so every result says. */
export interface MachineAtStart {
  nproc: string;
  /** `ulimit -n`, which servers and drivers inherit. */
  openFilesLimit: string;
  loadAtStart: string;
}

/**
 * Reads the machine at the start of a run and says what matters: the load,
 * and an open-files limit below `socketsNeeded` (a process cannot raise its
 * own hard limit, so it is said rather than failed on obscurely).
 */
export function machineAtStart(socketsNeeded: number): MachineAtStart {
  const loadAtStart = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  progress(`load average at start: ${loadAtStart}`);
  const limit = /^Max open files\s+(\S+)/m.exec(readProc('/proc/self/limits'))?.[1] ?? 'unknown';
  if (limit !== 'unlimited' && Number(limit) < socketsNeeded) {
    progress(`ulimit -n is ${limit}, below the ~${socketsNeeded} sockets the large scenarios need`);
  }
  return { nproc: String(availableParallelism()), openFilesLimit: limit, loadAtStart };
}
