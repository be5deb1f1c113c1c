import type { Timer } from '../clock.js';

/**
 * The active broker's side of the leader lease: until when it may act as the
 * leader. The lease runs from the *send* time of the last renewal that
 * succeeded (Redis set its TTL no earlier), less a margin for clock rates,
 * and when it runs out unrenewed the broker hears of it at once.
 */
export class LeaderLease {
  private validUntil = 0;
  private timer: unknown = null;

  constructor(
    private readonly leaseMs: number,
    private readonly now: () => number,
    private readonly timers: Timer,
    /** The lease ran out without a renewal (not called for `drop`). */
    private readonly lapsed: () => void,
  ) {}

  /** A take or renewal sent at `sentAt` succeeded. */
  confirm(sentAt: number): void {
    const until = sentAt + this.leaseMs * 0.9;
    this.validUntil = until;
    this.timers.clear(this.timer);
    this.timer = this.timers.set(
      () => {
        if (this.validUntil === until) this.lapsed();
      },
      Math.max(0, until - this.now()),
    );
  }

  /** Whether the lease is surely this broker's at `now`. */
  valid(now: number): boolean {
    return now < this.validUntil;
  }

  /** Forgets the lease (deposed, handed over, closing). */
  drop(): void {
    this.validUntil = 0;
    this.timers.clear(this.timer);
  }
}

/**
 * A standby's view of the leader lease key. A key that vanishes before the
 * TTL it was last seen with could have run out is not a lapse but a loss
 * (Redis restarted without it, rewound, or a replica without it was
 * promoted): the leader may still be alive and acting within its lease, so
 * a standby waits a full lease more before it takes over, time for a live
 * leader to renew (and find the loss itself).
 */
export class HolderWatch {
  /** Latest time (monotonic ms) the key could have expired by, as last seen. */
  private expiresBy = -Infinity;
  private waitUntil = -Infinity;
  /** Since when no generation has been seen, or null. */
  private missingSince: number | null = null;
  /** A look failed since the last one that succeeded. */
  private wasAway = false;

  constructor(private readonly leaseMs: number) {}

  /** The key was seen with `leftMs` to live, in a reply received at `receivedAt`. */
  held(receivedAt: number, leftMs: number): void {
    this.expiresBy = Math.max(this.expiresBy, receivedAt + Math.max(0, leftMs));
  }

  /** Redis did not answer a look: a lease that runs out meanwhile lapsed for want of Redis. */
  unreachable(): void {
    this.wasAway = true;
  }

  /**
   * Redis answers again at `now`. A leader that could not renew while it was
   * away may be alive, with changes for the log it kept in memory; it gets a
   * lease to take its lease back before a standby may take it.
   */
  reachable(now: number): void {
    if (!this.wasAway) return;
    this.wasAway = false;
    this.waitUntil = Math.max(this.waitUntil, now + this.leaseMs);
    // Absence seen on both sides of an outage is not absence seen throughout:
    // the generation may have come and gone unseen (a leader seeded, Redis
    // restarted empty), and that leader must get its time to seed again.
    this.missingSince = null;
  }

  /** The holder gave the lease up on purpose (a handover): no wait. */
  handedOver(): void {
    this.expiresBy = -Infinity;
    this.waitUntil = -Infinity;
  }

  /**
   * The key is absent at `now`. True when it vanished before its time — the
   * first time only, so a loss is reported once. A tenth of a lease of slack
   * (at most 50 ms): the TTL was read a reply's transit before `expiresBy`.
   */
  vanishedEarly(now: number): boolean {
    if (now >= this.expiresBy - Math.min(50, this.leaseMs / 10)) return false;
    this.expiresBy = -Infinity;
    this.waitUntil = now + this.leaseMs;
    return true;
  }

  /** Whether a standby may take a free lease at `now`. */
  mayTake(now: number): boolean {
    return now >= this.waitUntil;
  }

  /**
   * No generation in Redis at `now`: true once it has been missing, look
   * after look, for `waitMs`, long enough for a live leader (which renews every third of its
   * lease) to have found the loss and seeded from its table.
   */
  generationMissing(now: number, waitMs: number): boolean {
    this.missingSince ??= now;
    return now - this.missingSince >= waitMs;
  }

  generationSeen(): void {
    this.missingSince = null;
  }
}
