import { BatonError, LockLostError, type LockLostReason } from '../shared/errors.js';
import { asyncDispose } from './async-dispose.js';
import type { FlightOutcome } from './single-flight.js';

/**
 * A held lock. Hand `token` to every resource you write to, and stop when
 * `signal` aborts. With `await using lease = await client.acquire(path)` the
 * lock is released when the block is left, however it is left.
 */
export class Lease implements AsyncDisposable {
  /**
   * Made on the first read of `signal`: most leases are released without
   * anyone listening, and an AbortController per grant was the client's
   * largest cost per handoff.
   */
  private controller: AbortController | null = null;
  /** Why the lease was lost; `signal`'s reason once it aborted. */
  private lostWith: LockLostError | null = null;
  private releasing: Promise<void> | null = null;

  /** @internal Leases come from `acquire`, `tryAcquire` and `withLock`. */
  constructor(
    readonly path: string,
    /** Fencing token: larger than every token granted before it, for any path. */
    readonly token: number,
    /** @internal The acquire request that won this lease. */
    readonly requestId: number,
    private readonly giveBack: (lease: Lease, outcome?: FlightOutcome) => Promise<void>,
    private readonly leaseRunning: () => boolean,
  ) {}

  /** Aborts, with a `LockLostError`, once the client can no longer be sure it holds the lock. */
  get signal(): AbortSignal {
    if (this.controller === null) {
      this.controller = new AbortController();
      if (this.lostWith !== null) this.controller.abort(this.lostWith);
    }
    return this.controller.signal;
  }

  /**
   * Gives the lock back; the next waiter is granted at once. It resolves when
   * the release is sent (the broker does not answer it; requests sent after it
   * are handled after it). Calling it again is harmless.
   */
  release(): Promise<void> {
    this.releasing ??= this.giveBack(this);
    return this.releasing;
  }

  /** @internal Releases with a single-flight run's outcome, told to those who waited for it. */
  settle(outcome: FlightOutcome): Promise<void> {
    this.releasing ??= this.giveBack(this, outcome);
    return this.releasing;
  }

  /** Releases the lock: what `await using` calls when the block is left. */
  [asyncDispose](): Promise<void> {
    return this.release();
  }

  /**
   * Throws unless the lock is still surely held, by the client's own monotonic
   * clock: `LOCK_LOST` once `signal` aborted, or once the session lease may
   * have lapsed even if the timer that aborts `signal` has not run yet (after
   * a process stall, overdue timers run in due order, so the caller's own
   * callbacks can run first). `NOT_HOLDER` after `release`. Call it right
   * before a write; only a fencing token checked by the resource closes the
   * gap between this check and the write landing.
   */
  assertHeld(): void {
    if (this.lostWith !== null) throw this.lostWith;
    if (this.releasing !== null) {
      throw new BatonError('NOT_HOLDER', `${this.path} was released by this client`);
    }
    if (!this.leaseRunning()) {
      throw new LockLostError(
        'lease-expired',
        `lost ${this.path}: the session lease may have lapsed (not renewed in time)`,
      );
    }
  }

  /** True once `release` was called. */
  get released(): boolean {
    return this.releasing !== null;
  }

  /** @internal Marks the lease lost and aborts its signal. */
  lose(reason: LockLostReason): void {
    if (this.lostWith !== null) return;
    const why: Record<LockLostReason, string> = {
      'lease-expired': 'the session lease could not be renewed in time',
      'session-expired': 'the session expired',
      revoked: 'the broker took the lock back',
      closed: 'the client was closed',
    };
    this.lostWith = new LockLostError(reason, `lost ${this.path}: ${why[reason]}`);
    this.controller?.abort(this.lostWith);
  }
}
