import { DeadlineHeap } from './deadline-heap.js';
import type { EndReason, JournalEntry } from './journal.js';
import { LockState, type Session, type Hold, type Waiter } from './lock-state.js';

/**
 * The table's storage and its primitive changes. Each primitive writes its
 * journal entry, so the rules in {@link LockTable} and the replay of a
 * standby share one path into the state.
 */
export class TableState {
  readonly sessions = new Map<string, Session>();
  readonly locks = new Map<string, LockState>();
  readonly sessionHeap = new DeadlineHeap<Session>();
  readonly timeoutHeap = new DeadlineHeap<Waiter>();
  readonly delayHeap = new DeadlineHeap<LockState>();
  /** Locks with a waiter that could be granted but for a token, or for the strict grace period. */
  readonly starved = new Set<LockState>();
  tokenNext = 0;
  tokenLimit = 0;
  /** Entries not yet taken by the shell; null while journaling is off. */
  journal: JournalEntry[] | null = null;

  addSession(s: Session): void {
    this.sessions.set(s.id, s);
    this.sessionHeap.push(s);
    this.journal?.push(['open', s.id, s.secretHash, s.ttlMs, s.name, s.owner]);
  }

  removeSession(s: Session): void {
    this.sessions.delete(s.id);
    this.sessionHeap.remove(s);
    this.journal?.push(['end', s.id]);
  }

  lockFor(path: string): LockState {
    let lock = this.locks.get(path);
    if (!lock) {
      lock = new LockState(path);
      this.locks.set(path, lock);
    }
    return lock;
  }

  enqueue(w: Waiter): void {
    w.lock.enqueue(w);
    w.session.requests.set(w.requestId, w);
    const timeoutMs = w.timeoutMs ?? -1;
    this.journal?.push(['wait', w.session.id, w.requestId, w.lock.path, w.strict, timeoutMs]);
  }

  hold(
    lock: LockState,
    s: Session,
    requestId: number,
    token: number,
    strict: boolean,
    now: number,
  ): Hold {
    const hold: Hold = { kind: 'hold', session: s, requestId, lock, token, grantedAt: now, strict };
    lock.holder = hold;
    s.held.set(lock.path, hold);
    s.requests.set(requestId, hold);
    if (token >= this.tokenNext) this.tokenNext = token + 1;
    this.journal?.push(['grant', s.id, requestId, lock.path, token, strict]);
    return hold;
  }

  free(hold: Hold, reason: EndReason): void {
    const { lock, session } = hold;
    lock.holder = null;
    session.held.delete(lock.path);
    session.requests.delete(hold.requestId);
    this.journal?.push(['free', lock.path, reason]);
  }

  dropWaiter(w: Waiter, reason: EndReason): void {
    w.lock.unlink(w);
    this.timeoutHeap.remove(w);
    w.session.requests.delete(w.requestId);
    this.dropIfIdle(w.lock);
    this.journal?.push(['drop', w.session.id, w.requestId, reason, w.lock.path]);
  }

  /** Forgets a lock with no holder, no waiter and no delay: memory follows use. */
  dropIfIdle(lock: LockState): void {
    if (lock.idle) {
      this.locks.delete(lock.path);
      this.starved.delete(lock);
    }
  }
}
