import { holdsMayShare, type EndReason, type JournalEntry } from '../core/journal.js';
import { EventRing, GRANT, HELD, LEAVE, REASON_CODES, REASONS, RELEASE } from './event-ring.js';

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
  /** Events kept over all locks; a lock's history is its events among them. */
  kept: number;
  /** Events listed over all locks at most, and kept for a listener that falls behind. */
  overall: number;
  /** Events listed per lock at most. */
  perLock: number;
}

const DEFAULT_LIMITS: HistoryLimits = { kept: 20_000, overall: 2_000, perLock: 100 };

/**
 * Grants, releases and queue leaves with their reasons, the newest `kept` of
 * them in one ring, made from the table's journal. A standby replays the same
 * journal from Redis, so its history matches the active broker's (stamped
 * when it applied the entries). Also counts them, for metrics.
 *
 * Recording an event looks up nothing by path but a current hold, among the
 * few held now. A lock's own events are linked only when someone lists them
 * (`link`): on a broker whose paths churn, a map of every path's newest event
 * was the largest part of the history's cost, and usually nobody reads it.
 */
export class History {
  readonly grants = { total: 0 };
  readonly releases = countByReason();
  readonly leaves = countByReason();
  private readonly ring: EventRing;
  /** Current holds of paths that can have one holder (a mutex, a writer): their grant event. */
  private readonly soleHolds = new Map<string, number>();
  /** Sole holds whose grant event was pushed out of the ring while they held. */
  private readonly strayHolds = new Map<string, Hold>();
  /** Current holds of paths that can have several (read locks, semaphores), by token. */
  private readonly sharedHolds = new Map<number, Hold>();
  /** Events before this number are linked to their lock's event before them. */
  private linked = 0;
  /** Each path's newest event linked, while it may still be kept. */
  private readonly newest = new Map<string, number>();
  /** `newest`'s size at which the next sweep runs. */
  private sweepAt: number;
  /** Events not yet taken by `takeFresh`, while someone listens. */
  private fresh: HistoryEvent[] | null = null;
  private readonly limits: HistoryLimits;

  constructor(limits: Partial<HistoryLimits> = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
    this.ring = new EventRing(this.limits.kept);
    this.sweepAt = this.limits.kept;
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
          // The table's rule: a `free` names its token where holds may share the path.
          if (holdsMayShare(e[6], e[7])) {
            this.push(GRANT, at, path, sessionId, token, 0, NaN);
            this.sharedHolds.set(token, { token, sessionId, at });
          } else {
            this.soleHolds.set(path, this.push(HELD, at, path, sessionId, token, 0, NaN));
          }
          break;
        }
        case 'free': {
          const path = e[1];
          const reason = e[2] ?? 'released';
          const named = e[3];
          const code = REASON_CODES[reason];
          this.releases[reason]++;
          const n = this.soleHolds.get(path) ?? -1;
          const ring = this.ring;
          if (n >= 0 && (named === undefined || ring.tokenOf(n) === named)) {
            // No object for the hold it ends: its grant event has its fields.
            this.soleHolds.delete(path);
            ring.mark(n, GRANT);
            const ms = at - ring.atOf(n);
            this.push(RELEASE, at, path, ring.sessionOf(n), ring.tokenOf(n), code, ms);
          } else {
            const hold = this.takeOther(path, named);
            const token = hold?.token ?? named ?? NaN;
            const ms = hold ? at - hold.at : NaN;
            this.push(RELEASE, at, path, hold?.sessionId ?? '', token, code, ms);
          }
          break;
        }
        case 'drop': {
          const sessionId = e[1];
          const reason = e[3] ?? 'cancelled';
          this.leaves[reason]++;
          this.push(LEAVE, at, e[4] ?? '', sessionId, NaN, REASON_CODES[reason], NaN);
          break;
        }
      }
    }
  }

  /** Newest last; `path` narrows to one lock. */
  list(path?: string, limit = 100): HistoryEvent[] {
    if (path === undefined) return this.ring.list(Math.min(limit, this.limits.overall));
    this.link();
    return this.ring.chain(this.newest.get(path) ?? -1, Math.min(limit, this.limits.perLock));
  }

  /** Paths whose newest event is remembered, kept or not yet swept. */
  get paths(): number {
    return this.newest.size;
  }

  /** Starts (or stops) keeping events for `takeFresh`. */
  listen(on: boolean): void {
    this.fresh = on ? (this.fresh ?? []) : null;
  }

  /** Events since the last call, newest last; at most the overall limit. */
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
    this.soleHolds.clear();
    this.strayHolds.clear();
    this.sharedHolds.clear();
    this.newest.clear();
    this.sweepAt = this.limits.kept;
    this.linked = 0;
    this.ring.clear();
    this.grants.total = 0;
    for (const r of REASONS) this.releases[r] = this.leaves[r] = 0;
  }

  /** Adds an event to the ring and to a listener; returns its number. */
  private push(
    kind: number,
    at: number,
    path: string,
    sessionId: string,
    token: number,
    reason: number,
    ms: number,
  ): number {
    const out = this.ring.next - this.limits.kept;
    if (out >= 0 && this.ring.kindOf(out) === HELD) this.strand(out);
    const n = this.ring.push(kind, at, path, sessionId, token, reason, ms);
    if (this.fresh) {
      // Only while someone watches (the console's stream) is an event an object here.
      this.fresh.push(this.ring.event(n));
      // A stalled reader must not grow this without bound.
      if (this.fresh.length > this.limits.overall) this.fresh.splice(0, this.fresh.length / 2);
    }
    return n;
  }

  /**
   * A current hold's grant event `n` is about to be pushed out: keep the hold
   * apart. Protected for the property test's broken variant only.
   */
  protected strand(n: number): void {
    const ring = this.ring;
    const path = ring.pathOf(n);
    // A later grant of the path may have taken its place (a journal that never freed this one).
    if (this.soleHolds.get(path) !== n) return;
    this.soleHolds.delete(path);
    this.strayHolds.set(path, {
      token: ring.tokenOf(n),
      sessionId: ring.sessionOf(n),
      at: ring.atOf(n),
    });
  }

  /** The shared or stray hold a `free` of `path` ends (`named`: the token it names), forgotten. */
  private takeOther(path: string, named: number | undefined): Hold | undefined {
    const shared = named === undefined ? undefined : this.sharedHolds.get(named);
    if (shared) {
      this.sharedHolds.delete(shared.token);
      return shared;
    }
    if (this.strayHolds.size === 0) return undefined;
    const stray = this.strayHolds.get(path);
    if (!stray || (named !== undefined && stray.token !== named)) return undefined;
    this.strayHolds.delete(path);
    return stray;
  }

  /**
   * Links the events recorded since the last call to their lock's event
   * before them. Events pushed out meanwhile are skipped: a path whose newest
   * linked event is gone starts its chain anew.
   */
  private link(): void {
    for (let n = Math.max(this.linked, this.ring.first); n < this.ring.next; n++) {
      const path = this.ring.pathOf(n);
      const before = this.newest.get(path);
      if (before === undefined && this.newest.size >= this.sweepAt) this.sweep();
      this.ring.link(n, before ?? -1);
      this.newest.set(path, n);
    }
    this.linked = this.ring.next;
  }

  /**
   * Forgets the paths none of whose events is kept. Run when the map reaches
   * twice what was left last time (and at least `kept`), so each path costs a
   * bounded share of a sweep.
   */
  private sweep(): void {
    for (const [path, n] of this.newest) if (!this.ring.has(n)) this.newest.delete(path);
    this.sweepAt = Math.max(this.limits.kept, 2 * this.newest.size);
  }
}

/** A current hold, for its release event. */
interface Hold {
  token: number;
  sessionId: string;
  at: number;
}
