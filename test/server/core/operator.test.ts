import { describe, expect, it } from 'vitest';
import { LockTable } from '../../../server/core/lock-table.js';

/** A journaled table with sessions a, b, c; tokens from 1. */
function table(): LockTable {
  const t = new LockTable({ journal: true });
  t.addTokens(0, 1, 1_000_000);
  for (const id of ['a', 'b', 'c']) t.open(0, { sessionId: id, secret: 'x', name: `worker-${id}` });
  t.takeJournal();
  return t;
}

const acquire = (t: LockTable, now: number, id: string, requestId: number, path: string) =>
  t.acquire(now, id, { requestId, path, wait: true });

describe('operator actions', () => {
  it('force-release tells the holder, grants the next waiter a larger token, journals why', () => {
    const t = table();
    acquire(t, 0, 'a', 1, 'p');
    acquire(t, 5, 'b', 1, 'p');
    t.takeJournal();
    const { effects, evicted } = t.forceRelease(20, 'p');
    expect(evicted).toEqual({ sessionId: 'a', requestId: 1, token: 1 });
    expect(effects[0]).toEqual({
      type: 'lost',
      sessionId: 'a',
      path: 'p',
      token: 1,
      reason: 'revoked',
    });
    expect(effects[1]).toMatchObject({ type: 'grant', sessionId: 'b', token: 2, waitedMs: 15 });
    expect(t.takeJournal()).toEqual([
      ['free', 'p', 'forced'],
      ['grant', 'b', 1, 'p', 2, false],
    ]);
    expect(t.forceRelease(30, 'nobody-holds-this')).toEqual({ effects: [], evicted: null });
  });

  it('ends a session for an operator: its holds are revoked, its waits leave, reason forced', () => {
    const t = table();
    acquire(t, 0, 'a', 1, 'p');
    acquire(t, 0, 'b', 1, 'q');
    acquire(t, 0, 'a', 2, 'q');
    acquire(t, 0, 'c', 1, 'p');
    t.takeJournal();
    const effects = t.endSession(10, 'a');
    expect(effects).toContainEqual({
      type: 'lost',
      sessionId: 'a',
      path: 'p',
      token: 1,
      reason: 'revoked',
    });
    expect(effects).toContainEqual(
      expect.objectContaining({ type: 'grant', sessionId: 'c', path: 'p' }),
    );
    expect(effects.at(-1)).toEqual({ type: 'ended', sessionId: 'a', reason: 'forced' });
    expect(t.takeJournal()).toEqual([
      ['drop', 'a', 2, 'forced', 'q'],
      ['free', 'p', 'forced'],
      ['grant', 'c', 1, 'p', 3, false],
      ['end', 'a'],
    ]);
    expect(t.endSession(10, 'a')).toEqual([]);
  });

  it('journals the reason of every release and queue leave', () => {
    const t = table();
    acquire(t, 0, 'a', 1, 'p');
    t.acquire(0, 'b', { requestId: 1, path: 'p', wait: true, timeoutMs: 50 });
    acquire(t, 0, 'c', 1, 'p');
    t.cancel(1, 'c', 2, 1);
    t.tick(50);
    t.release(60, 'a', { requestId: 3, path: 'p', token: 1 });
    acquire(t, 70, 'b', 4, 'p');
    t.close(80, 'b', 5);
    const reasons = t
      .takeJournal()
      .filter((e) => e[0] === 'free' || e[0] === 'drop')
      .map((e) => (e[0] === 'free' ? e[2] : e[3]));
    expect(reasons).toEqual(['cancelled', 'timeout', 'released', 'disconnected']);
  });

  it('journals strict locks taken back by a broker unsure it leads as failover', () => {
    const t = table();
    t.acquire(0, 'a', { requestId: 1, path: 's', wait: true, strict: true });
    t.takeJournal();
    t.revokeStrict(5);
    expect(t.takeJournal()).toEqual([['free', 's', 'failover']]);
  });
});

describe('table views', () => {
  it('lists locks by queue length or wait, by prefix, in pages', () => {
    const t = table();
    acquire(t, 0, 'a', 1, 'jobs/x');
    acquire(t, 0, 'b', 1, 'jobs/x');
    acquire(t, 0, 'c', 1, 'jobs/x');
    acquire(t, 0, 'b', 2, 'jobs/y');
    acquire(t, 10, 'a', 2, 'jobs/y');
    acquire(t, 0, 'c', 2, 'other');
    const views = t.views;
    expect(views.counts()).toEqual({ sessions: 3, locks: 3, locksHeld: 3, waiters: 3 });
    const byQueue = views.locks(30, { prefix: 'jobs/' });
    expect(byQueue.total).toBe(2);
    expect(byQueue.items.map((l) => [l.path, l.waiting, l.longestWaitMs])).toEqual([
      ['jobs/x', 2, 30],
      ['jobs/y', 1, 20],
    ]);
    expect(byQueue.items[0]?.holder).toEqual({
      sessionId: 'a',
      name: 'worker-a',
      token: 1,
      heldMs: 30,
      mode: 'write',
    });
    expect(views.locks(30, { sort: 'path', offset: 1, limit: 1 }).items.map((l) => l.path)).toEqual(
      ['jobs/y'],
    );
  });

  it('pages one lock’s queue in order with positions, and shows a session’s holds and waits', () => {
    const t = table();
    acquire(t, 0, 'a', 1, 'p');
    acquire(t, 1, 'b', 1, 'p');
    acquire(t, 2, 'c', 1, 'p');
    const detail = t.views.lock(10, 'p', { offset: 1, limit: 5 });
    expect(detail?.queue).toEqual({
      items: [
        { position: 2, sessionId: 'c', name: 'worker-c', requestId: 1, waitedMs: 8, mode: 'write' },
      ],
      total: 2,
      offset: 1,
      limit: 5,
    });
    expect(t.views.lock(10, 'unknown', {})).toBeNull();
    const c = t.views.session(10, 'c');
    expect(c).toMatchObject({
      id: 'c',
      name: 'worker-c',
      held: 0,
      waiting: 1,
      ttlMs: expect.any(Number),
    });
    expect(c?.waits).toEqual([{ path: 'p', requestId: 1, position: 2, waitedMs: 8 }]);
    expect(t.views.session(10, 'a')?.locks).toEqual([{ path: 'p', token: 1, heldMs: 10 }]);
    expect(t.views.sessions(10, { prefix: 'worker-b' }).items.map((s) => s.id)).toEqual(['b']);
  });
});
