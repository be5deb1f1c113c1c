import type { EndReason, JournalEntry } from '../core/journal.js';
import { EventRing, GRANT, LEAVE, REASON_CODES, REASONS, RELEASE } from './event-ring.js';

/** One line of a lock's history; `at` is wall-clock ms. */
export interface HistoryEvent {
  at: number;
  /** grant: a session got the lock; release: the holder let go; leave: a waiter left ungranted. */
  kind: 'grant' | 'release' | 'leave';
  path: string;
  sessionId: string;
  /** The hold's fencing token (grant, release). */
  token?: number;
  /** Why it ended (release, leave). */
  reason?: EndReason;
  /** release: how long the lock was held, ms. */
  ms?: number;
}

export function countByReason(): Record<EndReason, number> {
  return Object.fromEntries(REASONS.map((r) => [r, 0])) as Record<EndReason, number>;
}

export interface HistoryLimits {
  /** Events kept over all locks. */
  overall: number;
  /** Events kept per lock. */
  perLock: number;
  /** Locks with a history of their own; the longest-known one is forgotten first. */
  locks: number;
}

const DEFAULT_LIMITS: HistoryLimits = { overall: 2_000, perLock: 100, locks: 2_000 };

/**
 * Grants, releases and queue leaves with their reasons, in bounded rings
 * (overall and per lock), made from the table's journal. A standby replays
 * the same journal from Redis, so its history matches the active broker's
 * (stamped when it applied the entries). Also counts them, for metrics.
 */
export class History {
  readonly grants = { total: 0 };
  readonly releases = countByReason();
  readonly leaves = countByReason();
  private readonly overall: EventRing;
  private readonly byLock = new Map<string, EventRing>();
  /**
   * The paths of `byLock` in the order they came, oldest at `oldest`: the one
   * to forget next (and whose ring the next new path takes over).
   */
  private readonly lockOrder: string[] = [];
  private oldest = 0;
  /** Current holds by token (tokens are unique), for the release event's session and duration. */
  private readonly holds = new Map<number, { sessionId: string; at: number }>();
  /**
   * Each held path's latest grant: the hold a `free` without a token ends
   * (only a path that can have one holder writes such a `free`).
   */
  private readonly latest = new Map<string, number>();
  /** Events not yet taken by `takeFresh`, while someone listens. */
  private fresh: HistoryEvent[] | null = null;
  private readonly limits: HistoryLimits;

  constructor(limits: Partial<HistoryLimits> = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
    this.overall = new EventRing(this.limits.overall, null);
  }

  record(entries: readonly JournalEntry[], at: number): void {
    // Entries are read by index: destructuring goes through the iterator protocol, on every grant.
    for (const e of entries) {
      switch (e[0]) {
        case 'grant': {
          const sessionId = e[1];
          const path = e[3];
          const token = e[4];
          this.grants.total++;
          this.holds.set(token, { sessionId, at });
          this.latest.set(path, token);
          this.overall.push(GRANT, at, path, sessionId, token, 0, NaN);
          this.added(path);
          break;
        }
        case 'free': {
          const path = e[1];
          const reason = e[2] ?? 'released';
          const named = e[3];
          const token = named ?? this.latest.get(path);
          const hold = token === undefined ? undefined : this.holds.get(token);
          if (token !== undefined) this.holds.delete(token);
          if (this.latest.get(path) === token) this.latest.delete(path);
          this.releases[reason]++;
          const sessionId = hold?.sessionId ?? '';
          const ms = hold ? at - hold.at : NaN;
          this.overall.push(RELEASE, at, path, sessionId, token ?? NaN, REASON_CODES[reason], ms);
          this.added(path);
          break;
        }
        case 'drop': {
          const sessionId = e[1];
          const reason = e[3] ?? 'cancelled';
          const path = e[4] ?? '';
          this.leaves[reason]++;
          this.overall.push(LEAVE, at, path, sessionId, NaN, REASON_CODES[reason], NaN);
          this.added(path);
          break;
        }
      }
    }
  }

  /** Newest last; `path` narrows to one lock. */
  list(path?: string, limit = 100): HistoryEvent[] {
    const ring = path === undefined ? this.overall : this.byLock.get(path);
    return ring ? ring.list(limit) : [];
  }

  /** Starts (or stops) keeping events for `takeFresh`. */
  listen(on: boolean): void {
    this.fresh = on ? (this.fresh ?? []) : null;
  }

  /** Events since the last call, newest last; at most the overall capacity. */
  takeFresh(): HistoryEvent[] {
    const fresh = this.fresh ?? [];
    if (this.fresh) this.fresh = [];
    return fresh;
  }

  /**
   * A new table (a standby reloading a snapshot): the log after the snapshot
   * is replayed into it again, so the history starts anew rather than
   * counting those entries twice.
   */
  reset(): void {
    this.holds.clear();
    this.latest.clear();
    this.byLock.clear();
    this.lockOrder.length = 0;
    this.oldest = 0;
    this.overall.clear();
    this.grants.total = 0;
    for (const r of REASONS) this.releases[r] = this.leaves[r] = 0;
  }

  /** The event just pushed to the overall ring, into its lock's ring and to a listener. */
  private added(path: string): void {
    let ring = this.byLock.get(path);
    if (!ring) {
      if (this.byLock.size >= this.limits.locks) {
        const forgotten = this.lockOrder[this.oldest] as string;
        // Its ring is reused: no new ring per path on a broker whose paths churn.
        ring = this.byLock.get(forgotten) as EventRing;
        ring.reuse(path);
        this.byLock.delete(forgotten);
        this.lockOrder[this.oldest] = path;
        this.oldest = (this.oldest + 1) % this.limits.locks;
      } else {
        ring = new EventRing(this.limits.perLock, path);
        this.lockOrder.push(path);
      }
      this.byLock.set(path, ring);
    }
    ring.pushNewestOf(this.overall);
    if (this.fresh) {
      // Only while someone watches (the console's stream) is an event an object here.
      this.fresh.push(this.overall.event(1));
      // A stalled reader must not grow this without bound.
      if (this.fresh.length > this.limits.overall) this.fresh.splice(0, this.fresh.length / 2);
    }
  }
}
