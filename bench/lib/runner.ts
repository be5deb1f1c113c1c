import { killAllChildren } from './child.js';
import { stopRedis } from './redis.js';
import { round } from './stats.js';

let command = 'bench';

/** A progress line on stderr; stdout carries only the figures. */
export function progress(message: string): void {
  process.stderr.write(`${command}: ${message}\n`);
}

/**
 * Runs a bench entry point and sets its exit code. Every child (brokers,
 * drivers, servers, the bench's Redis) is killed by pid however the run
 * ends: done, failed, a signal or exit.
 */
export function runMain(name: string, main: () => Promise<number>): void {
  command = name;
  const cleanup = (): void => {
    killAllChildren();
    stopRedis();
  };
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

/**
 * One row's work between progress lines. A failure kills the row's processes
 * and comes back as its message, so one broken row does not hide the others.
 */
export async function attempt<T>(
  label: string,
  work: () => Promise<T>,
): Promise<{ value: T } | { error: string }> {
  progress(`${label} ...`);
  const startedAt = performance.now();
  try {
    return { value: await work() };
  } catch (err) {
    killAllChildren();
    return { error: err instanceof Error ? err.message : String(err) };
  } finally {
    progress(`${label} done in ${round((performance.now() - startedAt) / 1000, 1)} s`);
  }
}
