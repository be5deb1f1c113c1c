import type { EndReason } from '../core/journal.js';
import type { HistoryEvent } from './history.js';

export const REASONS: readonly EndReason[] = [
  'released',
  'timeout',
  'cancelled',
  'expired',
  'disconnected',
  'forced',
  'failover',
  'answered',
];

const KINDS: readonly HistoryEvent['kind'][] = ['grant', 'release', 'leave', 'grant'];
/**
 * An event's kind as an {@link EventRing} keeps it: its index in KINDS.
 * HELD is a grant whose hold has not ended yet (`History` marks them).
 */
export const [GRANT, RELEASE, LEAVE, HELD] = [0, 1, 2, 3];
/** A reason as an {@link EventRing} keeps it: 1 + its index in REASONS; 0 is none. */
export const REASON_CODES = Object.fromEntries(REASONS.map((r, i) => [r, i + 1])) as Record<
  EndReason,
  number
>;

/**
 * The newest `capacity` events over all locks, a column per field. Each can
 * be linked to the one before it of the same lock (`link`), so one lock's
 * events are read by following the links. One ring, written in order, rather
 * than a ring per lock: on a broker whose paths churn, a ring per lock meant
 * a cold one for nearly every grant. No object per event either: on a busy
 * broker events live a few tenths of a second, long enough to be promoted to
 * the old generation, and as objects they were a large part of what the
 * broker promoted (scenario A). Events become objects when read.
 *
 * Events are named by their number in the order pushed (the first is 0); the
 * ring keeps numbers `pushed - capacity` onwards.
 */
export class EventRing {
  // Plain arrays of numbers keep them unboxed, and grow only as far as the events go.
  private readonly kinds: number[] = [];
  private readonly ats: number[] = [];
  /** NaN: none. */
  private readonly tokens: number[] = [];
  /** NaN: none. */
  private readonly durations: number[] = [];
  /** See REASON_CODES. */
  private readonly reasons: number[] = [];
  private readonly sessions: string[] = [];
  private readonly paths: string[] = [];
  /** The number of the same lock's event before each, once linked; -1 when none. */
  private readonly previous: number[] = [];
  private pushed = 0;

  constructor(private readonly capacity: number) {}

  /** Adds an event; returns its number. */
  push(
    kind: number,
    at: number,
    path: string,
    sessionId: string,
    token: number,
    reason: number,
    ms: number,
  ): number {
    const n = this.pushed++;
    // Until the ring is full the slot is the arrays' length: writing there appends.
    const i = n % this.capacity;
    this.kinds[i] = kind;
    this.ats[i] = at;
    this.tokens[i] = token;
    this.durations[i] = ms;
    this.reasons[i] = reason;
    this.sessions[i] = sessionId;
    this.paths[i] = path;
    this.previous[i] = -1;
    return n;
  }

  /** Records that `before` is the event of `n`'s lock before `n` (-1: none). */
  link(n: number, before: number): void {
    this.previous[n % this.capacity] = before;
  }

  /** Whether event `n` is still kept. */
  has(n: number): boolean {
    return n >= 0 && n >= this.first && n < this.pushed;
  }

  /** The oldest event's number (when any is kept). */
  get first(): number {
    return Math.max(0, this.pushed - this.capacity);
  }

  /** The number the next event will get; the one it pushes out, less `capacity`. */
  get next(): number {
    return this.pushed;
  }

  // A kept event's fields, by its number.
  kindOf(n: number): number {
    return this.kinds[n % this.capacity] as number;
  }
  pathOf(n: number): string {
    return this.paths[n % this.capacity] as string;
  }
  sessionOf(n: number): string {
    return this.sessions[n % this.capacity] as string;
  }
  atOf(n: number): number {
    return this.ats[n % this.capacity] as number;
  }
  tokenOf(n: number): number {
    return this.tokens[n % this.capacity] as number;
  }

  /** Changes a kept event's kind (a grant to HELD and back). */
  mark(n: number, kind: number): void {
    this.kinds[n % this.capacity] = kind;
  }

  clear(): void {
    this.pushed = 0;
  }

  /** The newest `limit` events, oldest first. */
  list(limit: number): HistoryEvent[] {
    const events: HistoryEvent[] = [];
    const from = Math.max(this.first, this.pushed - limit);
    for (let n = from; n < this.pushed; n++) events.push(this.event(n));
    return events;
  }

  /** Event `newest` and up to `limit - 1` of its lock's kept before it, oldest first. */
  chain(newest: number, limit: number): HistoryEvent[] {
    const events: HistoryEvent[] = [];
    for (let n = newest; events.length < limit && this.has(n);) {
      events.push(this.event(n));
      n = this.previous[n % this.capacity] as number;
    }
    return events.reverse();
  }

  /** Event `n`, which the caller knows is kept. */
  event(n: number): HistoryEvent {
    const i = n % this.capacity;
    const event: HistoryEvent = {
      at: this.ats[i] as number,
      kind: KINDS[this.kinds[i] as number] as HistoryEvent['kind'],
      path: this.paths[i] as string,
      sessionId: this.sessions[i] as string,
    };
    const token = this.tokens[i] as number;
    const reason = this.reasons[i] as number;
    const ms = this.durations[i] as number;
    if (!Number.isNaN(token)) event.token = token;
    if (reason > 0) event.reason = REASONS[reason - 1] as EndReason;
    if (!Number.isNaN(ms)) event.ms = ms;
    return event;
  }
}
