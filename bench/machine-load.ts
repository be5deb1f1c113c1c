import { readFileSync } from 'node:fs';

/** Jiffies from the first line of /proc/stat: all CPUs together. */
export interface CpuTimes {
  busy: number;
  total: number;
}

/**
 * The machine's CPU times, or null off Linux. The bench machine is shared
 * and noisy; knowing how busy it was during a window is what tells a slow
 * figure from a slow broker.
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
