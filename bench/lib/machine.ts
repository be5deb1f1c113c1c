import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { progress } from './runner.js';

/** Jiffies from the first line of /proc/stat: all CPUs together. */
export interface CpuTimes {
  busy: number;
  total: number;
}

/**
 * The machine's CPU times, or null off Linux: on a shared, noisy machine,
 * how busy it was during a window tells a slow figure from a slow broker.
 */
export function readCpuTimes(): CpuTimes | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    const fields = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is inside user).
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] =
      fields;
    const busy = user + nice + system + irq + softirq + steal;
    return { busy, total: busy + idle + iowait };
  } catch {
    return null;
  }
}

/** Busy share of all CPUs between two readings, scaled so 100 = one core (like process CPU). */
export function machineBusyPct(
  before: CpuTimes | null,
  after: CpuTimes | null,
  cores: number,
): number {
  if (!before || !after || after.total <= before.total) return NaN;
  return ((after.busy - before.busy) / (after.total - before.total)) * 100 * cores;
}

/**
 * Kernel clock ticks per second of /proc/<pid>/stat. It is 100 on every
 * Linux build Node runs on (USER_HZ is fixed by the ABI, unlike the kernel's HZ).
 */
const USER_HZ = 100;

/**
 * CPU time (user + system) of another process, in ms, or null when it cannot
 * be read. For the bench's Redis: its share of a window belongs to the
 * Redis-backed broker's cost, not to the "others" on the machine.
 */
export function readProcessCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces; the fields after ")" are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after ")".
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? (ticks * 1000) / USER_HZ : null;
  } catch {
    return null;
  }
}

/** Resident set of another process in bytes (VmRSS of /proc/<pid>/status), or NaN. */
export function readProcessRssBytes(pid: number): number {
  try {
    const kib = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kib === undefined ? NaN : Number(kib) * 1024;
  } catch {
    return NaN;
  }
}

/** The machine as a run found it; the machine is shared, so every result says. */
export interface MachineAtStart {
  nproc: string;
  /** The open-files limit (`ulimit -n`) that servers and drivers inherit. */
  openFilesLimit: string;
  /** 1, 5 and 15 minute load averages when the run began. */
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
  let limit = 'unknown';
  try {
    const limits = readFileSync('/proc/self/limits', 'utf8');
    limit = /^Max open files\s+(\S+)/m.exec(limits)?.[1] ?? limit;
  } catch {
    // Not Linux: said as unknown.
  }
  if (limit !== 'unlimited' && Number(limit) < socketsNeeded) {
    progress(`ulimit -n is ${limit}, below the ~${socketsNeeded} sockets the large scenarios need`);
  }
  return { nproc: String(availableParallelism()), openFilesLimit: limit, loadAtStart };
}
