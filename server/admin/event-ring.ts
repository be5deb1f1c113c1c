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

const KINDS: readonly HistoryEvent['kind'][] = ['grant', 'release', 'leave'];
/** An event's kind as an {@link EventRing} keeps it: its index in KINDS. */
export const [GRANT, RELEASE, LEAVE] = [0, 1, 2];
/** A reason as an {@link EventRing} keeps it: 1 + its index in REASONS; 0 is none. */
export const REASON_CODES = Object.fromEntries(REASONS.map((r, i) => [r, i + 1])) as Record<
  EndReason,
  number
>;

/**
 * The newest `capacity` events over all locks, a column per field, each
 * linked to the one before it of the same lock, so one lock's events are read
 * by following the links. One ring, written in order, rather than a ring per
 * lock: on a broker whose paths churn, a ring per lock meant a cold one for
 * nearly every grant. No object per event either: on a busy broker events live
 * a few tenths of a second, long enough to be promoted to the old generation,
 * and as objects they were a large part of what the broker promoted
 * (scenario A). Events become objects when read.
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
  /** The number of the same lock's event before each; -1 when none. */
  private readonly previous: number[] = [];
  private pushed = 0;

  constructor(private readonly capacity: number) {}

  /** Adds an event, `before` its lock's last one (-1: none); returns its number. */
  push(
    kind: number,
    at: number,
    path: string,
    sessionId: string,
    token: number,
    reason: number,
    ms: number,
    before: number,
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
    this.previous[i] = before;
    return n;
  }

  /** Whether event `n` is still kept. */
  has(n: number): boolean {
    return n >= 0 && n >= this.pushed - this.capacity && n < this.pushed;
  }

  clear(): void {
    this.pushed = 0;
  }

  /** The newest `limit` events, oldest first. */
  list(limit: number): HistoryEvent[] {
    const events: HistoryEvent[] = [];
    const from = Math.max(0, this.pushed - this.capacity, this.pushed - limit);
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
