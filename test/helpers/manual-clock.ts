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
    for (let due = this.takeDue(untilMs); due; due = this.takeDue(untilMs)) {
      this.nowMs = due.atMs;
      due.fn();
    }
    this.nowMs = untilMs;
  }

  /** The earliest timer due by `untilMs`, removed; among equals, the one set first. */
  private takeDue(untilMs: number): { atMs: number; fn: () => void } | undefined {
    let due: [number, { atMs: number; fn: () => void }] | undefined;
    // Map keeps insertion order, so a strict `<` keeps the first set among equals.
    for (const entry of this.timers) {
      if (entry[1].atMs <= untilMs && (!due || entry[1].atMs < due[1].atMs)) due = entry;
    }
    if (due) this.timers.delete(due[0]);
    return due?.[1];
  }

  /**
   * A process stopped for `ms` and resumed (SIGSTOP, a long GC pause): time
   * jumps first, then every overdue timer fires in due order, each seeing
   * the late time, as Node runs timers after a stall.
   */
  stall(ms: number): void {
    this.nowMs += ms;
    for (let due = this.takeDue(this.nowMs); due; due = this.takeDue(this.nowMs)) due.fn();
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
