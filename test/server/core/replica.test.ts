import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LockTable } from '../../../server/core/lock-table.js';

const SESSIONS = ['s0', 's1', 's2', 's3'];
const PATHS = ['a', 'b', 'c'];

type Step =
  | { op: 'acquire'; s: number; path: number; wait: boolean; timeoutMs?: number; strict: boolean }
  | { op: 'release'; s: number; path: number }
  | { op: 'cancel'; s: number; back: number }
  | { op: 'close'; s: number }
  | { op: 'advance'; ms: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    op: fc.constant('acquire' as const),
    s: fc.nat(3),
    path: fc.nat(2),
    wait: fc.boolean(),
    timeoutMs: fc.option(fc.integer({ min: 1, max: 500 }), { nil: undefined }),
    strict: fc.boolean(),
  }),
  fc.record({ op: fc.constant('release' as const), s: fc.nat(3), path: fc.nat(2) }),
  fc.record({ op: fc.constant('cancel' as const), s: fc.nat(3), back: fc.nat(5) }),
  fc.record({ op: fc.constant('close' as const), s: fc.nat(3) }),
  fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 400 }) }),
);

/** Runs `steps` on a journaling table; sessions reopen under new ids when gone. */
function drive(steps: Step[]): { leader: LockTable; standby: LockTable } {
  const leader = new LockTable({ journal: true, minSessionTtlMs: 100 });
  const standby = new LockTable();
  let now = 0;
  let requestId = 1;
  let generation = 0;
  const ids = SESSIONS.map((s) => `${s}-0`);
  const ensure = (i: number): string => {
    const id = ids[i] as string;
    if (leader.views.hasSession(id)) return id;
    const fresh = `${SESSIONS[i]}-${++generation}`;
    ids[i] = fresh;
    leader.open(now, { sessionId: fresh, secret: 'x', ttlMs: 300, owner: `o${i % 2}` });
    return fresh;
  };
  leader.addTokens(now, 1, 1_000_000);
  for (const st of steps) {
    if (st.op === 'advance') {
      now += st.ms;
      leader.tick(now);
    } else if (st.op === 'acquire') {
      const { wait, timeoutMs, strict } = st;
      leader.acquire(now, ensure(st.s), {
        requestId: requestId++,
        path: PATHS[st.path]!,
        wait,
        timeoutMs,
        strict,
      });
    } else if (st.op === 'release') {
      const path = PATHS[st.path]!;
      const holder = leader.views.queue(path).holder;
      const sid = ensure(st.s);
      leader.release(now, sid, { requestId: requestId++, path, token: holder?.token ?? 0 });
    } else if (st.op === 'cancel') {
      leader.cancel(now, ensure(st.s), requestId++, Math.max(1, requestId - 1 - st.back));
    } else {
      leader.close(now, ensure(st.s), requestId++);
    }
    standby.replay(now, leader.takeJournal());
  }
  return { leader, standby };
}

/** What the quotas and the memory budget count: a promoted standby must count the same. */
function usage(table: LockTable) {
  const v = table.views;
  return { o0: v.usageOf('o0'), o1: v.usageOf('o1'), bytes: v.tableBytes };
}

/** The snapshot in a canonical order, without the token counter (blocks are not journaled). */
function normal(table: LockTable) {
  const { tokenNext: _, ...snap } = table.snapshot();
  snap.sessions.sort((x, y) => x[0].localeCompare(y[0]));
  snap.locks.sort((x, y) => x[0].localeCompare(y[0]));
  return snap;
}

describe('replica', () => {
  it('a standby replaying the journal holds the same sessions, holders and queues', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 120 }), (steps) => {
        const { leader, standby } = drive(steps);
        expect(normal(standby)).toEqual(normal(leader));
        expect(usage(standby)).toEqual(usage(leader));
      }),
      { seed: 20261126, numRuns: 300 },
    );
  });

  it('restores a snapshot into an equal table', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 80 }), (steps) => {
        const { leader } = drive(steps);
        const copy = new LockTable();
        copy.restore(0, leader.snapshot());
        expect(normal(copy)).toEqual(normal(leader));
        expect(usage(copy)).toEqual(usage(leader));
      }),
      { seed: 7, numRuns: 200 },
    );
  });

  it('a promoted standby grants the head waiters and keeps tokens above the old ones', () => {
    const leader = new LockTable({ journal: true });
    const standby = new LockTable({ journal: true });
    leader.addTokens(0, 100, 1_000);
    leader.open(0, { sessionId: 'a', secret: 'x' });
    leader.open(0, { sessionId: 'b', secret: 'x' });
    leader.acquire(0, 'a', { requestId: 1, path: 'p', wait: true });
    leader.acquire(0, 'b', { requestId: 1, path: 'p', wait: true, timeoutMs: 1_000 });
    standby.replay(0, leader.takeJournal());
    // The active broker dies holding 'a' as holder; 'b' waits.
    standby.addTokens(50_000, 5_000, 6_000);
    const effects = standby.promote(50_000);
    expect(effects).toEqual([]);
    const holder = { sessionId: 'a', requestId: 1, token: 100 };
    expect(standby.views.queue('p')).toEqual({
      holder,
      holders: [holder],
      queue: [{ sessionId: 'b', requestId: 1 }],
    });
    // Sessions got a fresh TTL from the promotion; the waiter's timeout restarted too.
    expect(standby.tick(50_999)).toEqual([]);
    const released = standby.release(51_000, 'a', { requestId: 2, path: 'p', token: 100 });
    expect(released).toContainEqual({
      type: 'grant',
      sessionId: 'b',
      requestId: 1,
      path: 'p',
      token: 5_000,
      // Its wait counts from the enqueue the standby replayed (at its time 0).
      waitedMs: 51_000,
      madeAt: 51_000,
    });
  });

  it('revokeStrict takes back strict holds, tells their holders, grants the next waiter', () => {
    const t = new LockTable();
    t.addTokens(0, 1, 1_000_000);
    for (const id of ['a', 'b']) t.open(0, { sessionId: id, secret: 'x' });
    t.acquire(0, 'a', { requestId: 1, path: 's', wait: true, strict: true });
    t.acquire(0, 'a', { requestId: 2, path: 'e', wait: true });
    t.acquire(0, 'b', { requestId: 1, path: 's', wait: true, strict: true });
    const effects = t.revokeStrict(10);
    expect(effects).toEqual([
      { type: 'lost', sessionId: 'a', path: 's', token: 1, reason: 'revoked' },
      {
        type: 'grant',
        sessionId: 'b',
        requestId: 1,
        path: 's',
        token: 3,
        strict: true,
        waitedMs: 10,
        madeAt: 10,
      },
    ]);
    expect(t.views.queue('e').holder).toMatchObject({ sessionId: 'a', token: 2 });
  });
});
