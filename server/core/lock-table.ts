import type { ErrorCode, LockLostReason } from '../../shared/errors.js';
import { lockPathProblem } from '../../shared/lock-path.js';
import type { HeldLock } from '../../shared/protocol.js';
import { DeadlineHeap } from './deadline-heap.js';
import type { Effect } from './effects.js';
import {
  resolveLockTableOptions,
  type LockTableOptions,
  type ResolvedLockTableOptions,
} from './lock-table-options.js';
import { LockState, Session, Waiter, type Hold } from './lock-state.js';

export interface OpenCommand {
  sessionId: string;
  secret: string;
  ttlMs?: number;
  name?: string;
}
export interface AcquireCommand {
  requestId: number;
  path: string;
  /** false: tryAcquire, grant now or answer busy. */
  wait: boolean;
  timeoutMs?: number;
}
export interface ReleaseCommand {
  requestId: number;
  path: string;
  token: number;
}

/**
 * The pure core: sessions, per-path FIFO queues and fencing tokens. No I/O and
 * no clock of its own: every command takes `now` (monotonic ms) and returns
 * the effects the shell must carry out, in order.
 */
export class LockTable {
  readonly options: ResolvedLockTableOptions;
  private readonly sessions = new Map<string, Session>();
  private readonly locks = new Map<string, LockState>();
  private readonly sessionHeap = new DeadlineHeap<Session>();
  private readonly timeoutHeap = new DeadlineHeap<Waiter>();
  private readonly delayHeap = new DeadlineHeap<LockState>();
  /** Locks with a waiter that could be granted but for a token. */
  private readonly starved = new Set<LockState>();
  private tokenNext = 0;
  private tokenLimit = 0;
  private reserving = false;
  private out: Effect[] = [];

  constructor(options: LockTableOptions = {}) {
    this.options = resolveLockTableOptions(options);
  }

  // ---- sessions -----------------------------------------------------------

  open(now: number, cmd: OpenCommand): Effect[] {
    const o = this.options;
    if (this.sessions.has(cmd.sessionId)) throw new Error(`session ${cmd.sessionId} exists`);
    if (this.sessions.size >= o.maxSessions) {
      return [{ type: 'refused', code: 'LIMIT_EXCEEDED', message: 'too many sessions' }];
    }
    const asked = cmd.ttlMs ?? o.defaultSessionTtlMs;
    const ttlMs = Math.min(o.maxSessionTtlMs, Math.max(o.minSessionTtlMs, asked));
    const s = new Session(cmd.sessionId, cmd.secret, ttlMs, cmd.name ?? '', now);
    this.sessions.set(s.id, s);
    this.sessionHeap.push(s);
    return [
      { type: 'welcome', sessionId: s.id, secret: s.secret, ttlMs, resumed: false, held: [] },
    ];
  }

  resume(now: number, sessionId: string, secret: string): Effect[] {
    const s = this.live(now, sessionId);
    if (!s || !sameSecret(s.secret, secret)) {
      const message = `session ${sessionId} is unknown or expired`;
      return [{ type: 'refused', code: 'SESSION_EXPIRED', message }];
    }
    s.lastSeenAt = now;
    const held: HeldLock[] = [];
    for (const h of s.held.values())
      held.push({ id: h.requestId, path: h.lock.path, token: h.token });
    return [{ type: 'welcome', sessionId, secret, ttlMs: s.ttlMs, resumed: true, held }];
  }

  heartbeat(now: number, sessionId: string, requestId: number): Effect[] {
    const s = this.live(now, sessionId);
    if (!s) return this.gone(sessionId, requestId);
    return [{ type: 'ok', sessionId, requestId }];
  }

  /** Ends a session at its client's request: releases and cancels all it had. */
  close(now: number, sessionId: string, requestId: number): Effect[] {
    const s = this.live(now, sessionId);
    if (!s) return this.gone(sessionId, requestId);
    this.out.push({ type: 'ok', sessionId, requestId });
    this.end(now, s, 'closed');
    return this.flush();
  }

  // ---- locks --------------------------------------------------------------

  acquire(now: number, sessionId: string, cmd: AcquireCommand): Effect[] {
    const s = this.live(now, sessionId);
    if (!s) return this.gone(sessionId, cmd.requestId);
    const { requestId, path } = cmd;
    const known = s.requests.get(requestId);
    if (known) {
      // A retry after a reconnect: answer with what the first attempt became.
      return known.kind === 'hold'
        ? [{ type: 'grant', sessionId, requestId, path: known.lock.path, token: known.token }]
        : [{ type: 'queued', sessionId, requestId }];
    }
    const problem = lockPathProblem(path);
    if (problem) return this.fail(sessionId, requestId, 'INVALID_PATH', problem);
    if (s.requests.size >= this.options.maxLocksPerSession) {
      const message = `a session may hold and wait for at most ${this.options.maxLocksPerSession} locks`;
      return this.fail(sessionId, requestId, 'LIMIT_EXCEEDED', message);
    }
    let lock = this.locks.get(path);
    if (!lock) {
      lock = new LockState(path);
      this.locks.set(path, lock);
    }
    const free = lock.holder === null && lock.head === null && lock.heapIndex === -1;
    if (free && this.tokenNext < this.tokenLimit) {
      this.grant(now, lock, s, requestId);
      return this.flush();
    }
    if (!cmd.wait || cmd.timeoutMs === 0) {
      this.dropIfIdle(lock);
      return cmd.wait
        ? this.fail(sessionId, requestId, 'TIMEOUT', `${path} is held; timeoutMs was 0`)
        : [{ type: 'busy', sessionId, requestId }];
    }
    if (lock.waiting >= this.options.maxWaitersPerPath) {
      const message = `the queue of ${path} is full (${this.options.maxWaitersPerPath} waiters)`;
      return this.fail(sessionId, requestId, 'LIMIT_EXCEEDED', message);
    }
    const w = new Waiter(s, requestId, lock, now);
    lock.enqueue(w);
    s.requests.set(requestId, w);
    if (cmd.timeoutMs !== undefined) {
      w.deadline = now + cmd.timeoutMs;
      this.timeoutHeap.push(w);
    }
    // Only possible when tokens ran out: the free lock waits for the next block.
    if (free) this.starved.add(lock);
    return [{ type: 'queued', sessionId, requestId, position: lock.waiting }];
  }

  release(now: number, sessionId: string, cmd: ReleaseCommand): Effect[] {
    const s = this.live(now, sessionId);
    if (!s) return this.gone(sessionId, cmd.requestId);
    const hold = s.held.get(cmd.path);
    if (!hold || hold.token !== cmd.token) {
      const message = `this session does not hold ${cmd.path} with token ${cmd.token}`;
      return this.fail(sessionId, cmd.requestId, 'NOT_HOLDER', message);
    }
    this.out.push({ type: 'ok', sessionId, requestId: cmd.requestId });
    this.unhold(now, hold);
    return this.flush();
  }

  /** Withdraws acquire `target`: drops its waiter, or releases the lock it was granted. */
  cancel(now: number, sessionId: string, requestId: number, target: number): Effect[] {
    const s = this.live(now, sessionId);
    if (!s) return this.gone(sessionId, requestId);
    const entry = s.requests.get(target);
    this.out.push({ type: 'ok', sessionId, requestId });
    if (entry?.kind === 'waiter') this.dropWaiter(entry);
    else if (entry?.kind === 'hold') this.unhold(now, entry);
    return this.flush();
  }

  // ---- time and tokens ----------------------------------------------------

  /** Expires sessions, times out waiters and ends lock-delays due at `now`. */
  tick(now: number): Effect[] {
    for (let s = this.sessionHeap.peek(); s && s.deadline <= now; s = this.sessionHeap.peek()) {
      this.sessionHeap.pop();
      if (s.expiresAt > now) {
        s.deadline = s.expiresAt;
        this.sessionHeap.push(s);
      } else {
        this.end(now, s, 'expired');
      }
    }
    for (let w = this.timeoutHeap.peek(); w && w.deadline <= now; w = this.timeoutHeap.peek()) {
      this.dropWaiter(w);
      const message = `timed out waiting for ${w.lock.path}`;
      this.out.push(errorOf(w.session.id, w.requestId, 'TIMEOUT', message));
    }
    for (let l = this.delayHeap.peek(); l && l.deadline <= now; l = this.delayHeap.peek()) {
      this.delayHeap.pop();
      this.grantNext(now, l);
    }
    return this.flush();
  }

  /** When `tick` next has work, or `Infinity`. May be early, never late. */
  nextDeadline(): number {
    return Math.min(
      this.sessionHeap.peek()?.deadline ?? Infinity,
      this.timeoutHeap.peek()?.deadline ?? Infinity,
      this.delayHeap.peek()?.deadline ?? Infinity,
    );
  }

  /** Hands the table tokens `[start, limit)`, durably reserved by the shell. */
  addTokens(now: number, start: number, limit: number): Effect[] {
    if (!(start < limit) || !Number.isSafeInteger(limit)) throw new Error('bad token block');
    if (start < this.tokenNext) throw new Error('token block below tokens already issued');
    this.tokenNext = start;
    this.tokenLimit = limit;
    this.reserving = false;
    const starved = [...this.starved];
    this.starved.clear();
    for (const lock of starved) this.grantNext(now, lock);
    return this.flush();
  }

  /** The largest token granted so far, or 0. */
  get lastToken(): number {
    return this.tokenNext === 0 ? 0 : this.tokenNext - 1;
  }

  // ---- read-only views ----------------------------------------------------

  get stats(): { sessions: number; locks: number; held: number } {
    let held = 0;
    for (const s of this.sessions.values()) held += s.held.size;
    return { sessions: this.sessions.size, locks: this.locks.size, held };
  }

  /** The holder and the queue of `path` in order; O(queue length). */
  viewLock(path: string): { holder: HeldBy | null; queue: WaitingBy[] } {
    const lock = this.locks.get(path);
    if (!lock) return { holder: null, queue: [] };
    const h = lock.holder;
    const holder = h && { sessionId: h.session.id, requestId: h.requestId, token: h.token };
    const queue = [...lock.waiters()].map((w) => ({
      sessionId: w.session.id,
      requestId: w.requestId,
    }));
    return { holder, queue };
  }

  hasSession(sessionId: string): boolean {
    return this.sessions.has(sessionId);
  }

  // ---- internals ----------------------------------------------------------

  /** The session if its lease still runs at `now`, renewed; otherwise undefined. */
  private live(now: number, sessionId: string): Session | undefined {
    const s = this.sessions.get(sessionId);
    if (!s || s.expiresAt <= now) return undefined;
    s.lastSeenAt = now;
    return s;
  }

  private gone(sessionId: string, requestId: number): Effect[] {
    return this.fail(sessionId, requestId, 'SESSION_EXPIRED', 'the session has expired');
  }

  private fail(sessionId: string, requestId: number, code: ErrorCode, message: string): Effect[] {
    return [errorOf(sessionId, requestId, code, message)];
  }

  private grant(now: number, lock: LockState, s: Session, requestId: number): void {
    const token = this.tokenNext++;
    const hold: Hold = { kind: 'hold', session: s, requestId, lock, token, grantedAt: now };
    lock.holder = hold;
    s.held.set(lock.path, hold);
    s.requests.set(requestId, hold);
    this.out.push({ type: 'grant', sessionId: s.id, requestId, path: lock.path, token });
    if (!this.reserving && this.tokenLimit - this.tokenNext < this.options.tokenLowWater) {
      this.reserving = true;
      this.out.push({ type: 'reserveTokens', issuedUpTo: token });
    }
  }

  /** Grants the head waiter of `lock` if the lock is free, or forgets an idle lock. */
  private grantNext(now: number, lock: LockState): void {
    if (lock.holder !== null || lock.heapIndex !== -1) return;
    const w = lock.head;
    if (!w) {
      this.locks.delete(lock.path);
      return;
    }
    if (this.tokenNext >= this.tokenLimit) {
      this.starved.add(lock);
      return;
    }
    lock.unlink(w);
    this.timeoutHeap.remove(w);
    this.grant(now, lock, w.session, w.requestId);
  }

  private unhold(now: number, hold: Hold, lockDelayMs = 0): void {
    const { lock, session } = hold;
    lock.holder = null;
    session.held.delete(lock.path);
    session.requests.delete(hold.requestId);
    if (lockDelayMs > 0) {
      lock.deadline = now + lockDelayMs;
      this.delayHeap.push(lock);
    } else {
      this.grantNext(now, lock);
    }
  }

  private dropWaiter(w: Waiter): void {
    w.lock.unlink(w);
    this.timeoutHeap.remove(w);
    w.session.requests.delete(w.requestId);
    this.dropIfIdle(w.lock);
  }

  private dropIfIdle(lock: LockState): void {
    if (lock.idle) {
      this.locks.delete(lock.path);
      this.starved.delete(lock);
    }
  }

  private end(now: number, s: Session, reason: 'closed' | 'expired'): void {
    this.sessions.delete(s.id);
    this.sessionHeap.remove(s);
    // Waits go first, so releasing a lock cannot grant it to this same session.
    for (const entry of s.requests.values()) if (entry.kind === 'waiter') this.dropWaiter(entry);
    const lostReason: LockLostReason = reason === 'closed' ? 'closed' : 'session-expired';
    for (const hold of [...s.held.values()]) {
      if (reason === 'expired') {
        this.out.push({
          type: 'lost',
          sessionId: s.id,
          path: hold.lock.path,
          token: hold.token,
          reason: lostReason,
        });
      }
      this.unhold(now, hold, reason === 'expired' ? this.options.lockDelayMs : 0);
    }
    this.out.push({ type: 'ended', sessionId: s.id, reason });
  }

  private flush(): Effect[] {
    const out = this.out;
    this.out = [];
    return out;
  }
}

export interface HeldBy {
  sessionId: string;
  requestId: number;
  token: number;
}
export interface WaitingBy {
  sessionId: string;
  requestId: number;
}

function errorOf(sessionId: string, requestId: number, code: ErrorCode, message: string): Effect {
  return { type: 'error', sessionId, requestId, code, message };
}

/** Compares secrets in time that does not depend on where they first differ. */
function sameSecret(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
