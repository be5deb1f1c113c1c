import type { LockMode } from '../../shared/protocol.js';
import type { Timed } from './deadline-heap.js';
import { QueueIndex } from './queue-index.js';
import { SmallMap } from '../../shared/small-map.js';

export type { LockMode };

/** A granted lock: up to the path's limit at once, several readers, or one writer. */
export interface Hold {
  readonly kind: 'hold';
  readonly session: Session;
  readonly requestId: number;
  readonly lock: LockState;
  readonly token: number;
  readonly grantedAt: number;
  /** Granted under the strict level: the shell pushes it once it is durable. */
  readonly strict: boolean;
  readonly mode: LockMode;
  /** What the holder told others of itself (a leader's value), if anything. */
  readonly value: string | undefined;
}

/** One acquire waiting in the queue of a path; its own heap entry when it has a timeout. */
export class Waiter implements Timed {
  readonly kind = 'waiter';
  prev: Waiter | null = null;
  next: Waiter | null = null;
  /** Meaningful only while in the timeout heap. */
  deadline = 0;
  heapIndex = -1;
  queued = false;
  /** Its join number in the queue's {@link QueueIndex}; 0 without one. */
  seq = 0;
  /** Its place is told again each time this many ahead of it have left from the head; 0: never. */
  step = 0;
  /** The queue's departure count at which its place is told next. */
  dueAt = 0;

  constructor(
    readonly session: Session,
    readonly requestId: number,
    readonly lock: LockState,
    readonly enqueuedAt: number,
    readonly strict: boolean,
    /** As asked; a promoted standby arms it afresh. */
    readonly timeoutMs: number | undefined,
    readonly mode: LockMode = 'write',
    readonly value?: string,
    /** Single-flight: answered by a run's outcome rather than granted, when one comes. */
    readonly flight = false,
  ) {}
}

/** What one owner has in the table, for its quotas; kept by {@link TableState}. */
export interface OwnerUsage {
  sessions: number;
  /** Holds and waiters of all its sessions. */
  requests: number;
}

/** A session: its lease and every request it has in the table. */
export class Session implements Timed {
  lastSeenAt: number;
  /**
   * While it has no connection: when it ends at the latest (see
   * `maxDetachedMs`); null while it has one. Null rather than Infinity: a
   * field only ever holding numbers keeps a boxed number in each of 10,000
   * idle sessions, where null costs nothing.
   */
  detachedUntil: number | null = null;
  /** Its owner's counters; set by {@link TableState.addSession}. */
  usage!: OwnerUsage;
  /** Heap key; may lag behind `lastSeenAt + ttlMs`, and the tick moves it on lazily. */
  deadline: number;
  heapIndex = -1;
  private heldMap: SmallMap<string, Hold> | null = null;
  private requestMap: SmallMap<number, Hold | Waiter> | null = null;

  constructor(
    readonly id: string,
    readonly secretHash: string,
    readonly ttlMs: number,
    readonly name: string,
    readonly owner: string,
    now: number,
  ) {
    this.lastSeenAt = now;
    this.deadline = now + ttlMs;
  }

  /** path → hold; one session holds a path at most once (a second acquire waits for it). */
  get held(): SmallMap<string, Hold> {
    // Made on first use: an idle session (most of 10,000) never needs them.
    return (this.heldMap ??= new SmallMap());
  }

  /** Acquire request id → what it became; makes retried acquires idempotent. */
  get requests(): SmallMap<number, Hold | Waiter> {
    return (this.requestMap ??= new SmallMap());
  }

  get expiresAt(): number {
    const leaseEnds = this.lastSeenAt + this.ttlMs;
    return this.detachedUntil === null ? leaseEnds : Math.min(leaseEnds, this.detachedUntil);
  }
}

/**
 * A path with holders, waiters or a lock-delay. The waiters form an
 * intrusive doubly linked list, so enqueue, dequeue and cancel are O(1).
 */
export class LockState implements Timed {
  /** In grant order; a mutex has one at most. */
  readonly holders = new Set<Hold>();
  /** How many of `holders` read. */
  readers = 0;
  /**
   * Holders at once: 1 for a mutex or a read/write lock, N for a semaphore.
   * Set by the acquire that makes the path busy; every later one must agree.
   */
  limit = 1;
  head: Waiter | null = null;
  tail: Waiter | null = null;
  waiting = 0;
  /** How many of the waiters would read. */
  readWaiting = 0;
  /** The single-flight waiters, in queue order; made by the first. */
  flights: Set<Waiter> | null = null;
  /** While `deadline > now` the lock stays ungranted (lock-delay); heap key of the delay heap. */
  deadline = 0;
  heapIndex = -1;
  /** Places in the queue, once someone asked for them. */
  private index: QueueIndex | null = null;
  /** Waiters that left from the head, ever: what moves everyone's place up. */
  private departures = 0;
  /** Departures whose place reports were handed out by {@link dueReports}. */
  private reported = 0;
  /** Departure count → waiters whose place is told then. */
  private reports: Map<number, Set<Waiter>> | null = null;
  /** Smoothed time between grants from the queue, ms; 0 before two of them. */
  private gapMs = 0;
  private lastHandoffAt = -1;

  /** `moved` collects locks with place reports due, for the table to hand them out. */
  constructor(
    readonly path: string,
    private readonly moved?: Set<LockState>,
  ) {}

  get idle(): boolean {
    return this.holders.size === 0 && this.head === null && this.heapIndex === -1;
  }

  /** The first holder still holding, or null. */
  get holder(): Hold | null {
    for (const h of this.holders) return h;
    return null;
  }

  /** Whether a request in `mode` may hold the lock beside the present holders. */
  admits(mode: LockMode): boolean {
    const n = this.holders.size;
    if (this.limit > 1) return n < this.limit;
    return n === 0 || (mode === 'read' && this.readers === n);
  }

  enqueue(w: Waiter): void {
    w.prev = this.tail;
    w.next = null;
    if (this.tail) this.tail.next = w;
    else this.head = w;
    this.tail = w;
    w.queued = true;
    this.waiting++;
    if (w.mode === 'read') this.readWaiting++;
    if (w.flight) (this.flights ??= new Set()).add(w);
    this.index?.joined(w);
  }

  unlink(w: Waiter): void {
    if (!w.queued) return;
    if (w === this.head) {
      this.departures++;
      if (this.reports) this.moved?.add(this);
    }
    this.index?.left(w);
    if (w.step > 0) this.reports?.get(w.dueAt)?.delete(w);
    if (w.prev) w.prev.next = w.next;
    else this.head = w.next;
    if (w.next) w.next.prev = w.prev;
    else this.tail = w.prev;
    w.prev = w.next = null;
    w.queued = false;
    this.waiting--;
    if (w.mode === 'read') this.readWaiting--;
    if (w.flight) this.flights?.delete(w);
  }

  /** 1 = next in line. O(log n) once the queue has an index (built here, O(n), on first use). */
  positionOf(w: Waiter): number {
    this.index ??= new QueueIndex(this);
    return this.index.position(w);
  }

  /** How long `position` may wait at the recent pace of grants from the queue, or undefined. */
  etaMs(position: number): number | undefined {
    return this.gapMs > 0 ? Math.round(position * this.gapMs) : undefined;
  }

  /** A waiter was granted from the queue at `now`: the pace the ETAs use. */
  handedOff(now: number): void {
    if (this.lastHandoffAt >= 0) {
      const gap = now - this.lastHandoffAt;
      this.gapMs = this.gapMs === 0 ? gap : 0.8 * this.gapMs + 0.2 * gap;
    }
    this.lastHandoffAt = now;
  }

  /**
   * Tells `w`'s place again each time it reaches a multiple of `step` by
   * departures from the head: waiters a step apart are due at different
   * handoffs, so a long queue spreads its reports (about n / step per handoff).
   */
  follow(w: Waiter, step: number): void {
    this.index ??= new QueueIndex(this);
    if (w.step > 0) this.reports?.get(w.dueAt)?.delete(w);
    w.step = step;
    this.schedule(w, ((this.index.position(w) - 1) % step) + 1);
  }

  /** The waiters whose place is due to be told, each scheduled for its next report. */
  dueReports(): Waiter[] {
    const due: Waiter[] = [];
    for (; this.reported < this.departures; this.reported++) {
      const bucket = this.reports?.get(this.reported + 1);
      if (!bucket) continue;
      this.reports!.delete(this.reported + 1);
      for (const w of bucket) due.push(w);
    }
    for (const w of due) this.schedule(w, w.step);
    return due;
  }

  private schedule(w: Waiter, after: number): void {
    w.dueAt = this.departures + after;
    this.reports ??= new Map();
    let bucket = this.reports.get(w.dueAt);
    if (!bucket) this.reports.set(w.dueAt, (bucket = new Set()));
    bucket.add(w);
  }

  /** The waiters in queue order: O(n), for views and tests only. */
  *waiters(): IterableIterator<Waiter> {
    for (let w = this.head; w; w = w.next) yield w;
  }
}
