/** Time as the shell sees it; injected so tests can drive it. */
export interface Clock {
  /** Monotonic milliseconds: never goes back, whatever the wall clock does. */
  now(): number;
  /** Wall-clock milliseconds since the epoch: for the token floor only. */
  wallMs(): number;
}

/** One-shot timers, injected beside the clock. */
export interface Timer {
  set(fn: () => void, delayMs: number): unknown;
  clear(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  wallMs: () => Date.now(),
};

/**
 * The global `setTimeout` as it is. In Node a pending one keeps the process
 * running, as a client's must: its heartbeats hold the leases its host is
 * working under.
 */
/** Resolves after `ms` on `timer`. */
export function delay(timer: Timer, ms: number): Promise<void> {
  return new Promise((resolve) => timer.set(resolve, ms));
}

export const plainTimer: Timer = {
  set: (fn, delayMs) => setTimeout(fn, delayMs),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
