import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Milliseconds on CLOCK_MONOTONIC. `process.hrtime` reads the kernel's
 * monotonic clock, which every process on one Linux host shares, so a
 * driver's grant time and the runner's kill time can be subtracted directly,
 * unlike `performance.now()`, whose zero is each process's own start.
 */
export function sharedClockMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/**
 * Runs `body` `times` times in turn, or fewer if `forMs` passes first (D's
 * warm-up is bounded both ways: a peer's handoff can take 90 ms).
 */
export async function repeat(
  times: number,
  forMs: number,
  body: () => Promise<unknown>,
): Promise<void> {
  const end = performance.now() + forMs;
  for (let i = 0; i < times && performance.now() < end; i++) await body();
}

/** Rejects after `ms` with `what`, unless `promise` settles first. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Polls `probe` every `everyMs` until it gives a value (not null), and
 * resolves to it; throws `failure()` once `deadline` (performance.now()) has
 * passed without one.
 */
export async function waitFor<T>(
  probe: () => T | null | Promise<T | null>,
  deadline: number,
  everyMs: number,
  failure: () => string,
): Promise<T> {
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (performance.now() > deadline) throw new Error(failure());
    await sleep(everyMs);
  }
}
