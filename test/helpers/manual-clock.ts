import type { Clock, Timer } from '../../shared/clock.js';

/**
 * A clock and its timers that move only when the test says: `advance` fires,
 * in order, every timer that falls due, including those set while it runs.
 */
export class ManualClock implements Clock, Timer {
  private nowMs = 0;
  private nextHandle = 1;
  private readonly timers = new Map<number, { atMs: number; fn: () => void }>();

  now(): number {
    return this.nowMs;
  }

  wallMs(): number {
    return 1_700_000_000_000 + this.nowMs;
  }

  set(fn: () => void, delayMs: number): unknown {
    const handle = this.nextHandle++;
    this.timers.set(handle, { atMs: this.nowMs + Math.max(0, delayMs), fn });
    return handle;
  }

  clear(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Timers set and not yet fired or cleared. */
  get pending(): number {
    return this.timers.size;
  }

  /** Moves time on by `ms`, firing each timer due by then at its own time. */
  advance(ms: number): void {
    const untilMs = this.nowMs + ms;
    for (;;) {
      let due: [number, { atMs: number; fn: () => void }] | undefined;
      // Earliest first; among equals, the one set first (Map keeps insertion order).
      for (const entry of this.timers) {
        if (entry[1].atMs <= untilMs && (!due || entry[1].atMs < due[1].atMs)) due = entry;
      }
      if (!due) break;
      this.timers.delete(due[0]);
      this.nowMs = due[1].atMs;
      due[1].fn();
    }
    this.nowMs = untilMs;
  }
}

/** Lets promise callbacks and socket events already queued run; manual time stands still. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Watches `promise` on manual time: `now()` lets queued callbacks run, then
 * gives its value or rejection reason, or `'pending'` while it has neither.
 */
export function settled(promise: Promise<unknown>): { now(): Promise<unknown> } {
  let outcome: { value: unknown } | null = null;
  promise.then(
    (value) => (outcome = { value }),
    (reason: unknown) => (outcome = { value: reason }),
  );
  return {
    now: async () => {
      await flush();
      return outcome ? outcome.value : 'pending';
    },
  };
}
