import type { EndReason } from '../core/journal.js';
import type { Hold, HistoryEvent } from './history.js';

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
 * Keeps the newest `capacity` events, a column per field. No object per
 * event: on a busy broker events live a few tenths of a second, long enough
 * to survive a young collection and be copied into the old generation, and
 * as objects they were a large part of what the broker promoted (scenario A).
 * Events become objects when read.
 */
export class EventRing {
  // Plain arrays of numbers keep them unboxed, and grow only as far as a lock's events go.
  private readonly kinds: number[] = [];
  private readonly ats: number[] = [];
  /** NaN: none. */
  private readonly tokens: number[] = [];
  /** NaN: none. */
  private readonly durations: number[] = [];
  /** See REASON_CODES. */
  private readonly reasons: number[] = [];
  private readonly sessions: string[] = [];
  /** Each event's path; null in a lock's own ring, whose events are all `path`'s. */
  private readonly paths: string[] | null;
  private size = 0;
  private next = 0;
  /** A lock's ring: the path's current sole hold, kept here by `History`; null when none. */
  hold: Hold | null = null;

  /** `path`: the lock whose events these are; null for a ring over all locks. */
  constructor(
    private readonly capacity: number,
    public path: string | null,
  ) {
    this.paths = path === null ? [] : null;
  }

  push(
    kind: number,
    at: number,
    path: string,
    sessionId: string,
    token: number,
    reason: number,
    ms: number,
  ): void {
    // `next` is at most the arrays' length: writing there appends.
    const i = this.next;
    this.kinds[i] = kind;
    this.ats[i] = at;
    this.tokens[i] = token;
    this.durations[i] = ms;
    this.reasons[i] = reason;
    this.sessions[i] = sessionId;
    if (this.paths) this.paths[i] = path;
    this.next = (i + 1) % this.capacity;
    if (this.size < this.capacity) this.size++;
  }

  /** `from`'s newest event, pushed here too: the overall ring's last event into its lock's ring. */
  pushNewestOf(from: EventRing): void {
    const i = (from.next - 1 + from.capacity) % from.capacity;
    this.push(
      from.kinds[i] as number,
      from.ats[i] as number,
      from.paths?.[i] ?? (from.path as string),
      from.sessions[i] as string,
      from.tokens[i] as number,
      from.reasons[i] as number,
      from.durations[i] as number,
    );
  }

  /** Empties the ring for another lock's events. */
  reuse(path: string): void {
    this.path = path;
    this.hold = null;
    this.clear();
  }

  clear(): void {
    this.size = 0;
    this.next = 0;
  }

  /** The newest `limit` events, oldest first. */
  list(limit: number): HistoryEvent[] {
    const events: HistoryEvent[] = [];
    for (let k = Math.min(limit, this.size); k > 0; k--) events.push(this.event(k));
    return events;
  }

  /** The `k`-th newest event (1: the last pushed). */
  event(k: number): HistoryEvent {
    const i = (this.next - k + this.capacity) % this.capacity;
    const event: HistoryEvent = {
      at: this.ats[i] as number,
      kind: KINDS[this.kinds[i] as number] as HistoryEvent['kind'],
      path: this.path ?? (this.paths?.[i] as string),
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
