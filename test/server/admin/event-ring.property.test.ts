import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventRing, REASON_CODES, REASONS } from '../../../server/admin/event-ring.js';
import type { HistoryEvent } from '../../../server/admin/history.js';

const PATHS = ['a', 'b/c', 'd'];
const KIND_CODES = { grant: 0, release: 1, leave: 2 } as const;

const event: fc.Arbitrary<HistoryEvent> = fc
  .record({
    at: fc.integer({ min: 0, max: 2 ** 40 }),
    kind: fc.constantFrom('grant' as const, 'release' as const, 'leave' as const),
    path: fc.constantFrom(...PATHS),
    sessionId: fc.constantFrom('', 's1', 's2'),
    token: fc.option(fc.integer({ min: 1, max: 2 ** 40 }), { nil: undefined }),
    reason: fc.option(fc.constantFrom(...REASONS), { nil: undefined }),
    ms: fc.option(fc.double({ min: 0, max: 1e6, noNaN: true }), { nil: undefined }),
  })
  .map((e) => {
    // The shape History records: absent fields are left out, not undefined.
    const out: HistoryEvent = { at: e.at, kind: e.kind, path: e.path, sessionId: e.sessionId };
    if (e.token !== undefined) out.token = e.token;
    if (e.reason !== undefined) out.reason = e.reason;
    if (e.ms !== undefined) out.ms = e.ms;
    return out;
  });

const events = fc.array(event, { maxLength: 60 });

/** Pushes `e`, linked to its lock's event before it; returns its number. */
function push(ring: EventRing, e: HistoryEvent, before: number): number {
  const reason = e.reason === undefined ? 0 : REASON_CODES[e.reason];
  const kind = KIND_CODES[e.kind];
  const n = ring.push(kind, e.at, e.path, e.sessionId, e.token ?? NaN, reason, e.ms ?? NaN);
  ring.link(n, before);
  return n;
}

/**
 * Pushes events of a few locks, and after each compares the ring with a
 * plain list: the newest over all locks, and each lock's among them.
 */
function checkAgainstList(make: (capacity: number) => EventRing): void {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 7 }), events, (capacity, run) => {
      const ring = make(capacity);
      const newestOf = new Map<string, number>();
      const pushed: HistoryEvent[] = [];
      for (const e of run) {
        newestOf.set(e.path, push(ring, e, newestOf.get(e.path) ?? -1));
        pushed.push(e);
        const kept = pushed.slice(-capacity);
        expect(ring.list(capacity + 1)).toEqual(kept);
        expect(ring.list(2)).toEqual(kept.slice(-2));
        for (const path of PATHS) {
          const own = kept.filter((k) => k.path === path);
          const newest = newestOf.get(path) ?? -1;
          expect(ring.chain(newest, 3)).toEqual(own.slice(-3));
          expect(ring.chain(newest, capacity)).toEqual(own);
        }
      }
    }),
    { numRuns: 300 },
  );
}

/** A ring that follows a lock's links into events it no longer keeps. */
class FollowsLostEvents extends EventRing {
  override has(n: number): boolean {
    return n >= 0;
  }
}

/** A ring that lists newest first. */
class Reversed extends EventRing {
  override list(limit: number): HistoryEvent[] {
    return super.list(limit).reverse();
  }
}

describe('EventRing', () => {
  it('lists the newest events as pushed, over all locks and for one lock', () => {
    checkAgainstList((capacity) => new EventRing(capacity));
  });

  it('is checked by a test that catches links followed too far, or a list backwards', () => {
    expect(() => checkAgainstList((c) => new FollowsLostEvents(c))).toThrow();
    expect(() => checkAgainstList((c) => new Reversed(c))).toThrow();
  });
});
