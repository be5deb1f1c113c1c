import type { ErrorCode, LockLostReason } from '../../shared/errors.js';
import { lockPathProblem } from '../../shared/lock-path.js';
import type { HeldLock } from '../../shared/protocol.js';
import { errorOf, grantOf, type Effect, type FlightOutcome, type QueuedEffect } from './effects.js';
import type { EndReason, JournalEntry } from './journal.js';
import {
  resolveLockTableOptions,
  type LockTableOptions,
  type ResolvedLockTableOptions,
} from './lock-table-options.js';
import { Session, Waiter, type Hold, type LockMode, type LockState } from './lock-state.js';
import type { AcquireCommand, HeldBy, OpenCommand, ReleaseCommand, WaitingBy } from './commands.js';
import { applyEntry, restoreSnapshot, takeSnapshot, type TableSnapshot } from './replica.js';
import { TableState } from './table-state.js';
import { TableViews } from './table-views.js';
import { hashSecret, secretMatches } from './secret-hash.js';
import { acquireRefusal, sessionRefusal } from './quotas.js';

export type { AcquireCommand, HeldBy, OpenCommand, ReleaseCommand, WaitingBy };

/**
 * The pure core: sessions, per-path FIFO queues and fencing tokens. No I/O and
 * no clock of its own: every command takes `now` (monotonic ms) and returns
 * the effects the shell must carry out, in order.
 */
export class LockTable {
  readonly options: ResolvedLockTableOptions;
  private readonly state = new TableState();
  /** Read-only views for operators. */
  readonly views = new TableViews(this.state);
  private reserving = false;
  private out: Effect[] = [];
  /** Strict grants wait until then (monotonic ms): see {@link promote}. */
  private strictGraceUntil = -Infinity;

  constructor(options: LockTableOptions = {}) {
    this.options = resolveLockTableOptions(options);
    if (this.options.journal) this.state.journal = [];
  }

  // ---- sessions -----------------------------------------------------------

  open(now: number, cmd: OpenCommand): Effect[] {
    const o = this.options;
    if (this.state.sessions.has(cmd.sessionId)) throw new Error(`session ${cmd.sessionId} exists`);
    const refusal = sessionRefusal(this.state, o, cmd.owner ?? '');
    if (refusal) return [{ type: 'refused', code: 'LIMIT_EXCEEDED', message: refusal }];
    const asked = cmd.ttlMs ?? o.defaultSessionTtlMs;
    const ttlMs = Math.min(o.maxSessionTtlMs, Math.max(o.minSessionTtlMs, asked));
    const s = new Session(
      cmd.sessionId,
      hashSecret(cmd.secret),
      ttlMs,
      cmd.name ?? '',
      cmd.owner ?? '',
      now,
    );
    this.state.addSession(s);
    return [
      { type: 'welcome', sessionId: s.id, secret: cmd.secret, ttlMs, resumed: false, held: [] },
    ];
  }

  /** Resumes a session by its secret; with `owner`, only a session that owner opened. */
  resume(now: number, sessionId: string, secret: string, owner?: string): Effect[] {
    // The secret is checked before anything renews the lease.
    const found = this.state.sessions.get(sessionId);
    const known = found && secretMatches(found.secretHash, secret);
    if (known && owner !== undefined && found.owner !== owner) {
      const message = `session ${sessionId} belongs to another principal`;
      return [{ type: 'refused', code: 'FORBIDDEN', message }];
    }
    const s = known ? this.live(now, sessionId) : undefined;
    if (!s) {
      const message = `session ${sessionId} is unknown or expired`;
      return [{ type: 'refused', code: 'SESSION_EXPIRED', message }];
    }
    // Its client is back: the lease alone bounds it again.
    s.detachedUntil = null;
    const held: HeldLock[] = [];
    for (const h of s.held.values()) {
      held.push({ id: h.requestId, path: h.lock.path, token: h.token });
    }
    return [{ type: 'welcome', sessionId, secret, ttlMs: s.ttlMs, resumed: true, held }];
  }

  /**
   * The session's connection closed: it lives on for its client to resume it,
   * but at most `maxDetachedMs` more, whatever its TTL. Unknown ids are ignored.
   */
  detach(now: number, sessionId: string): Effect[] {
    const s = this.state.sessions.get(sessionId);
    if (s) {
      s.detachedUntil = Math.min(s.detachedUntil ?? Infinity, now + this.options.maxDetachedMs);
      this.state.rearm(s);
    }
    return [];
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
      if (known.kind === 'hold') return [{ ...grantOf(known), repeat: true }];
      // Place reports are not logged: a resent acquire asks for them again.
      if (cmd.positions) {
        known.lock.follow(known, cmd.positions);
        return [this.placeOf(known, requestId)];
      }
      return cmd.quiet ? [] : [{ type: 'queued', sessionId, requestId }];
    }
    const problem = lockPathProblem(path);
    if (problem) return this.fail(sessionId, requestId, 'INVALID_PATH', problem);
    const limit = cmd.limit ?? 1;
    const mode = cmd.mode ?? 'write';
    const mismatch = kindMismatch(this.state.locks.get(path), path, limit, mode);
    if (mismatch) return this.fail(sessionId, requestId, 'INVALID_OPTION', mismatch);
    const over = acquireRefusal(this.state, this.options, s, path);
    if (over) return this.fail(sessionId, requestId, 'LIMIT_EXCEEDED', over);
    const { maxWaitersPerPath } = this.options;
    const lock = this.state.lockFor(path, limit);
    if (lock.idle) lock.limit = limit;
    const strict = cmd.strict === true;
    // Nobody queued ahead, no lock-delay, room beside the holders, and not held by this session.
    const free =
      lock.head === null && lock.heapIndex === -1 && lock.admits(mode) && !s.held.has(path);
    const graceHolds = strict && now < this.strictGraceUntil;
    if (free && !graceHolds && this.state.tokenNext < this.state.tokenLimit) {
      this.grant(now, lock, s, requestId, strict, mode, cmd.value);
      return this.flush();
    }
    if (!cmd.wait || cmd.timeoutMs === 0) {
      this.state.dropIfIdle(lock);
      return cmd.wait
        ? this.fail(sessionId, requestId, 'TIMEOUT', `${path} is held; timeoutMs was 0`)
        : [{ type: 'busy', sessionId, requestId }];
    }
    if (lock.waiting >= maxWaitersPerPath) {
      const message = `the queue of ${path} is full (${maxWaitersPerPath} waiters)`;
      return this.fail(sessionId, requestId, 'LIMIT_EXCEEDED', message);
    }
    const flight = cmd.flight === true;
    const w = new Waiter(s, requestId, lock, now, strict, cmd.timeoutMs, mode, cmd.value, flight);
    this.state.enqueue(w);
    this.armTimeout(now, w);
    // Only when tokens ran out or the grace holds: the free lock waits for either.
    if (free) this.state.starved.add(lock);
    if (cmd.positions) lock.follow(w, cmd.positions);
    else if (cmd.quiet) return [];
    const position = lock.waiting;
    const etaMs = lock.etaMs(position);
    const queued: Effect = { type: 'queued', sessionId, requestId, position };
    if (etaMs !== undefined) queued.etaMs = etaMs;
    return [queued];
  }

  release(now: number, sessionId: string, cmd: ReleaseCommand): Effect[] {
    const s = this.live(now, sessionId);
    if (!s) return this.gone(sessionId, cmd.requestId);
    const hold = s.held.get(cmd.path);
    if (!hold || hold.token !== cmd.token) {
      const message = `this session does not hold ${cmd.path} with token ${cmd.token}`;
      return this.fail(sessionId, cmd.requestId, 'NOT_HOLDER', message);
    }
    if (!cmd.quiet) this.out.push({ type: 'ok', sessionId, requestId: cmd.requestId });
    // A single-flight run's outcome answers everyone who waited for that run, before anyone is granted.
    if (cmd.outcome) this.answerFlights(hold.lock, cmd.outcome);
    this.unhold(now, hold, 'released');
    return this.flush();
  }

  /** Answers whether `token` is still a holder's of `path`: `ok`, or `NOT_HOLDER`. */
  check(now: number, sessionId: string, requestId: number, path: string, token: number): Effect[] {
    if (!this.live(now, sessionId)) return this.gone(sessionId, requestId);
    if (this.views.isCurrent(path, token)) return [{ type: 'ok', sessionId, requestId }];
    const message = `token ${token} no longer holds ${path}`;
    return this.fail(sessionId, requestId, 'NOT_HOLDER', message);
  }

  /** Where acquire `target` waits: `queued` with its place under `requestId`, or `ok` if it does not wait. */
  position(now: number, sessionId: string, requestId: number, target: number): Effect[] {
    const s = this.live(now, sessionId);
    if (!s) return this.gone(sessionId, requestId);
    const entry = s.requests.get(target);
    if (entry?.kind !== 'waiter') return [{ type: 'ok', sessionId, requestId }];
    return [this.placeOf(entry, requestId)];
  }

  /** Withdraws acquire `target`: drops its waiter, or releases the lock it was granted. */
  cancel(now: number, sessionId: string, requestId: number, target: number): Effect[] {
    const s = this.live(now, sessionId);
    if (!s) return this.gone(sessionId, requestId);
    const entry = s.requests.get(target);
    this.out.push({ type: 'ok', sessionId, requestId });
    if (entry?.kind === 'waiter') this.leave(now, entry, 'cancelled');
    else if (entry?.kind === 'hold') this.unhold(now, entry, 'cancelled');
    return this.flush();
  }

  // ---- operator actions -------------------------------------------------------

  /**
   * Takes `path` from its holder, who is told it lost the lock (`revoked`);
   * the next waiter is granted at once, with a larger token, so writes the
   * evicted holder still makes are fenced. Null when nobody holds it.
   */
  forceRelease(now: number, path: string): { effects: Effect[]; evicted: HeldBy | null } {
    const lock = this.state.locks.get(path);
    if (!lock || lock.holders.size === 0) return { effects: [], evicted: null };
    // A semaphore or a read lock may have several holders: all of them go.
    const holds = [...lock.holders];
    for (const hold of holds) {
      const { session, token } = hold;
      this.out.push({ type: 'lost', sessionId: session.id, path, token, reason: 'revoked' });
      this.state.free(hold, 'forced');
    }
    this.grantNext(now, lock);
    const { session, requestId, token } = holds[0]!;
    return { effects: this.flush(), evicted: { sessionId: session.id, requestId, token } };
  }

  /** Ends a session now, as an expiry would, for an operator. Empty when it is unknown. */
  endSession(now: number, sessionId: string): Effect[] {
    const s = this.state.sessions.get(sessionId);
    if (!s) return [];
    this.end(now, s, 'forced');
    return this.flush();
  }

  // ---- time and tokens ----------------------------------------------------

  /** Expires sessions, times out waiters and ends lock-delays due at `now`. */
  tick(now: number): Effect[] {
    const { sessionHeap, timeoutHeap, delayHeap } = this.state;
    for (let s = sessionHeap.peek(); s && s.deadline <= now; s = sessionHeap.peek()) {
      sessionHeap.pop();
      if (s.expiresAt > now) {
        s.deadline = s.expiresAt;
        sessionHeap.push(s);
      } else {
        this.end(now, s, 'expired');
      }
    }
    // All that timed out leave before anyone behind them is granted: none of them is.
    const behindHeads: LockState[] = [];
    for (let w = timeoutHeap.peek(); w && w.deadline <= now; w = timeoutHeap.peek()) {
      if (w.lock.head === w) behindHeads.push(w.lock);
      this.state.dropWaiter(w, 'timeout');
      const message = `timed out waiting for ${w.lock.path}`;
      this.out.push(errorOf(w.session.id, w.requestId, 'TIMEOUT', message));
    }
    for (const lock of behindHeads) this.grantNext(now, lock);
    for (let l = delayHeap.peek(); l && l.deadline <= now; l = delayHeap.peek()) {
      delayHeap.pop();
      this.grantNext(now, l);
    }
    if (this.strictGraceUntil <= now && this.strictGraceUntil !== -Infinity) {
      this.strictGraceUntil = -Infinity;
      this.grantStarved(now);
    }
    return this.flush();
  }

  /** When `tick` next has work, or `Infinity`. May be early, never late. */
  nextDeadline(): number {
    const { sessionHeap, timeoutHeap, delayHeap } = this.state;
    return Math.min(
      sessionHeap.peek()?.deadline ?? Infinity,
      timeoutHeap.peek()?.deadline ?? Infinity,
      delayHeap.peek()?.deadline ?? Infinity,
      this.strictGraceUntil === -Infinity ? Infinity : this.strictGraceUntil,
    );
  }

  /** Until when (monotonic ms) strict grants wait, or -Infinity when they do not. */
  get strictGraceEndsAt(): number {
    return this.strictGraceUntil;
  }

  /** Hands the table tokens `[start, limit)`, durably reserved by the shell. */
  addTokens(now: number, start: number, limit: number): Effect[] {
    if (!(start < limit) || !Number.isSafeInteger(limit)) throw new Error('bad token block');
    if (start < this.state.tokenNext) throw new Error('token block below tokens already issued');
    this.state.tokenNext = start;
    this.state.tokenLimit = limit;
    this.reserving = false;
    this.grantStarved(now);
    return this.flush();
  }

  /** Grants what waited for tokens or the grace; those still held back are starved again. */
  private grantStarved(now: number): void {
    const starved = [...this.state.starved];
    this.state.starved.clear();
    for (const lock of starved) this.grantNext(now, lock);
  }

  /** The largest token granted so far, or 0. */
  get lastToken(): number {
    return this.state.tokenNext === 0 ? 0 : this.state.tokenNext - 1;
  }

  // ---- replication ----------------------------------------------------------

  /** Journal entries written since the last call (journal option on). */
  takeJournal(): JournalEntry[] {
    const entries = this.state.journal;
    // Most commands journal nothing (heartbeats, busy answers): no new array for them.
    if (!entries || entries.length === 0) return NO_ENTRIES;
    this.state.journal = [];
    return entries;
  }

  /** A standby applies the active broker's journal, in order. */
  replay(now: number, entries: readonly JournalEntry[]): void {
    const journal = this.state.journal;
    this.state.journal = null;
    try {
      for (const e of entries) applyEntry(this.state, e, now);
    } finally {
      this.state.journal = journal;
    }
  }

  snapshot(): TableSnapshot {
    return takeSnapshot(this.state);
  }

  /** Loads a snapshot into this table, which must be empty. */
  restore(now: number, snapshot: TableSnapshot): void {
    if (this.state.sessions.size > 0) throw new Error('restore needs an empty table');
    const journal = this.state.journal;
    this.state.journal = null;
    restoreSnapshot(this.state, snapshot, now);
    this.state.journal = journal;
  }

  /**
   * The broker can no longer prove it leads: every strict lock is taken back
   * (its holder told), since another broker may grant it once its session
   * lapses there. Their next grants wait for durability like any strict grant.
   */
  revokeStrict(now: number): Effect[] {
    // Collected first: the grants this makes wait for durability and are not taken back.
    const strict: Hold[] = [];
    for (const s of this.state.sessions.values()) {
      for (const hold of s.held.values()) if (hold.strict) strict.push(hold);
    }
    for (const hold of strict) {
      const { session, lock, token } = hold;
      const reason = 'revoked';
      this.out.push({ type: 'lost', sessionId: session.id, path: lock.path, token, reason });
      this.unhold(now, hold, 'failover');
    }
    return this.flush();
  }

  /**
   * A standby becomes active: every session gets a full TTL from `now` to
   * reconnect, but at most `maxDetachedMs` (none of them has a connection
   * here yet), waiter timeouts restart, and free locks with waiters are
   * granted (call after `addTokens`). With `strictGraceUntil` the broker took
   * over without a continuous log: a lock it does not know of may still be
   * held, so nothing is granted strict before then (a strict head waits, and
   * the queue behind it).
   */
  promote(now: number, strictGraceUntil = -Infinity): Effect[] {
    this.strictGraceUntil = strictGraceUntil > now ? strictGraceUntil : -Infinity;
    const detachedUntil = now + this.options.maxDetachedMs;
    for (const s of this.state.sessions.values()) {
      s.lastSeenAt = now;
      s.detachedUntil = detachedUntil;
      this.state.rearm(s);
    }
    for (const lock of [...this.state.locks.values()]) {
      for (const w of lock.waiters()) this.armTimeout(now, w);
      this.grantNext(now, lock);
    }
    return this.flush();
  }

  // ---- internals ----------------------------------------------------------

  /** The session if its lease still runs at `now`, renewed; otherwise undefined. */
  private live(now: number, sessionId: string): Session | undefined {
    const s = this.state.sessions.get(sessionId);
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

  private armTimeout(now: number, w: Waiter): void {
    if (w.timeoutMs === undefined) return;
    this.state.timeoutHeap.remove(w);
    w.deadline = now + w.timeoutMs;
    this.state.timeoutHeap.push(w);
  }

  private grant(
    now: number,
    lock: LockState,
    s: Session,
    requestId: number,
    strict: boolean,
    mode: LockMode,
    value: string | undefined,
    enqueuedAt?: number,
  ): void {
    const state = this.state;
    const hold = state.hold(lock, s, requestId, state.tokenNext, strict, now, mode, value);
    const grant = grantOf(hold);
    if (enqueuedAt !== undefined) {
      grant.waitedMs = now - enqueuedAt;
      grant.madeAt = now;
      lock.handedOff(now);
    }
    this.out.push(grant);
    if (!this.reserving && state.tokenLimit - state.tokenNext < this.options.tokenLowWater) {
      this.reserving = true;
      this.out.push({ type: 'reserveTokens', issuedUpTo: hold.token });
    }
  }

  /**
   * Grants waiters from the head of `lock` while they fit beside its holders
   * (one writer; a run of readers; up to the limit of a semaphore), or
   * forgets an idle lock. A head whose session's lease has run out (its
   * expiry not yet ticked) is dropped first: a dead session is never granted.
   * The head that does not fit stops the queue: nobody passes it.
   */
  private grantNext(now: number, lock: LockState): void {
    if (lock.heapIndex !== -1) return;
    for (;;) {
      // Dropped, not ended here: ending may free other locks and recurse once per
      // session in a chain. The tick that is already due ends these sessions.
      while (lock.head && lock.head.session.expiresAt <= now) {
        this.state.dropWaiter(lock.head, 'expired');
      }
      const w = lock.head;
      if (!w) return this.state.dropIfIdle(lock);
      // A session holds a path once: its second acquire waits for its own release.
      if (!lock.admits(w.mode) || w.session.held.has(lock.path)) return;
      if (
        this.state.tokenNext >= this.state.tokenLimit ||
        (w.strict && now < this.strictGraceUntil)
      ) {
        this.state.starved.add(lock);
        return;
      }
      lock.unlink(w);
      this.state.timeoutHeap.remove(w);
      this.grant(now, lock, w.session, w.requestId, w.strict, w.mode, w.value, w.enqueuedAt);
    }
  }

  /**
   * A waiter leaves its queue ungranted. If it was the head, those behind it
   * may fit where it did not (readers behind a writer, or behind a session
   * waiting for its own release): they are granted now.
   */
  private leave(now: number, w: Waiter, reason: EndReason): void {
    const wasHead = w.lock.head === w;
    this.state.dropWaiter(w, reason);
    if (wasHead && w.lock.head !== null) this.grantNext(now, w.lock);
  }

  private unhold(now: number, hold: Hold, reason: EndReason, lockDelayMs = 0): void {
    const lock = hold.lock;
    this.state.free(hold, reason);
    if (lockDelayMs > 0) {
      // Several holders of a semaphore may lapse together: the latest delay holds.
      const until = Math.max(now + lockDelayMs, lock.heapIndex === -1 ? 0 : lock.deadline);
      this.state.delayHeap.remove(lock);
      lock.deadline = until;
      this.state.delayHeap.push(lock);
    } else {
      this.grantNext(now, lock);
    }
  }

  private end(now: number, s: Session, reason: 'closed' | 'expired' | 'forced'): void {
    const why: EndReason = reason === 'closed' ? 'disconnected' : reason;
    // Waits go first, all of them, so no release or departure grants this same session.
    const behindHeads: LockState[] = [];
    for (const entry of [...s.requests.values()]) {
      if (entry.kind !== 'waiter') continue;
      if (entry.lock.head === entry) behindHeads.push(entry.lock);
      this.state.dropWaiter(entry, why);
    }
    const lost: Record<typeof reason, LockLostReason> = {
      closed: 'closed',
      expired: 'session-expired',
      forced: 'revoked',
    };
    for (const hold of [...s.held.values()]) {
      if (reason !== 'closed') {
        const { path } = hold.lock;
        this.out.push({
          type: 'lost',
          sessionId: s.id,
          path,
          token: hold.token,
          reason: lost[reason],
        });
      }
      // Lock-delay: a vanished holder may still be writing; a forced end was meant.
      this.unhold(now, hold, why, reason === 'expired' ? this.options.lockDelayMs : 0);
    }
    // Those behind a head it had may fit now (readers behind its write).
    for (const lock of behindHeads) this.grantNext(now, lock);
    this.state.removeSession(s);
    this.out.push({ type: 'ended', sessionId: s.id, reason });
  }

  /** Answers every single-flight waiter of `lock` with `outcome`; they leave the queue holding nothing. */
  private answerFlights(lock: LockState, outcome: FlightOutcome): void {
    for (const w of [...(lock.flights ?? [])]) {
      this.state.dropWaiter(w, 'answered');
      this.out.push({ type: 'answered', sessionId: w.session.id, requestId: w.requestId, outcome });
    }
  }

  /** `w`'s place as a `queued` effect answering `requestId`. O(log n) once the queue has its index. */
  private placeOf(w: Waiter, requestId: number): QueuedEffect {
    const position = w.lock.positionOf(w);
    const etaMs = w.lock.etaMs(position);
    const place: QueuedEffect = { type: 'queued', sessionId: w.session.id, requestId, position };
    if (etaMs !== undefined) place.etaMs = etaMs;
    return place;
  }

  private flush(): Effect[] {
    // Places that moved by their step since: a report for each such waiter, not for every waiter.
    if (this.state.moved.size > 0) {
      for (const lock of this.state.moved) {
        for (const w of lock.dueReports()) this.out.push(this.placeOf(w, w.requestId));
      }
      this.state.moved.clear();
    }
    const out = this.out;
    this.out = [];
    return out;
  }
}

/**
 * Why an acquire of `path` with `limit` and `mode` does not fit the path as
 * others use it, or null. A semaphore has no readers; all acquirers of a busy
 * path agree on its limit. An idle path takes whatever its next acquire says.
 */
function kindMismatch(
  lock: LockState | undefined,
  path: string,
  limit: number,
  mode: LockMode,
): string | null {
  if (limit > 1 && mode === 'read') {
    return `a semaphore (limit ${limit}) has no read mode: ${path} asked for both`;
  }
  if (!lock || lock.idle || lock.limit === limit) return null;
  return `${path} is in use with limit ${lock.limit}; this acquire asked for limit ${limit}`;
}

/** Shared empty answer of `takeJournal`; never written to. */
const NO_ENTRIES: JournalEntry[] = [];
