import { holdsMayShare, type EndReason, type JournalEntry } from '../core/journal.js';
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
   * The rings of `byLock` in the order their paths came, oldest at `oldest`:
   * the one to forget next, and to take over for the next new path.
   */
  private readonly lockRings: EventRing[] = [];
  private oldest = 0;
  /**
   * Current holds of paths that can have one holder (a mutex, a writer), whose
   * `free` names no token, are kept on their lock's ring (`EventRing.hold`):
   * the release event needs that ring anyway, so one lookup finds both, where
   * a map of their own cost two more per cycle on a broker whose paths churn.
   * Here only those whose ring was taken over by another path while they held.
   */
  private readonly strayHolds = new Map<string, Hold>();
  /** Current holds of paths that can have several (read locks, semaphores), by token. */
  private readonly sharedHolds = new Map<number, Hold>();
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
          this.overall.push(GRANT, at, path, sessionId, token, 0, NaN);
          const ring = this.added(path, null);
          const hold: Hold = { token, sessionId, at, ring };
          // The table's rule: a `free` names its token where holds may share the path.
          if (holdsMayShare(e[6], e[7])) this.sharedHolds.set(token, hold);
          else ring.hold = hold;
          break;
        }
        case 'free': {
          const path = e[1];
          const reason = e[2] ?? 'released';
          const named = e[3];
          const hold = named === undefined ? this.takeSole(path) : this.takeShared(named, path);
          this.releases[reason]++;
          const token = named ?? hold?.token ?? NaN;
          const sessionId = hold?.sessionId ?? '';
          const ms = hold ? at - hold.at : NaN;
          this.overall.push(RELEASE, at, path, sessionId, token, REASON_CODES[reason], ms);
          this.added(path, hold?.ring.path === path ? hold.ring : null);
          break;
        }
        case 'drop': {
          const sessionId = e[1];
          const reason = e[3] ?? 'cancelled';
          const path = e[4] ?? '';
          this.leaves[reason]++;
          this.overall.push(LEAVE, at, path, sessionId, NaN, REASON_CODES[reason], NaN);
          this.added(path, null);
          break;
        }
      }
    }
  }

  /** The hold `token` names; a sole hold of `path` with that token if it was kept as one. */
  private takeShared(token: number, path: string): Hold | undefined {
    const hold = this.sharedHolds.get(token);
    if (hold) {
      this.sharedHolds.delete(token);
      return hold;
    }
    return this.takeSole(path, token);
  }

  /** The sole hold of `path` (with `token`, when given), forgotten as it is returned. */
  private takeSole(path: string, token?: number): Hold | undefined {
    const ring = this.byLock.get(path);
    const held = ring?.hold;
    if (ring && held && (token === undefined || held.token === token)) {
      ring.hold = null;
      return held;
    }
    if (this.strayHolds.size === 0) return undefined;
    const stray = this.strayHolds.get(path);
    if (!stray || (token !== undefined && stray.token !== token)) return undefined;
    this.strayHolds.delete(path);
    return stray;
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
    this.strayHolds.clear();
    this.sharedHolds.clear();
    this.byLock.clear();
    this.lockRings.length = 0;
    this.oldest = 0;
    this.overall.clear();
    this.grants.total = 0;
    for (const r of REASONS) this.releases[r] = this.leaves[r] = 0;
  }

  /**
   * The event just pushed to the overall ring, into its lock's ring (`known`
   * when the caller has it already) and to a listener. Returns that ring.
   */
  private added(path: string, known: EventRing | null): EventRing {
    let ring = known ?? this.byLock.get(path);
    if (!ring) {
      if (this.byLock.size >= this.limits.locks) {
        // The oldest lock's ring is reused: no new ring per path on a broker whose paths churn.
        ring = this.lockRings[this.oldest] as EventRing;
        this.byLock.delete(ring.path as string);
        if (ring.hold) this.strayHolds.set(ring.path as string, ring.hold);
        ring.reuse(path);
        this.oldest = (this.oldest + 1) % this.limits.locks;
      } else {
        ring = new EventRing(this.limits.perLock, path);
        this.lockRings.push(ring);
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
    return ring;
  }
}

/** A current hold, for its release event; `ring` was its lock's when it was granted. */
export interface Hold {
  token: number;
  sessionId: string;
  at: number;
  ring: EventRing;
}
