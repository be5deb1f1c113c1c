import type { HeldBy, WaitingBy } from './commands.js';
import type { Hold, LockMode, LockState, Session, Waiter } from './lock-state.js';
import type { TableState } from './table-state.js';

/** One page of a longer list, and how long the whole list is. */
export interface Page<T> {
  items: T[];
  total: number;
  offset: number;
  limit: number;
}

export interface HolderView {
  sessionId: string;
  name: string;
  token: number;
  heldMs: number;
  mode: LockMode;
  /** What the holder told of itself (a leader's value), if anything. */
  value?: string;
}

/** mutex: one holder; semaphore: up to `limit`; rw: read/write modes in use. */
export type LockKind = 'mutex' | 'semaphore' | 'rw';

export interface LockSummary {
  path: string;
  kind: LockKind;
  /** Holders at once (1 but for a semaphore). */
  limit: number;
  /** The first holder, or null: the one holder of a mutex. */
  holder: HolderView | null;
  /** Every holder, in grant order. */
  holders: HolderView[];
  waiting: number;
  /** How long the queue's head has waited so far, ms; 0 without waiters. */
  longestWaitMs: number;
}

export interface WaiterView {
  /** 1 = next in line. */
  position: number;
  sessionId: string;
  name: string;
  requestId: number;
  waitedMs: number;
  mode: LockMode;
  /** How long its place may still wait at the path's recent pace of grants; absent before there is one. */
  etaMs?: number;
}

export interface SessionView {
  id: string;
  name: string;
  held: number;
  waiting: number;
  /** ms until the session expires unless its client is heard from. */
  expiresInMs: number;
}

export interface SessionLocks {
  ttlMs: number;
  locks: { path: string; token: number; heldMs: number }[];
  waits: { path: string; requestId: number; position: number; waitedMs: number }[];
}

export interface LocksQuery {
  prefix?: string;
  /** Only paths under one of these prefixes (an operator's admin rights). Default: all. */
  within?: readonly string[];
  /** queue: longest queue first; wait: longest-waiting head first; path: by path. */
  sort?: 'queue' | 'wait' | 'path';
  offset?: number;
  limit?: number;
}

export interface PageQuery {
  prefix?: string;
  /**
   * Sessions: only those that hold or wait for something, all of it under
   * one of these prefixes. Default: all.
   */
  within?: readonly string[];
  offset?: number;
  limit?: number;
}

/**
 * The one read API of a table: for the shell, operators and tests. Lists cost
 * O(locks) or O(sessions) and one lock's queue page O(offset + limit): fine
 * for a few admin calls a second; the shell's own reads are O(1) but
 * {@link frontOfQueues}, which it calls once per handover.
 */
export class TableViews {
  constructor(private readonly state: TableState) {}

  counts(): { sessions: number; locks: number; locksHeld: number; waiters: number } {
    let locksHeld = 0;
    let waiters = 0;
    for (const lock of this.state.locks.values()) {
      if (lock.holder) locksHeld++;
      waiters += lock.waiting;
    }
    return { sessions: this.state.sessions.size, locks: this.state.locks.size, locksHeld, waiters };
  }

  /** What `owner` counts against its quotas: sessions, and holds + waiters. O(1). */
  usageOf(owner: string): { sessions: number; requests: number } {
    const { sessions, requests } = this.state.usageOf(owner);
    return { sessions, requests };
  }

  /** Estimated bytes of locks, paths and requests: what the memory budget counts. O(1). */
  get tableBytes(): number {
    return this.state.bytes;
  }

  /** The holder and the whole queue of `path` in order, as ids; O(queue length). */
  queue(path: string): { holder: HeldBy | null; holders: HeldBy[]; queue: WaitingBy[] } {
    const lock = this.state.locks.get(path);
    if (!lock) return { holder: null, holders: [], queue: [] };
    const holders = [...lock.holders].map((h) => ({
      sessionId: h.session.id,
      requestId: h.requestId,
      token: h.token,
    }));
    const queue = [...lock.waiters()].map((w) => ({
      sessionId: w.session.id,
      requestId: w.requestId,
    }));
    return { holder: holders[0] ?? null, holders, queue };
  }

  /** Sessions that hold a lock or wait at the head of a queue: those a handover moves first. */
  frontOfQueues(): Set<string> {
    const ids = new Set<string>();
    for (const lock of this.state.locks.values()) {
      for (const h of lock.holders) ids.add(h.session.id);
      if (lock.head) ids.add(lock.head.session.id);
    }
    return ids;
  }

  /** Whether `sessionId` holds `path` with `token` right now. */
  isHeld(sessionId: string, path: string, token: number): boolean {
    return this.state.sessions.get(sessionId)?.held.get(path)?.token === token;
  }

  /** The first holder of `path` (its leader) as token and value, or null. O(1). */
  leader(path: string): { token: number; value?: string } | null {
    const h = this.state.locks.get(path)?.holder;
    if (!h) return null;
    return h.value === undefined ? { token: h.token } : { token: h.token, value: h.value };
  }

  /** Whether `token` is one of `path`'s holders' right now (any session). O(holders). */
  isCurrent(path: string, token: number): boolean {
    const lock = this.state.locks.get(path);
    if (!lock) return false;
    for (const h of lock.holders) if (h.token === token) return true;
    return false;
  }

  hasSession(sessionId: string): boolean {
    return this.state.sessions.has(sessionId);
  }

  locks(now: number, q: LocksQuery): Page<LockSummary> {
    const prefix = q.prefix ?? '';
    const all: LockSummary[] = [];
    for (const lock of this.state.locks.values()) {
      if (!lock.path.startsWith(prefix)) continue;
      if (lock.holders.size === 0 && !lock.head) continue;
      if (q.within && !underAny(q.within, lock.path)) continue;
      all.push(summary(lock, now));
    }
    const sort = q.sort ?? 'queue';
    const byPath = (a: LockSummary, b: LockSummary): number => (a.path < b.path ? -1 : 1);
    all.sort((a, b) => {
      if (sort === 'queue' && a.waiting !== b.waiting) return b.waiting - a.waiting;
      if (sort === 'wait' && a.longestWaitMs !== b.longestWaitMs) {
        return b.longestWaitMs - a.longestWaitMs;
      }
      return byPath(a, b);
    });
    return page(all, q);
  }

  /** Null when the table has no such lock (idle locks are forgotten). */
  lock(
    now: number,
    path: string,
    q: PageQuery,
  ):
    (Omit<LockSummary, 'path' | 'waiting' | 'longestWaitMs'> & { queue: Page<WaiterView> }) | null {
    const lock = this.state.locks.get(path);
    if (!lock) return null;
    const { offset, limit } = bounds(q);
    const items: WaiterView[] = [];
    let position = 0;
    for (const w of lock.waiters()) {
      position++;
      if (position <= offset) continue;
      if (items.length === limit) break;
      items.push({
        position,
        sessionId: w.session.id,
        name: w.session.name,
        requestId: w.requestId,
        waitedMs: now - w.enqueuedAt,
        mode: w.mode,
        ...etaOf(lock, position),
      });
    }
    const queue = { items, total: lock.waiting, offset, limit };
    const holders = [...lock.holders].map((h) => holderOf(h, now));
    return { kind: kindOf(lock), limit: lock.limit, holder: holders[0] ?? null, holders, queue };
  }

  /**
   * Sessions whose id or name starts with `prefix`, oldest first. Without a
   * prefix a page costs O(offset + limit), not O(sessions): 10,000 sessions
   * are paged through without building and sorting them all.
   */
  sessions(now: number, q: PageQuery): Page<SessionView> {
    const prefix = q.prefix ?? '';
    const { within } = q;
    const everyOne = !prefix && !within;
    const { offset, limit } = bounds(q);
    const items: SessionView[] = [];
    let total = 0;
    for (const s of this.state.sessions.values()) {
      if (prefix && !(s.id.startsWith(prefix) || s.name.startsWith(prefix))) continue;
      if (within && !sessionWithin(s, within)) continue;
      total++;
      if (total > offset && items.length < limit) items.push(sessionView(s, now));
      else if (everyOne && items.length === limit) break;
    }
    if (everyOne) total = this.state.sessions.size;
    return { items, total, offset, limit };
  }

  session(now: number, id: string): (SessionView & SessionLocks) | null {
    const s = this.state.sessions.get(id);
    if (!s) return null;
    const locks: SessionLocks['locks'] = [];
    const waits: SessionLocks['waits'] = [];
    for (const entry of s.requests.values()) {
      if (entry.kind === 'hold') {
        locks.push({ path: entry.lock.path, token: entry.token, heldMs: now - entry.grantedAt });
      } else {
        const { lock, requestId, enqueuedAt } = entry;
        waits.push({
          path: lock.path,
          requestId,
          position: positionOf(entry),
          waitedMs: now - enqueuedAt,
        });
      }
    }
    return { ...sessionView(s, now), ttlMs: s.ttlMs, locks, waits };
  }
}

/** Whether `path` lies under one of `prefixes`. */
function underAny(prefixes: readonly string[], path: string): boolean {
  for (const p of prefixes) if (path.startsWith(p)) return true;
  return false;
}

/** A session that holds or waits for something, all of it under `prefixes`. */
function sessionWithin(s: Session, prefixes: readonly string[]): boolean {
  if (s.requests.size === 0) return false;
  for (const entry of s.requests.values()) if (!underAny(prefixes, entry.lock.path)) return false;
  return true;
}

function summary(lock: LockState, now: number): LockSummary {
  const head = lock.head;
  const holders = [...lock.holders].map((h) => holderOf(h, now));
  return {
    path: lock.path,
    kind: kindOf(lock),
    limit: lock.limit,
    holder: holders[0] ?? null,
    holders,
    waiting: lock.waiting,
    longestWaitMs: head ? now - head.enqueuedAt : 0,
  };
}

function holderOf(h: Hold, now: number): HolderView {
  return {
    sessionId: h.session.id,
    name: h.session.name,
    token: h.token,
    heldMs: now - h.grantedAt,
    mode: h.mode,
    ...(h.value === undefined ? {} : { value: h.value }),
  };
}

function etaOf(lock: LockState, position: number): { etaMs?: number } {
  const etaMs = lock.etaMs(position);
  return etaMs === undefined ? {} : { etaMs };
}

/** What the path is used as right now: read/write while a reader holds or waits. */
function kindOf(lock: LockState): LockKind {
  if (lock.limit > 1) return 'semaphore';
  return lock.readers + lock.readWaiting > 0 ? 'rw' : 'mutex';
}

function sessionView(s: Session, now: number): SessionView {
  return {
    id: s.id,
    name: s.name,
    held: s.held.size,
    waiting: s.requests.size - s.held.size,
    expiresInMs: Math.max(0, s.expiresAt - now),
  };
}

/** 1 = next in line; O(position). */
function positionOf(w: Waiter): number {
  let position = 1;
  for (let p = w.prev; p; p = p.prev) position++;
  return position;
}

/** Page size when a query names none. */
export const DEFAULT_PAGE_LIMIT = 50;
/** Largest page served. */
export const MAX_PAGE_LIMIT = 1_000;

function bounds(q: PageQuery): { offset: number; limit: number } {
  const offset = Math.max(0, Math.floor(q.offset ?? 0));
  const limit = Math.min(MAX_PAGE_LIMIT, Math.max(1, Math.floor(q.limit ?? DEFAULT_PAGE_LIMIT)));
  return { offset, limit };
}

function page<T>(all: T[], q: PageQuery): Page<T> {
  const { offset, limit } = bounds(q);
  return { items: all.slice(offset, offset + limit), total: all.length, offset, limit };
}
