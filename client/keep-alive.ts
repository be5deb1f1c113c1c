import type { Clock, Timer } from '../shared/clock.js';

/** What a {@link KeepAlive} asks of its client. */
export interface KeepAliveHooks {
  /** Send a heartbeat request. */
  heartbeat(): void;
  /** True while the client holds a lease worth watching. */
  holdsLeases(): boolean;
  /** The session may have expired at the broker: give every lease up. */
  expireLeases(): void;
  /** Heartbeats went unanswered for two intervals: the connection is dead or the broker hung. */
  unresponsive(): void;
}

/**
 * The client's two session timers. Heartbeats fill the time in which no
 * frame was answered (any frame renews the session; unanswered ones, a quiet
 * release or an acquire still waiting, show nothing of the broker's health). The lease watch gives leases up before the broker
 * could expire the session: the broker counts the TTL from when it last
 * heard the client, which is no earlier than the send time of the last frame
 * it answered, so that send time plus the TTL, less a margin for clock rate,
 * is the last moment the client can be sure.
 */
export class KeepAlive {
  private ttlMs: number;
  private confirmedAt = -Infinity;
  private heartbeatTimer: unknown = null;
  private leaseTimer: unknown = null;

  constructor(
    ttlMs: number,
    private readonly hooks: KeepAliveHooks,
    private readonly clock: Clock,
    private readonly timer: Timer,
  ) {
    this.ttlMs = ttlMs;
  }

  /** The broker answered a frame sent at `sentAt`. */
  confirm(sentAt: number): void {
    if (sentAt > this.confirmedAt) this.confirmedAt = sentAt;
  }

  /** True while the last answered send plus the TTL, less the margin, lies ahead. */
  leaseRunning(): boolean {
    return this.clock.now() < this.leaseDeadline;
  }

  /** A session is up with the TTL the broker granted. */
  start(ttlMs: number): void {
    this.ttlMs = ttlMs;
    this.armHeartbeat();
    // A new TTL may bring the deadline nearer than the armed watch.
    this.timer.clear(this.leaseTimer);
    this.leaseTimer = null;
    this.watchLeases();
  }

  stop(): void {
    this.timer.clear(this.heartbeatTimer);
    this.timer.clear(this.leaseTimer);
    this.heartbeatTimer = this.leaseTimer = null;
  }

  /**
   * Arms the lease watch unless it is armed; call when a lease is granted.
   * An armed watch is never late: the deadline only moves later (answers
   * confirm later sends; `start` re-arms for a new TTL), and a watch that
   * fires early looks again.
   */
  watchLeases(): void {
    if (this.leaseTimer !== null || !this.hooks.holdsLeases()) return;
    this.leaseTimer = this.timer.set(
      () => {
        this.leaseTimer = null;
        // Replies since arming moved the deadline on: look again later.
        if (this.clock.now() < this.leaseDeadline) return this.watchLeases();
        // After a stall, replies may be waiting in the socket: read them first.
        this.leaseTimer = this.timer.set(() => {
          this.leaseTimer = null;
          if (this.clock.now() < this.leaseDeadline) this.watchLeases();
          else this.hooks.expireLeases();
        }, 0);
      },
      Math.max(0, this.leaseDeadline - this.clock.now()),
    );
  }

  private get leaseDeadline(): number {
    return this.confirmedAt + this.ttlMs - Math.max(this.ttlMs / 10, 50);
  }

  private armHeartbeat(): void {
    this.timer.clear(this.heartbeatTimer);
    const intervalMs = this.ttlMs / 3;
    this.heartbeatTimer = this.timer.set(() => {
      const now = this.clock.now();
      // A paused or partitioned broker keeps the TCP connection open; only silence shows it.
      if (now - this.confirmedAt > intervalMs * 2) this.hooks.unresponsive();
      else if (now - this.confirmedAt >= intervalMs * 0.9) this.hooks.heartbeat();
      this.armHeartbeat();
    }, intervalMs);
  }
}
