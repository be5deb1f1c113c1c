import { spawn } from 'node:child_process';
import { constants } from 'node:os';

/** Exit statuses of `baton run` and `baton lock` besides the command's own. */
export const RUN_EXIT = {
  usage: 2,
  /** Not acquired: still held by another after --timeout, or at once with -n. */
  timeout: 3,
  lockLost: 4,
  unreachable: 5,
  /** The broker refused the credential (UNAUTHENTICATED), the path (FORBIDDEN) or a limit. */
  refused: 6,
  cannotStart: 127,
} as const;

/** Time a command gets to stop after SIGTERM, once its lock is lost, before SIGKILL. */
const KILL_GRACE_MS = 5_000;

/** The lease as the holders here use it. */
export interface HeldLease {
  path: string;
  token: number;
  signal: AbortSignal;
  release(): Promise<void>;
}

/** 128 + the signal's number, as a shell reports a command a signal ended. */
export const signalStatus = (signal: NodeJS.Signals): number =>
  128 + (constants.signals[signal] ?? 0);

/** What to run while the lock is held: a program and its arguments, through no shell. */
export interface Command {
  file: string;
  args: string[];
  /** How messages name it. */
  label: string;
}

/**
 * Runs the command while holding the lease, and resolves with its status
 * (or {@link RUN_EXIT}'s `lockLost` when the lock was lost, and the command
 * stopped, first). SIGINT and SIGTERM are passed on to the command.
 */
export function runHolding(
  command: Command,
  lease: HeldLease,
  say: (m: string) => void,
): Promise<number> {
  return new Promise<number>((resolve) => {
    // The handlers go in before the command starts: under load the command can
    // print, and its watcher signal us, before the line after spawn() runs.
    const forward = (signal: NodeJS.Signals): void => void child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    const child = spawn(command.file, command.args, {
      stdio: 'inherit',
      env: { ...process.env, BATON_PATH: lease.path, BATON_TOKEN: String(lease.token) },
    });
    let lost = false;
    let killTimer: NodeJS.Timeout | undefined;
    const onLost = (): void => {
      lost = true;
      say(
        `lost the lock on ${lease.path} (${(lease.signal.reason as Error).message}); stopping ${command.label}`,
      );
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
    };
    lease.signal.addEventListener('abort', onLost, { once: true });
    const done = (status: number): void => {
      clearTimeout(killTimer);
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      lease.signal.removeEventListener('abort', onLost);
      lease.release().then(
        () => resolve(status),
        () => resolve(status),
      );
    };
    child.on('error', (err) => {
      say(`cannot start ${command.label}: ${err.message}`);
      done(RUN_EXIT.cannotStart);
    });
    child.on('exit', (code, signal) => {
      if (lost) return done(RUN_EXIT.lockLost);
      done(code ?? (signal ? signalStatus(signal) : 1));
    });
  });
}

/**
 * Holds the lease until SIGINT or SIGTERM, then releases it: 0; or until it
 * is lost: `lockLost`. The path and token go to stdout for scripts.
 */
export function holdUntilSignal(lease: HeldLease, say: (m: string) => void): Promise<number> {
  return new Promise<number>((resolve) => {
    const finish = (status: number): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      lease.signal.removeEventListener('abort', onLost);
      resolve(status);
    };
    const stop = (): void => {
      void lease.release().finally(() => {
        say(`released ${lease.path}`);
        finish(0);
      });
    };
    const onLost = (): void => {
      say(`lost the lock on ${lease.path} (${(lease.signal.reason as Error).message})`);
      finish(RUN_EXIT.lockLost);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    lease.signal.addEventListener('abort', onLost, { once: true });
    // Only now: whoever waits for this line may signal at once.
    console.log(`${lease.path} ${lease.token}`);
    say(`holding ${lease.path} (token ${lease.token}) until SIGINT or SIGTERM`);
  });
}
