import type { JournalEntry } from './journal.js';
import { Session, Waiter } from './lock-state.js';
import type { TableState } from './table-state.js';

/**
 * What a snapshot holds: enough to rebuild sessions, holders and queues.
 * Leases and waiter deadlines restart when a standby is promoted.
 */
export interface TableSnapshot {
  /** id, hash of its secret, TTL, name, owner (absent in older snapshots) */
  sessions: [string, string, number, string, string?][];
  /** path, holder (session, request, token, strict) or null, waiters (session, request, strict, timeoutMs or -1) */
  locks: [string, [string, number, number, boolean] | null, [string, number, boolean, number][]][];
  tokenNext: number;
}

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
      const [, sid, requestId, path, strict, timeoutMs] = e;
      const lock = state.lockFor(path);
      const w = new Waiter(
        session(state, sid),
        requestId,
        lock,
        now,
        strict,
        timeoutMs < 0 ? undefined : timeoutMs,
      );
      return state.enqueue(w);
    }
    case 'grant': {
      const [, sid, requestId, path, token, strict] = e;
      const s = session(state, sid);
      const lock = state.lockFor(path);
      const waiter = s.requests.get(requestId);
      if (waiter?.kind === 'waiter') lock.unlink(waiter);
      if (lock.holder) throw new Error(`journal grants ${path}, which is held`);
      state.hold(lock, s, requestId, token, strict, now);
      return;
    }
    case 'free': {
      const lock = state.locks.get(e[1]);
      if (!lock?.holder) throw new Error(`journal frees ${e[1]}, which is not held`);
      state.free(lock.holder, e[2] ?? 'released');
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

export function takeSnapshot(state: TableState): TableSnapshot {
  const sessions: TableSnapshot['sessions'] = [];
  for (const s of state.sessions.values())
    sessions.push([s.id, s.secretHash, s.ttlMs, s.name, s.owner]);
  const locks: TableSnapshot['locks'] = [];
  for (const lock of state.locks.values()) {
    const h = lock.holder;
    const holder: [string, number, number, boolean] | null = h && [
      h.session.id,
      h.requestId,
      h.token,
      h.strict,
    ];
    const waiters: [string, number, boolean, number][] = [];
    for (const w of lock.waiters())
      waiters.push([w.session.id, w.requestId, w.strict, w.timeoutMs ?? -1]);
    locks.push([lock.path, holder, waiters]);
  }
  return { sessions, locks, tokenNext: state.tokenNext };
}

export function restoreSnapshot(state: TableState, snap: TableSnapshot, now: number): void {
  for (const [id, secretHash, ttlMs, name, owner] of snap.sessions) {
    applyEntry(state, ['open', id, secretHash, ttlMs, name, owner], now);
  }
  for (const [path, holder, waiters] of snap.locks) {
    if (holder) applyEntry(state, ['grant', holder[0], holder[1], path, holder[2], holder[3]], now);
    for (const [sid, requestId, strict, timeoutMs] of waiters) {
      applyEntry(state, ['wait', sid, requestId, path, strict, timeoutMs], now);
    }
  }
  if (snap.tokenNext > state.tokenNext) state.tokenNext = snap.tokenNext;
}
