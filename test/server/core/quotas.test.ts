import { describe, expect, it } from 'vitest';
import type { Effect } from '../../../server/core/effects.js';
import { LockTable } from '../../../server/core/lock-table.js';
import type { LockTableOptions } from '../../../server/core/lock-table-options.js';
import { lockBytes, REQUEST_BYTES, SESSION_BYTES } from '../../../server/core/table-bytes.js';

/** Effects as `grant`, `queued`, … or the error code. */
const kinds = (effects: Effect[]) =>
  effects.map((e) => (e.type === 'error' || e.type === 'refused' ? e.code : e.type));

/** A table with tokens, on a clock the test moves by hand. */
function table(options: LockTableOptions = {}): LockTable {
  const t = new LockTable(options);
  t.addTokens(0, 1, 1_000_000);
  return t;
}
const open = (t: LockTable, now: number, sessionId: string, owner: string, ttlMs = 10_000) =>
  t.open(now, { sessionId, secret: `secret-${sessionId}`, owner, ttlMs });
const acq = (t: LockTable, now: number, sessionId: string, requestId: number, path: string) =>
  t.acquire(now, sessionId, { requestId, path, wait: true });

describe('per-owner quotas', () => {
  it('refuses a session past maxSessionsPerOwner; other owners still open; an end frees a place', () => {
    const t = table({ maxSessionsPerOwner: 2 });
    expect(kinds(open(t, 0, 'a1', 'host-a'))).toEqual(['welcome']);
    expect(kinds(open(t, 0, 'a2', 'host-a'))).toEqual(['welcome']);
    expect(open(t, 0, 'a3', 'host-a')).toEqual([
      { type: 'refused', code: 'LIMIT_EXCEEDED', message: 'an owner may have at most 2 sessions' },
    ]);
    expect(kinds(open(t, 0, 'b1', 'host-b'))).toEqual(['welcome']);
    expect(t.views.usageOf('host-a')).toEqual({ sessions: 2, requests: 0 });
    t.close(1, 'a1', 1);
    expect(kinds(open(t, 1, 'a3', 'host-a'))).toEqual(['welcome']);
  });

  it('counts a detached session against its owner until it ends', () => {
    const t = table({ maxSessionsPerOwner: 1, maxDetachedMs: 1_000 });
    open(t, 0, 'a1', 'host-a', 600_000);
    t.detach(0, 'a1');
    expect(kinds(open(t, 500, 'a2', 'host-a'))).toEqual(['LIMIT_EXCEEDED']);
    expect(t.tick(1_000)).toEqual([{ type: 'ended', sessionId: 'a1', reason: 'expired' }]);
    expect(kinds(open(t, 1_000, 'a2', 'host-a'))).toEqual(['welcome']);
  });

  it('limits held + waiting locks over all sessions of an owner; releases, drops and ends give them back', () => {
    const t = table({ maxLocksPerOwner: 3 });
    open(t, 0, 'a1', 'host-a');
    open(t, 0, 'a2', 'host-a');
    open(t, 0, 'b1', 'host-b');
    expect(kinds(acq(t, 0, 'a1', 1, 'p'))).toEqual(['grant']);
    expect(kinds(acq(t, 0, 'a2', 1, 'p'))).toEqual(['queued']);
    expect(kinds(acq(t, 0, 'a2', 2, 'q'))).toEqual(['grant']);
    expect(acq(t, 0, 'a1', 2, 'r')).toEqual([
      {
        type: 'error',
        sessionId: 'a1',
        requestId: 2,
        code: 'LIMIT_EXCEEDED',
        message: "an owner's sessions may hold and wait for at most 3 locks",
      },
    ]);
    // A retry of a request already counted is answered as before, not refused.
    expect(kinds(acq(t, 0, 'a2', 1, 'p'))).toEqual(['queued']);
    expect(kinds(acq(t, 0, 'b1', 1, 'r'))).toEqual(['grant']);
    expect(t.views.usageOf('host-a')).toEqual({ sessions: 2, requests: 3 });
    // The release grants the waiter of the same owner: still 2 requests.
    t.release(1, 'a1', { requestId: 3, path: 'p', token: 1 });
    expect(t.views.usageOf('host-a')).toEqual({ sessions: 2, requests: 2 });
    expect(kinds(acq(t, 1, 'a1', 4, 'r'))).toEqual(['queued']);
    expect(kinds(acq(t, 1, 'a1', 5, 's'))).toEqual(['LIMIT_EXCEEDED']);
    t.cancel(2, 'a1', 6, 4);
    expect(t.views.usageOf('host-a')).toEqual({ sessions: 2, requests: 2 });
    t.close(3, 'a2', 7);
    expect(t.views.usageOf('host-a')).toEqual({ sessions: 1, requests: 0 });
    t.close(3, 'a1', 8);
    expect(t.views.usageOf('host-a')).toEqual({ sessions: 0, requests: 0 });
  });
});

describe('detached sessions', () => {
  it('end maxDetachedMs after their connection closed, whatever TTL they asked for', () => {
    const t = table({ maxDetachedMs: 30_000 });
    open(t, 0, 'ghost', 'h', 600_000);
    acq(t, 0, 'ghost', 1, 'p');
    open(t, 0, 'worker', 'h', 600_000);
    expect(kinds(acq(t, 0, 'worker', 1, 'p'))).toEqual(['queued']);
    t.detach(5_000, 'ghost');
    expect(t.nextDeadline()).toBe(35_000);
    expect(t.tick(34_999)).toEqual([]);
    expect(kinds(t.tick(35_000))).toEqual(['lost', 'grant', 'ended']);
    expect(t.views.queue('p').holder?.sessionId).toBe('worker');
  });

  it('keep their lease when it ends before the cap', () => {
    const t = table({ maxDetachedMs: 30_000 });
    open(t, 0, 'a', 'h', 10_000);
    t.detach(1_000, 'a');
    expect(t.tick(9_999)).toEqual([]);
    expect(kinds(t.tick(10_000))).toEqual(['ended']);
  });

  it('are bound by the lease again once resumed; a resume after the cap finds them gone', () => {
    const t = table({ maxDetachedMs: 1_000 });
    open(t, 0, 'a', 'h', 600_000);
    open(t, 0, 'b', 'h', 600_000);
    t.detach(0, 'a');
    t.detach(0, 'b');
    expect(kinds(t.resume(999, 'a', 'secret-a'))).toEqual(['welcome']);
    expect(kinds(t.resume(1_000, 'b', 'secret-b'))).toEqual(['SESSION_EXPIRED']);
    expect(kinds(t.tick(1_000))).toEqual(['ended']);
    expect(t.tick(500_000)).toEqual([]);
    expect(t.views.hasSession('a')).toBe(true);
  });

  it('after a promotion: every restored session is detached until its client comes back', () => {
    const leader = new LockTable({ journal: true });
    const standby = new LockTable({ maxDetachedMs: 20_000 });
    leader.addTokens(0, 1, 1_000);
    open(leader, 0, 'long', 'h', 600_000);
    open(leader, 0, 'short', 'h', 5_000);
    open(leader, 0, 'back', 'h', 600_000);
    acq(leader, 0, 'long', 1, 'p');
    standby.replay(0, leader.takeJournal());
    standby.addTokens(100, 2_000, 3_000);
    standby.promote(100);
    expect(kinds(standby.resume(200, 'back', 'secret-back'))).toEqual(['welcome']);
    expect(kinds(standby.tick(5_100))).toEqual(['ended']);
    expect(standby.views.hasSession('long')).toBe(true);
    expect(kinds(standby.tick(20_100))).toEqual(['lost', 'ended']);
    expect(standby.views.hasSession('back')).toBe(true);
  });
});

describe('the memory budget', () => {
  it('refuses acquires and hellos past maxTableBytes with LIMIT_EXCEEDED, and takes them again once freed', () => {
    const path = (i: number) => `${'x'.repeat(400)}/${i}`;
    const perLock = REQUEST_BYTES + lockBytes(path(0));
    const t = table({ maxTableBytes: 2 * SESSION_BYTES + perLock * 10 + 100 });
    open(t, 0, 'a', 'h');
    open(t, 0, 'b', 'h2');
    for (let i = 0; i < 10; i++) expect(kinds(acq(t, 0, 'a', i + 1, path(i)))).toEqual(['grant']);
    const refused = acq(t, 0, 'b', 1, path(10));
    expect(refused).toMatchObject([{ type: 'error', code: 'LIMIT_EXCEEDED' }]);
    expect((refused[0] as { message: string }).message).toMatch(/memory budget/);
    // A waiter on a known path costs only its request: still over the budget here.
    expect(kinds(acq(t, 0, 'b', 2, path(0)))).toEqual(['LIMIT_EXCEEDED']);
    expect(t.views.tableBytes).toBe(2 * SESSION_BYTES + perLock * 10);
    // Nor does a new session fit.
    expect(kinds(open(t, 0, 'c', 'h3'))).toEqual(['LIMIT_EXCEEDED']);
    t.release(1, 'a', { requestId: 99, path: path(0), token: 1 });
    expect(t.views.tableBytes).toBe(2 * SESSION_BYTES + perLock * 9);
    expect(kinds(acq(t, 1, 'b', 3, path(10)))).toEqual(['grant']);
    t.close(2, 'a', 100);
    t.close(2, 'b', 101);
    expect(t.views.tableBytes).toBe(0);
  });
});
