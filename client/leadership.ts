import { asyncDispose } from './async-dispose.js';
import type { Lease } from './lease.js';

/** Who leads a path, as `client.observe` tells it: the holder's token and value. */
export interface Leader {
  token: number;
  /** What the leader gave as `value` when it ran for election; '' if nothing. */
  value: string;
}

/**
 * Leadership of a path, from `client.elect`: a lease whose value observers
 * see. `signal` aborts when it is lost; `resign()` gives it up, and the next
 * candidate in line leads.
 */
export class Leadership implements AsyncDisposable {
  /** @internal Leaderships come from `elect`. */
  constructor(
    private readonly lease: Lease,
    readonly value: string,
  ) {}

  get path(): string {
    return this.lease.path;
  }

  /** The fencing token of this term: larger than every earlier leader's. */
  get token(): number {
    return this.lease.token;
  }

  get signal(): AbortSignal {
    return this.lease.signal;
  }

  /** Throws as `lease.assertHeld()` does once leadership may be lost. */
  assertHeld(): void {
    this.lease.assertHeld();
  }

  /** Steps down; the next candidate becomes leader. Calling it again is harmless. */
  resign(): Promise<void> {
    return this.lease.release();
  }

  [asyncDispose](): Promise<void> {
    return this.resign();
  }
}
