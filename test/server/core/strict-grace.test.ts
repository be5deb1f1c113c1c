import { describe, expect, it } from 'vitest';
import type { Effect } from '../../../server/core/effects.js';
import { LockTable } from '../../../server/core/lock-table.js';

const grants = (effects: Effect[]): string[] =>
  effects.flatMap((e) => (e.type === 'grant' ? [`${e.sessionId}:${e.path}`] : []));

/** A table promoted at 0 with strict grants held back until 1,000. */
function graced(): LockTable {
  const t = new LockTable({ maxSessionTtlMs: 60_000, defaultSessionTtlMs: 60_000 });
  for (const id of ['a', 'b', 'c']) t.open(0, { sessionId: id, secret: 'x' });
  t.addTokens(0, 10, 1_000);
  t.promote(0, 1_000);
  return t;
}

describe('the strict grace after a takeover without a continuous log', () => {
  it('grants efficient locks at once and strict ones only once it is over', () => {
    const t = graced();
    expect(t.strictGraceEndsAt).toBe(1_000);
    expect(grants(t.acquire(1, 'a', { requestId: 1, path: 'e', wait: true }))).toEqual(['a:e']);
    expect(t.acquire(1, 'a', { requestId: 2, path: 's', wait: true, strict: true })).toEqual([
      { type: 'queued', sessionId: 'a', requestId: 2, position: 1 },
    ]);
    // tryAcquire of a free lock is busy while strict grants wait.
    expect(t.acquire(1, 'b', { requestId: 1, path: 't', wait: false, strict: true })).toEqual([
      { type: 'busy', sessionId: 'b', requestId: 1 },
    ]);
    expect(t.nextDeadline()).toBe(1_000);
    expect(grants(t.tick(999))).toEqual([]);
    expect(grants(t.tick(1_000))).toEqual(['a:s']);
    expect(t.strictGraceEndsAt).toBe(-Infinity);
    expect(
      grants(t.acquire(1_001, 'b', { requestId: 2, path: 't', wait: true, strict: true })),
    ).toEqual(['b:t']);
  });

  it('keeps the queue in order: an efficient waiter behind a strict head waits with it', () => {
    const t = graced();
    t.acquire(1, 'a', { requestId: 1, path: 'p', wait: true });
    t.acquire(1, 'b', { requestId: 1, path: 'p', wait: true, strict: true });
    t.acquire(1, 'c', { requestId: 1, path: 'p', wait: true });
    expect(grants(t.release(2, 'a', { requestId: 2, path: 'p', token: 10 }))).toEqual([]);
    expect(t.views.queue('p').queue.map((w) => w.sessionId)).toEqual(['b', 'c']);
    expect(grants(t.tick(1_000))).toEqual(['b:p']);
  });

  it('does nothing for a grace already over, and a later promotion without one clears it', () => {
    const t = new LockTable();
    t.open(0, { sessionId: 'a', secret: 'x' });
    t.addTokens(0, 10, 1_000);
    t.promote(500, 400);
    expect(t.strictGraceEndsAt).toBe(-Infinity);
    expect(
      grants(t.acquire(501, 'a', { requestId: 1, path: 's', wait: true, strict: true })),
    ).toEqual(['a:s']);
  });
});
