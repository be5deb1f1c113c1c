import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Effect } from '../../../server/core/effects.js';
import { LockState, Session, Waiter } from '../../../server/core/lock-state.js';
import { LockTable } from '../../../server/core/lock-table.js';

/** A table with `n` sessions w0…w(n-1) queued on 'p' behind h, which holds it. */
function queue(n: number, positionsOf: (i: number) => number | undefined = () => undefined) {
  const t = new LockTable({ tokenLowWater: 1, maxSessions: 100_000 });
  t.addTokens(0, 1, 10_000_000);
  let now = 0;
  const open = (id: string) => t.open(now, { sessionId: id, secret: 's', ttlMs: 600_000 });
  open('h');
  const held = t.acquire(now, 'h', { requestId: 1, path: 'p', wait: true })[0];
  const first: Effect[] = [];
  for (let i = 0; i < n; i++) {
    open(`w${i}`);
    const positions = positionsOf(i);
    first.push(
      ...t.acquire(now, `w${i}`, { requestId: 1, path: 'p', wait: true, quiet: true, positions }),
    );
  }
  let token = held?.type === 'grant' ? held.token : 0;
  let holder = 'h';
  /** Releases the lock after `ms`; returns what that told, and who holds now. */
  const handoff = (ms = 10): Effect[] => {
    now += ms;
    const effects = t.release(now, holder, { requestId: 99, path: 'p', token, quiet: true });
    const grant = effects.find((e) => e.type === 'grant');
    if (grant?.type === 'grant') [holder, token] = [grant.sessionId, grant.token];
    return effects;
  };
  return { t, first, handoff, now: () => now };
}

const places = (effects: Effect[]) =>
  effects.flatMap((e) => (e.type === 'queued' ? [[e.sessionId, e.position]] : []));

describe('queue positions', () => {
  it('are told at enqueue, then each time the place moved up by the step, exact after leaves ahead', () => {
    const q = queue(100, (i) => (i === 49 ? 10 : undefined));
    expect(places(q.first)).toEqual([['w49', 50]]);
    for (let i = 0; i < 9; i++) expect(places(q.handoff())).toEqual([]);
    expect(places(q.handoff())).toEqual([['w49', 40]]);
    // Three ahead of it give up: no report for that, but the next one counts them.
    for (const id of ['w20', 'w30', 'w40']) q.t.cancel(q.now(), id, 7, 1);
    for (let i = 0; i < 9; i++) expect(places(q.handoff())).toEqual([]);
    expect(places(q.handoff())).toEqual([['w49', 27]]);
    expect(q.t.position(q.now(), 'w49', 8, 1)).toMatchObject([
      { type: 'queued', requestId: 8, position: 27 },
    ]);
    expect(q.t.position(q.now(), 'w0', 9, 1)).toEqual([
      { type: 'ok', sessionId: 'w0', requestId: 9 },
    ]);
  });

  it('cost a handoff a report for the few that are due, not one per waiter', () => {
    const q = queue(2_000, () => 100);
    const counts: number[] = [];
    for (let i = 0; i < 300; i++) counts.push(places(q.handoff()).length);
    // 2,000 waiters with a step of 100: about 20 reports per handoff, never all of them.
    expect(Math.max(...counts)).toBeLessThanOrEqual(21);
    expect(counts.reduce((a, b) => a + b, 0)).toBeGreaterThan(300 * 15);
  });

  it('carry an ETA from the pace of recent grants', () => {
    // Place 31, step 5: told at 30 (the next multiple of 5 but one), then at 25.
    const q = queue(50, (i) => (i === 30 ? 5 : undefined));
    const first = q.handoff(20).find((e) => e.type === 'queued');
    // One grant from the queue gives no pace yet: no estimate.
    expect(first).toEqual({ type: 'queued', sessionId: 'w30', requestId: 1, position: 30 });
    for (let i = 0; i < 4; i++) q.handoff(20);
    const report = q.handoff(20).find((e) => e.type === 'queued');
    expect(report).toMatchObject({ position: 25, etaMs: 25 * 20 });
  });

  it('match a walk of the queue over random joins and leaves (the index)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.nat(50)), { maxLength: 300 }), (ops) => {
        const lock = new LockState('p');
        const s = new Session('s', 'h', 1_000, '', '', 0);
        const queued: Waiter[] = [];
        let id = 0;
        lock.positionOf(new Waiter(s, 0, lock, 0, false, undefined));
        for (const [join, pick] of ops) {
          if (join || queued.length === 0) {
            const w = new Waiter(s, ++id, lock, 0, false, undefined);
            lock.enqueue(w);
            queued.push(w);
          } else {
            const [w] = queued.splice(pick % queued.length, 1);
            lock.unlink(w!);
          }
          const i = pick % Math.max(1, queued.length);
          if (queued[i]) expect(lock.positionOf(queued[i])).toBe(i + 1);
        }
      }),
      { seed: 6_122_026, numRuns: 200 },
    );
  });
});
