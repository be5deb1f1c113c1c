import type { JournalEntry, KindFields } from './journal.js';
import { Session, Waiter, type Hold, type LockState } from './lock-state.js';
import type { TableState } from './table-state.js';

/**
 * What a snapshot holds: enough to rebuild sessions, holders and queues.
 * Leases and waiter deadlines restart when a standby is promoted.
 */
export interface TableSnapshot {
  /** id, hash of its secret, TTL, name, owner (absent in older snapshots) */
  sessions: [string, string, number, string, string?][];
  /**
   * path, first holder or null, waiters, then (absent in older snapshots,
   * and for a plain mutex) the other holders and the path's limit.
   */
  locks: [string, SnapshotHolder | null, SnapshotWaiter[], SnapshotHolder[]?, number?][];
  tokenNext: number;
}
/** session, request, token, strict, 'read' (absent or null: write), value (absent: none) */
type SnapshotHolder = [string, number, number, boolean, ('read' | null)?, string?];
/** session, request, strict, timeoutMs or -1, 'read' (absent or null: write), value or null, 1 if single-flight */
type SnapshotWaiter = [string, number, boolean, number, ('read' | null)?, (string | null)?, 1?];

function session(state: TableState, id: string): Session {
  const s = state.sessions.get(id);
  if (!s) throw new Error(`journal names unknown session ${id}`);
  return s;
}

/**
 * Applies one journal entry as the active broker made it. The entries are
 * trusted (they passed the rules there); an entry that does not fit the
 * state means the log is broken, and that is thrown.
 */
export function applyEntry(state: TableState, e: JournalEntry, now: number): void {
  switch (e[0]) {
    case 'open':
      return state.addSession(new Session(e[1], e[2], e[3], e[4], e[5] ?? '', now));
    case 'wait': {
      const [, sid, requestId, path, strict, timeoutMs, limit, mode, value, flight] = e;
      const lock = state.lockFor(path, limit ?? 1);
      const w = new Waiter(
        session(state, sid),
        requestId,
        lock,
        now,
        strict,
        timeoutMs < 0 ? undefined : timeoutMs,
        mode === 'read' ? 'read' : 'write',
        value ?? undefined,
        flight === 1,
      );
      return state.enqueue(w);
    }
    case 'grant': {
      const [, sid, requestId, path, token, strict, limit, read, value] = e;
      const s = session(state, sid);
      const lock = state.lockFor(path, limit ?? 1);
      const waiter = s.requests.get(requestId);
      if (waiter?.kind === 'waiter') lock.unlink(waiter);
      const mode = read === 'read' ? 'read' : 'write';
      if (!lock.admits(mode)) throw new Error(`journal grants ${path} beyond what it admits`);
      state.hold(lock, s, requestId, token, strict, now, mode, value ?? undefined);
      return;
    }
    case 'free': {
      const [, path, reason = 'released', token] = e;
      const lock = state.locks.get(path);
      const hold = lock && holdOf(lock, token);
      if (!lock || !hold) throw new Error(`journal frees ${path}, which is not held so`);
      state.free(hold, reason);
      return state.dropIfIdle(lock);
    }
    case 'drop': {
      const w = session(state, e[1]).requests.get(e[2]);
      if (w?.kind !== 'waiter') throw new Error(`journal drops unknown waiter ${e[1]}/${e[2]}`);
      return state.dropWaiter(w, e[3] ?? 'cancelled');
    }
    case 'end':
      return state.removeSession(session(state, e[1]));
  }
}

/** A snapshot tuple's kind fields as a journal entry's tail. */
function kindTail(limit: number, mode: 'read' | null | undefined, value?: string): KindFields {
  return value === undefined ? [limit, mode ?? null] : [limit, mode ?? null, value];
}

/** The holder a `free` entry names: by token, or the only one. */
function holdOf(lock: LockState, token: number | undefined): Hold | undefined {
  if (token === undefined) return lock.holders.size === 1 ? (lock.holder ?? undefined) : undefined;
  for (const h of lock.holders) if (h.token === token) return h;
  return undefined;
}

export function takeSnapshot(state: TableState): TableSnapshot {
  const sessions: TableSnapshot['sessions'] = [];
  for (const s of state.sessions.values())
    sessions.push([s.id, s.secretHash, s.ttlMs, s.name, s.owner]);
  const locks: TableSnapshot['locks'] = [];
  for (const lock of state.locks.values()) {
    const holders: SnapshotHolder[] = [];
    for (const h of lock.holders) {
      const tuple: SnapshotHolder = [h.session.id, h.requestId, h.token, h.strict];
      if (h.mode === 'read' || h.value !== undefined) tuple.push(h.mode === 'read' ? 'read' : null);
      if (h.value !== undefined) tuple.push(h.value);
      holders.push(tuple);
    }
    const waiters: SnapshotWaiter[] = [];
    for (const w of lock.waiters()) {
      const tuple: SnapshotWaiter = [w.session.id, w.requestId, w.strict, w.timeoutMs ?? -1];
      if (w.mode === 'read' || w.value !== undefined || w.flight) {
        tuple.push(w.mode === 'read' ? 'read' : null);
      }
      if (w.value !== undefined || w.flight) tuple.push(w.value ?? null);
      if (w.flight) tuple.push(1);
      waiters.push(tuple);
    }
    const [first = null, ...others] = holders;
    const plain = others.length === 0 && lock.limit === 1 && lock.readers === 0;
    locks.push(
      plain ? [lock.path, first, waiters] : [lock.path, first, waiters, others, lock.limit],
    );
  }
  return { sessions, locks, tokenNext: state.tokenNext };
}

export function restoreSnapshot(state: TableState, snap: TableSnapshot, now: number): void {
  for (const [id, secretHash, ttlMs, name, owner] of snap.sessions) {
    applyEntry(state, ['open', id, secretHash, ttlMs, name, owner], now);
  }
  for (const [path, first, waiters, others = [], limit = 1] of snap.locks) {
    for (const [sid, requestId, token, strict, mode, value] of first
      ? [first, ...others]
      : others) {
      const tail = kindTail(limit, mode, value);
      applyEntry(state, ['grant', sid, requestId, path, token, strict, ...tail], now);
    }
    for (const [sid, requestId, strict, timeoutMs, mode, value, flight] of waiters) {
      const tail: KindFields = flight
        ? [limit, mode ?? null, value ?? null, 1]
        : kindTail(limit, mode, value ?? undefined);
      applyEntry(state, ['wait', sid, requestId, path, strict, timeoutMs, ...tail], now);
    }
  }
  if (snap.tokenNext > state.tokenNext) state.tokenNext = snap.tokenNext;
}
