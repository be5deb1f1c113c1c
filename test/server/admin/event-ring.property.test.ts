import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventRing, REASON_CODES, REASONS } from '../../../server/admin/event-ring.js';
import type { HistoryEvent } from '../../../server/admin/history.js';

type Op = { op: 'push'; event: HistoryEvent } | { op: 'reuse'; path: string };

const KIND_CODES = { grant: 0, release: 1, leave: 2 } as const;

const event: fc.Arbitrary<HistoryEvent> = fc
  .record({
    at: fc.integer({ min: 0, max: 2 ** 40 }),
    kind: fc.constantFrom('grant' as const, 'release' as const, 'leave' as const),
    path: fc.constantFrom('a', 'b/c'),
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

const ops = fc.array(
  fc.oneof(
    { weight: 8, arbitrary: event.map((e): Op => ({ op: 'push', event: e })) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('a', 'b/c').map((p): Op => ({ op: 'reuse', path: p })),
    },
  ),
  { maxLength: 60 },
);

function push(ring: EventRing, e: HistoryEvent): void {
  const reason = e.reason === undefined ? 0 : REASON_CODES[e.reason];
  ring.push(KIND_CODES[e.kind], e.at, e.path, e.sessionId, e.token ?? NaN, reason, e.ms ?? NaN);
}

type MakeRing = (capacity: number, path: string | null) => EventRing;

/** Pushes and reuses at random, and after each step compares the ring with a plain list. */
function checkAgainstList(make: MakeRing): void {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 7 }), fc.boolean(), ops, (capacity, perLock, run) => {
      // A lock's ring has one path: every event it is given is that lock's.
      const ring = make(capacity, perLock ? 'a' : null);
      let path = 'a';
      let kept: HistoryEvent[] = [];
      for (const o of run) {
        if (o.op === 'reuse') {
          if (!perLock) continue;
          ring.reuse(o.path);
          path = o.path;
          kept = [];
        } else {
          const e = perLock ? { ...o.event, path } : o.event;
          push(ring, e);
          kept.push(e);
        }
        const newest = kept.slice(-capacity);
        expect(ring.list(capacity)).toEqual(newest);
        expect(ring.list(2)).toEqual(newest.slice(-2));
        if (newest.length > 0) expect(ring.event(1)).toEqual(newest.at(-1));
      }
    }),
    { numRuns: 300 },
  );
}

/** A ring that keeps the last lock's events when it is handed to another. */
class KeepsOldEvents extends EventRing {
  override reuse(path: string): void {
    this.path = path;
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
    checkAgainstList((capacity, path) => new EventRing(capacity, path));
  });

  it('is checked by a test that catches a ring reused without emptying, or listed backwards', () => {
    expect(() => checkAgainstList((c, p) => new KeepsOldEvents(c, p))).toThrow();
    expect(() => checkAgainstList((c, p) => new Reversed(c, p))).toThrow();
  });
});
