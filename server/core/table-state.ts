import { DeadlineHeap } from './deadline-heap.js';
import { holdsMayShare, type EndReason, type JournalEntry, type KindFields } from './journal.js';
import {
  LockState,
  type Hold,
  type LockMode,
  type OwnerUsage,
  type Session,
  type Waiter,
} from './lock-state.js';
import { lockBytes, REQUEST_BYTES, SESSION_BYTES } from './table-bytes.js';

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
  /** Locks with queue places due to be told (see `LockState.dueReports`). */
  readonly moved = new Set<LockState>();
  /** Locks with a waiter that could be granted but for a token, or for the strict grace period. */
  readonly starved = new Set<LockState>();
  tokenNext = 0;
  tokenLimit = 0;
  /** Entries not yet taken by the shell; null while journaling is off. */
  journal: JournalEntry[] | null = null;
  /**
   * Sessions and requests by owner, for the quotas: kept by the primitives
   * below, so a standby replaying the journal counts as the active broker
   * did. An owner with nothing left is forgotten.
   */
  readonly owners = new Map<string, OwnerUsage>();
  /** Estimated bytes of all sessions, locks, paths and requests: the memory budget's measure. */
  bytes = 0;

  /** What `owner` has now; zeros for an owner with nothing. */
  usageOf(owner: string): OwnerUsage {
    return this.owners.get(owner) ?? NO_USAGE;
  }

  addSession(s: Session): void {
    let usage = this.owners.get(s.owner);
    if (!usage) {
      usage = { sessions: 0, requests: 0 };
      this.owners.set(s.owner, usage);
    }
    usage.sessions++;
    s.usage = usage;
    this.bytes += SESSION_BYTES;
    this.sessions.set(s.id, s);
    this.sessionHeap.push(s);
    this.journal?.push(['open', s.id, s.secretHash, s.ttlMs, s.name, s.owner]);
  }

  removeSession(s: Session): void {
    this.sessions.delete(s.id);
    this.sessionHeap.remove(s);
    this.bytes -= SESSION_BYTES;
    // Its requests were freed and dropped before: nothing else of it is counted.
    if (--s.usage.sessions === 0 && s.usage.requests === 0) this.owners.delete(s.owner);
    this.journal?.push(['end', s.id]);
  }

  /** Moves the session's heap key up to its expiry when that came nearer (detached, promoted). */
  rearm(s: Session): void {
    const at = s.expiresAt;
    if (at >= s.deadline) return;
    this.sessionHeap.remove(s);
    s.deadline = at;
    this.sessionHeap.push(s);
  }

  /** The lock of `path`, made with `limit` if the table had forgotten it. */
  lockFor(path: string, limit = 1): LockState {
    let lock = this.locks.get(path);
    if (!lock) {
      lock = new LockState(path, this.moved);
      lock.limit = limit;
      this.locks.set(path, lock);
      this.bytes += lockBytes(path);
    }
    return lock;
  }

  enqueue(w: Waiter): void {
    w.lock.enqueue(w);
    this.count(w.session, 1);
    w.session.requests.set(w.requestId, w);
    const timeoutMs = w.timeoutMs ?? -1;
    const { path, limit } = w.lock;
    const kind = kindFields(limit, w.mode, w.value, w.flight);
    this.journal?.push(['wait', w.session.id, w.requestId, path, w.strict, timeoutMs, ...kind]);
  }

  hold(
    lock: LockState,
    s: Session,
    requestId: number,
    token: number,
    strict: boolean,
    now: number,
    mode: LockMode,
    value?: string,
  ): Hold {
    const hold: Hold = {
      kind: 'hold',
      session: s,
      requestId,
      lock,
      token,
      grantedAt: now,
      strict,
      mode,
      value,
    };
    lock.holders.add(hold);
    if (mode === 'read') lock.readers++;
    s.held.set(lock.path, hold);
    // A granted waiter was counted when it joined the queue.
    if (s.requests.get(requestId)?.kind !== 'waiter') this.count(s, 1);
    s.requests.set(requestId, hold);
    if (token >= this.tokenNext) this.tokenNext = token + 1;
    const kind = kindFields(lock.limit, mode, value, false);
    this.journal?.push(['grant', s.id, requestId, lock.path, token, strict, ...kind]);
    return hold;
  }

  free(hold: Hold, reason: EndReason): void {
    const { lock, session } = hold;
    lock.holders.delete(hold);
    if (hold.mode === 'read') lock.readers--;
    session.held.delete(lock.path);
    session.requests.delete(hold.requestId);
    this.count(session, -1);
    // The token tells a standby which holder, where there may be several.
    this.journal?.push(
      lock.holders.size > 0 || holdsMayShare(lock.limit, hold.mode)
        ? ['free', lock.path, reason, hold.token]
        : ['free', lock.path, reason],
    );
  }

  dropWaiter(w: Waiter, reason: EndReason): void {
    w.lock.unlink(w);
    this.timeoutHeap.remove(w);
    w.session.requests.delete(w.requestId);
    this.count(w.session, -1);
    this.dropIfIdle(w.lock);
    this.journal?.push(['drop', w.session.id, w.requestId, reason, w.lock.path]);
  }

  /** Forgets a lock with no holder, no waiter and no delay: memory follows use. */
  dropIfIdle(lock: LockState): void {
    if (lock.idle && this.locks.delete(lock.path)) {
      this.starved.delete(lock);
      this.bytes -= lockBytes(lock.path);
    }
  }

  /** One request more (1) or less (-1) for the session's owner and the budget. */
  private count(s: Session, delta: 1 | -1): void {
    s.usage.requests += delta;
    this.bytes += delta * REQUEST_BYTES;
  }
}

/** The tail of a `wait` or `grant` entry: only as long as its last non-default field. */
function kindFields(
  limit: number,
  mode: LockMode,
  value: string | undefined,
  flight: boolean,
): KindFields {
  const read = mode === 'read' ? 'read' : null;
  if (flight) return [limit, read, value ?? null, 1];
  if (value !== undefined) return [limit, read, value];
  if (read) return [limit, read];
  return limit > 1 ? [limit] : [];
}

/** The usage of an owner the table does not know; never written to. */
const NO_USAGE: OwnerUsage = Object.freeze({ sessions: 0, requests: 0 });
