import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';

/**
 * Runs a bench entry point and sets its exit code. `cleanup` (killing every
 * child by pid) runs however the run ends: done, failed, a signal or exit,
 * so no broker, driver or server outlives it.
 */
export function runMain(main: () => Promise<number>, cleanup: () => void): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      cleanup();
      process.exit(130);
    });
  }
  process.on('exit', cleanup);
  main().then(
    (code) => {
      cleanup();
      process.exitCode = code;
    },
    (err: unknown) => {
      cleanup();
      console.error(err);
      process.exitCode = 1;
    },
  );
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
export function machineAtStart(
  progress: (message: string) => void,
  socketsNeeded = 0,
): MachineAtStart {
  const loadAtStart = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  progress(`load average at start: ${loadAtStart}`);
  const limit = openFilesLimit();
  if (limit !== 'unlimited' && Number(limit) < socketsNeeded) {
    progress(`ulimit -n is ${limit}, below the ~${socketsNeeded} sockets the large scenarios need`);
  }
  return { nproc: String(availableParallelism()), openFilesLimit: limit, loadAtStart };
}

function openFilesLimit(): string {
  try {
    const limits = readFileSync('/proc/self/limits', 'utf8');
    return /^Max open files\s+(\S+)/m.exec(limits)?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
