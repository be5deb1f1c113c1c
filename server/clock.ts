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

export const systemTimer: Timer = {
  set: (fn, delayMs) => {
    const t = setTimeout(fn, delayMs);
    t.unref();
    return t;
  },
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
