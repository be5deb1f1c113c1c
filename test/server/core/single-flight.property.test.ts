import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Effect } from '../../../server/core/effects.js';
import { LockTable } from '../../../server/core/lock-table.js';

// Single-flight on one path under random commands: one runner at a time; a
// release with an outcome answers every single-flight waiter then queued and
// nobody else; an answered waiter is never granted afterwards; plain waiters
// keep their FIFO turn. Checked against a small model of the queue.

const cmdArb = fc.oneof(
  fc.record({ k: fc.constant('acquire' as const), s: fc.nat(5), flight: fc.boolean() }),
  fc.record({ k: fc.constant('release' as const), outcome: fc.boolean() }),
  fc.record({ k: fc.constant('cancel' as const), pick: fc.nat(10) }),
);

type Req = { s: string; id: number; flight: boolean };

function run(cmds: (typeof cmdArb extends fc.Arbitrary<infer C> ? C : never)[]): void {
  const t = new LockTable({ tokenLowWater: 1 });
  t.addTokens(0, 1, 1_000_000);
  for (let i = 0; i < 6; i++) t.open(0, { sessionId: `s${i}`, secret: 'x', ttlMs: 60_000 });
  let holder: (Req & { token: number }) | null = null;
  let queue: Req[] = [];
  const answered = new Set<string>();
  let next = 1;
  const key = (r: { s: string; id: number } | { sessionId: string; requestId: number }) =>
    'sessionId' in r ? `${r.sessionId}/${r.requestId}` : `${r.s}/${r.id}`;
  const grantsOf = (effects: Effect[]) => effects.filter((e) => e.type === 'grant');
  /** The model's next holder after the lock freed; checks the table granted the same. */
  const handOn = (effects: Effect[]) => {
    const grants = grantsOf(effects);
    const head = queue.shift();
    expect(grants.map(key)).toEqual(head ? [key(head)] : []);
    for (const g of grants) expect(answered.has(key(g))).toBe(false);
    holder = head && grants[0]?.type === 'grant' ? { ...head, token: grants[0].token } : null;
  };
  for (const c of cmds) {
    if (c.k === 'acquire') {
      const s = `s${c.s}`;
      const req = { s, id: next++, flight: c.flight };
      const effects = t.acquire(0, s, {
        requestId: req.id,
        path: 'p',
        wait: true,
        quiet: true,
        flight: c.flight,
      });
      const mine = holder?.s === s;
      if (!holder && queue.length === 0 && !mine) {
        const g = grantsOf(effects)[0];
        expect(g).toBeDefined();
        holder = { ...req, token: g?.type === 'grant' ? g.token : 0 };
      } else {
        expect(effects).toEqual([]);
        queue.push(req);
      }
    } else if (c.k === 'release' && holder) {
      const h: Req & { token: number } = holder;
      const outcome = c.outcome ? { data: new Uint8Array([1]) } : undefined;
      const effects = t.release(0, h.s, {
        requestId: next++,
        path: 'p',
        token: h.token,
        quiet: true,
        outcome,
      });
      const told = effects.filter((e) => e.type === 'answered').map(key);
      const flights = outcome ? queue.filter((r) => r.flight) : [];
      expect(told).toEqual(flights.map(key));
      for (const f of flights) answered.add(key(f));
      queue = queue.filter((r) => !flights.includes(r));
      handOn(effects);
    } else if (c.k === 'cancel' && queue.length > 0) {
      const [r] = queue.splice(c.pick % queue.length, 1);
      const effects = t.cancel(0, r!.s, next++, r!.id);
      // A session's own hold stops the head only for itself: a departure may let the next in.
      if (holder === null) handOn(effects);
      else expect(grantsOf(effects)).toEqual([]);
    }
    const view = t.views.queue('p');
    expect(view.holders.length).toBeLessThanOrEqual(1);
    expect(view.queue.map((w) => `${w.sessionId}/${w.requestId}`)).toEqual(queue.map(key));
  }
}

describe('single-flight in the table under random commands', () => {
  it('has one runner at a time and answers exactly the single-flight waiters queued at an outcome', () => {
    fc.assert(
      fc.property(fc.array(cmdArb, { minLength: 5, maxLength: 80 }), (cmds) => run(cmds)),
      { seed: 61_226, numRuns: 300 },
    );
  });

  it('proof: a table that grants the waiters instead of answering them is caught', () => {
    const proto = LockTable.prototype as unknown as { answerFlights: unknown };
    const real = proto.answerFlights;
    proto.answerFlights = () => {};
    try {
      const details = fc.check(
        fc.property(fc.array(cmdArb, { minLength: 5, maxLength: 80 }), (cmds) => run(cmds)),
        { seed: 61_226, numRuns: 300 },
      );
      expect(details.failed).toBe(true);
    } finally {
      proto.answerFlights = real;
    }
  });
});
