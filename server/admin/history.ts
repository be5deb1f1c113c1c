import type { EndReason, JournalEntry } from '../core/journal.js';

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

const REASONS: readonly EndReason[] = [
  'released',
  'timeout',
  'cancelled',
  'expired',
  'disconnected',
  'forced',
  'failover',
  'answered',
];

export function countByReason(): Record<EndReason, number> {
  return Object.fromEntries(REASONS.map((r) => [r, 0])) as Record<EndReason, number>;
}

/** Keeps the newest `capacity` items. */
class Ring<T> {
  private readonly items: T[] = [];
  private next = 0;

  constructor(private readonly capacity: number) {}

  push(item: T): void {
    if (this.items.length < this.capacity) this.items.push(item);
    else this.items[this.next] = item;
    this.next = (this.next + 1) % this.capacity;
  }

  clear(): void {
    this.items.length = 0;
    this.next = 0;
  }

  /** Oldest first. */
  list(): T[] {
    if (this.items.length < this.capacity) return [...this.items];
    return [...this.items.slice(this.next), ...this.items.slice(0, this.next)];
  }
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
  private readonly overall: Ring<HistoryEvent>;
  private readonly byLock = new Map<string, Ring<HistoryEvent>>();
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
    this.overall = new Ring(this.limits.overall);
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
          this.add({ at, kind: 'grant', path, sessionId, token });
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
          const ms = hold ? at - hold.at : undefined;
          this.add({ at, kind: 'release', path, sessionId, token, reason, ms });
          break;
        }
        case 'drop': {
          const sessionId = e[1];
          const reason = e[3] ?? 'cancelled';
          const path = e[4] ?? '';
          this.leaves[reason]++;
          this.add({ at, kind: 'leave', path, sessionId, reason });
          break;
        }
      }
    }
  }

  /** Newest last; `path` narrows to one lock. */
  list(path?: string, limit = 100): HistoryEvent[] {
    const ring = path === undefined ? this.overall : this.byLock.get(path);
    return ring ? ring.list().slice(-limit) : [];
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

  private add(event: HistoryEvent): void {
    this.overall.push(event);
    let ring = this.byLock.get(event.path);
    if (!ring) {
      if (this.byLock.size >= this.limits.locks) {
        const forgotten = this.lockOrder[this.oldest] as string;
        // Its ring is reused: no new ring per path on a broker whose paths churn.
        ring = this.byLock.get(forgotten) as Ring<HistoryEvent>;
        ring.clear();
        this.byLock.delete(forgotten);
        this.lockOrder[this.oldest] = event.path;
        this.oldest = (this.oldest + 1) % this.limits.locks;
      } else {
        ring = new Ring(this.limits.perLock);
        this.lockOrder.push(event.path);
      }
      this.byLock.set(event.path, ring);
    }
    ring.push(event);
    if (this.fresh) {
      this.fresh.push(event);
      // A stalled reader must not grow this without bound.
      if (this.fresh.length > this.limits.overall) this.fresh.splice(0, this.fresh.length / 2);
    }
  }
}
