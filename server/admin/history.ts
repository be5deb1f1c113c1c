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
 */
export class History {
  readonly grants = { total: 0 };
  readonly releases = countByReason();
  readonly leaves = countByReason();
  private readonly ring: EventRing;
  /**
   * Each path with an event still kept or a sole hold: its newest event and
   * that hold. Paths whose events are gone go in `sweep`, not one by one, so
   * an event pushed needs no lookup of the path it pushes out.
   */
  private readonly lanes = new Map<string, Lane>();
  /** `lanes`' size at which the next sweep runs. */
  private sweepAt: number;
  /** Current holds of paths that can have several (read locks, semaphores), by token. */
  private readonly sharedHolds = new Map<number, Hold>();
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
          const lane = this.lane(path);
          this.push(lane, GRANT, at, path, sessionId, token, 0, NaN);
          // The table's rule: a `free` names its token where holds may share the path.
          if (holdsMayShare(e[6], e[7])) this.sharedHolds.set(token, { token, sessionId, at });
          else {
            lane.token = token;
            lane.sessionId = sessionId;
            lane.at = at;
          }
          break;
        }
        case 'free': {
          const path = e[1];
          const reason = e[2] ?? 'released';
          const named = e[3];
          const lane = this.lane(path);
          const shared = named === undefined ? undefined : this.sharedHolds.get(named);
          let sessionId = '';
          let token = named ?? NaN;
          let ms = NaN;
          if (shared) {
            this.sharedHolds.delete(shared.token);
            sessionId = shared.sessionId;
            ms = at - shared.at;
          } else if (!Number.isNaN(lane.token) && (named === undefined || lane.token === named)) {
            token = lane.token;
            sessionId = lane.sessionId;
            ms = at - lane.at;
            lane.token = NaN;
          }
          this.releases[reason]++;
          this.push(lane, RELEASE, at, path, sessionId, token, REASON_CODES[reason], ms);
          break;
        }
        case 'drop': {
          const sessionId = e[1];
          const reason = e[3] ?? 'cancelled';
          this.leaves[reason]++;
          const path = e[4] ?? '';
          this.push(this.lane(path), LEAVE, at, path, sessionId, NaN, REASON_CODES[reason], NaN);
          break;
        }
      }
    }
  }

  /** Newest last; `path` narrows to one lock. */
  list(path?: string, limit = 100): HistoryEvent[] {
    if (path === undefined) return this.ring.list(Math.min(limit, this.limits.overall));
    const newest = this.lanes.get(path)?.newest ?? -1;
    return this.ring.chain(newest, Math.min(limit, this.limits.perLock));
  }

  /** Paths tracked: those with an event kept or a sole hold, and some not yet swept. */
  get paths(): number {
    return this.lanes.size;
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
    this.lanes.clear();
    this.sweepAt = this.limits.kept;
    this.sharedHolds.clear();
    this.ring.clear();
    this.grants.total = 0;
    for (const r of REASONS) this.releases[r] = this.leaves[r] = 0;
  }

  /** Adds an event to the ring, its path's lane and a listener. */
  private push(
    lane: Lane,
    kind: number,
    at: number,
    path: string,
    sessionId: string,
    token: number,
    reason: number,
    ms: number,
  ): void {
    lane.newest = this.ring.push(kind, at, path, sessionId, token, reason, ms, lane.newest);
    if (this.fresh) {
      // Only while someone watches (the console's stream) is an event an object here.
      this.fresh.push(this.ring.event(lane.newest));
      // A stalled reader must not grow this without bound.
      if (this.fresh.length > this.limits.overall) this.fresh.splice(0, this.fresh.length / 2);
    }
  }

  private lane(path: string): Lane {
    let lane = this.lanes.get(path);
    if (!lane) {
      if (this.lanes.size >= this.sweepAt) this.sweep();
      lane = { newest: -1, token: NaN, sessionId: '', at: 0 };
      this.lanes.set(path, lane);
    }
    return lane;
  }

  /**
   * Forgets the paths with no event kept and no hold. Run when the lanes reach
   * twice what was left last time (and at least `kept`), so each lane costs
   * a bounded share of a sweep.
   */
  private sweep(): void {
    for (const [path, lane] of this.lanes) {
      if (!this.ring.has(lane.newest) && Number.isNaN(lane.token)) this.lanes.delete(path);
    }
    this.sweepAt = Math.max(this.limits.kept, 2 * this.lanes.size);
  }
}

/** A path's newest event and its current sole hold (a mutex's, a writer's); `token` NaN: none. */
interface Lane {
  newest: number;
  token: number;
  sessionId: string;
  at: number;
}

/** A current shared hold, for its release event. */
interface Hold {
  token: number;
  sessionId: string;
  at: number;
}
