import type { LockMode } from '../../shared/protocol.js';

/**
 * What the clients of a fault test saw, on one clock: `performance.now()` of
 * the test process, where every recorded client runs. The checker
 * (`checker.ts`) judges it; nothing here decides anything.
 */

/** Why a hold ended: the holder called `release()`, or its `lease.signal` aborted. */
export type HoldEnd = 'release' | 'lost';

/**
 * How an acquire asked for its path, as recorded on its request and grant:
 * `limit` for a semaphore, `mode` for a read/write lock; neither for a mutex.
 */
export interface LockKind {
  limit?: number;
  mode?: LockMode;
}

export type HistoryEvent =
  /** An acquire was sent: `request` numbers it within the history. */
  | ({ kind: 'request'; at: number; worker: string; path: string; request: number } & LockKind)
  /**
   * A grant reached the client. `session` is the broker's session id
   * (`client.session`), to match the grant with the broker's log;
   * `requestedAt` is when its acquire was sent.
   */
  | ({
      kind: 'grant';
      at: number;
      worker: string;
      session: string;
      path: string;
      token: number;
      request: number;
      requestedAt: number;
    } & LockKind)
  /**
   * The broker's log showed acquire `request` queued on `path` (a `wait`
   * entry): an acquire of `path` sent after this is behind it in the queue.
   */
  | { kind: 'queued'; at: number; worker: string; path: string; request: number }
  /** An acquire failed (`code`: TIMEOUT, SESSION_EXPIRED, …). */
  | { kind: 'fail'; at: number; worker: string; path: string; request: number; code: string }
  /**
   * The holder stopped believing it holds the lock: `release` is its call of
   * `release()` after its last write, `lost` its `lease.signal` aborting
   * (`reason` from the LockLostError). Only the first end of a hold is kept.
   */
  | {
      kind: 'end';
      at: number;
      worker: string;
      path: string;
      token: number;
      how: HoldEnd;
      reason?: string;
    }
  /** A write to the fenced resource with `token`, and whether the resource took it. */
  | {
      kind: 'write';
      at: number;
      worker: string;
      path: string;
      token: number;
      accepted: boolean;
    };

/**
 * A fault as the scenario made it: `start` before its first act, `end` once
 * it is over (the process is back, the link reconnected), `recovered` when
 * the cluster served again (a takeover; `end` unless the scenario says).
 */
export interface FaultRecord {
  name: string;
  start: number;
  recovered: number;
  end: number;
  /** Efficient overlaps are excused in [start, end + window]; false for the control scenario. */
  excuses: boolean;
  /**
   * What makes the round not vacuous: a hold granted before `start` and
   * still held at `recovered` ('hold'), a waiter queued before `start` and
   * granted after `recovered` ('waiter'), one of them ('either') or both;
   * 'none' for a step that only prepares the next fault (its window still
   * excuses efficient overlaps).
   */
  needs: 'either' | 'hold' | 'waiter' | 'both' | 'none';
  /** Grants the round must have (since the previous fault ended, up to `end`). */
  minGrants: number;
  /**
   * Kinds of hold of which one must span the fault (granted before `start`,
   * still held, not lost, at `recovered`): a semaphore permit, a reader's
   * share, or an exclusive hold (a mutex or a writer).
   */
  spans?: ('semaphore' | 'read' | 'exclusive')[];
  /**
   * When Redis had lost log entries, for a data loss: a grant made durable
   * just before may be gone before the recorder could read it.
   */
  logLostAt?: number;
}

/** A holder process killed with SIGKILL while a waiter was queued on its lock. */
export interface SilentHolderRecord {
  path: string;
  killedAt: number;
  /** When the waiter received the lock; null if it never did. */
  grantedAt: number | null;
  /** TTL + 1 s, or leader lease + TTL + 1 s across a failover. */
  boundMs: number;
}

/** An acquire as {@link History.requested} recorded it. */
export interface SentAcquire {
  request: number;
  at: number;
  path: string;
  lockKind: LockKind;
}

type Unstamped<T> = T extends unknown ? Omit<T, 'at'> : never;

/** The record of one scenario: client events, faults, silent holders. */
export class History {
  readonly events: HistoryEvent[] = [];
  readonly faults: FaultRecord[] = [];
  readonly silent: SilentHolderRecord[] = [];
  private nextRequest = 1;
  private readonly ended = new Set<string>();

  record(event: Unstamped<HistoryEvent>, at = performance.now()): HistoryEvent {
    const stamped = { ...event, at } as HistoryEvent;
    this.events.push(stamped);
    return stamped;
  }

  /** Records an acquire being sent; returns what `granted`/`failed` need. */
  requested(worker: string, path: string, kind: LockKind = {}): SentAcquire {
    const request = this.nextRequest++;
    const { at } = this.record({ kind: 'request', worker, path, request, ...kind });
    return { request, at, path, lockKind: kind };
  }

  granted(worker: string, req: SentAcquire, session: string, token: number): void {
    this.record({
      kind: 'grant',
      worker,
      session,
      path: req.path,
      token,
      request: req.request,
      requestedAt: req.at,
      ...req.lockKind,
    });
  }

  /** The end of the hold of `token`; a second end of the same hold is ignored. */
  endHold(worker: string, path: string, token: number, how: HoldEnd, reason?: string): void {
    const key = `${worker}\u0000${token}`;
    if (this.ended.has(key)) return;
    this.ended.add(key);
    this.record(
      reason === undefined
        ? { kind: 'end', worker, path, token, how }
        : { kind: 'end', worker, path, token, how, reason },
    );
  }

  /** The number of the last acquire `worker` sent (0 before any). */
  lastRequest(worker: string): number {
    for (let i = this.events.length - 1; i >= 0; i--) {
      const e = this.events[i]!;
      if (e.kind === 'request' && e.worker === worker) return e.request;
    }
    return 0;
  }

  count(kind: HistoryEvent['kind']): number {
    return this.events.filter((e) => e.kind === kind).length;
  }

  /** Grants received in [from, to). */
  grantsBetween(from: number, to: number): number {
    return this.events.filter((e) => e.kind === 'grant' && e.at >= from && e.at < to).length;
  }
}

/**
 * A resource that keeps the largest token per key and refuses smaller ones,
 * recording every attempt in `history`.
 */
export class FencedResource {
  private readonly highest = new Map<string, number>();

  constructor(private readonly history?: History) {}

  write(path: string, token: number, worker = '?'): boolean {
    const accepted = token >= (this.highest.get(path) ?? 0);
    if (accepted) this.highest.set(path, token);
    this.history?.record({ kind: 'write', worker, path, token, accepted });
    return accepted;
  }

  /** The largest token written to `path` so far (0 before any). */
  top(path: string): number {
    return this.highest.get(path) ?? 0;
  }
}
