import { describe, expect, it } from 'vitest';
import { History } from '../../../server/admin/history.js';

describe('history', () => {
  it('turns journal entries into events with reasons, holders and hold times', () => {
    const h = new History();
    h.record([['wait', 'b', 1, 'p', false, -1]], 1_000);
    h.record([['grant', 'a', 1, 'p', 7, false]], 1_000);
    h.record(
      [
        ['free', 'p', 'forced'],
        ['grant', 'b', 1, 'p', 8, false],
        ['drop', 'c', 4, 'timeout', 'p'],
      ],
      1_250,
    );
    expect(h.list('p')).toEqual([
      { at: 1_000, kind: 'grant', path: 'p', sessionId: 'a', token: 7 },
      {
        at: 1_250,
        kind: 'release',
        path: 'p',
        sessionId: 'a',
        token: 7,
        reason: 'forced',
        ms: 250,
      },
      { at: 1_250, kind: 'grant', path: 'p', sessionId: 'b', token: 8 },
      { at: 1_250, kind: 'leave', path: 'p', sessionId: 'c', reason: 'timeout' },
    ]);
    expect(h.grants.total).toBe(2);
    expect(h.releases.forced).toBe(1);
    expect(h.leaves.timeout).toBe(1);
  });

  it('keeps the newest events, and lists one lock from those kept', () => {
    const h = new History({ kept: 5, overall: 4, perLock: 2 });
    for (let i = 0; i < 4; i++) {
      const path = `p${i % 3}`;
      h.record(
        [
          ['grant', 's', i, path, i, false],
          ['free', path, 'released'],
        ],
        i,
      );
    }
    // Eight events, five kept, four listed.
    expect(h.list().map((e) => `${e.kind} ${e.path}`)).toEqual([
      'grant p2',
      'release p2',
      'grant p0',
      'release p0',
    ]);
    // p0's first cycle was pushed out; p1 keeps its release only.
    expect(h.list('p0').map((e) => e.at)).toEqual([3, 3]);
    expect(h.list('p1')).toMatchObject([{ kind: 'release', path: 'p1', sessionId: 's' }]);
    expect(h.list('p2', 1)).toMatchObject([{ kind: 'release', at: 2 }]);
  });

  it('forgets paths whose events are gone, but not a hold, however many paths pass', () => {
    const h = new History({ kept: 10 });
    h.record([['grant', 'a', 1, 'held', 1, false]], 0);
    for (let i = 0; i < 10_000; i++) {
      const path = `p${i}`;
      h.record(
        [
          ['grant', 's', i, path, i + 2, false],
          ['free', path, 'released'],
        ],
        1,
      );
    }
    expect(h.paths).toBeLessThanOrEqual(2 * 10 + 1);
    h.record([['free', 'held', 'released']], 5);
    expect(h.list('held')).toEqual([
      { at: 5, kind: 'release', path: 'held', sessionId: 'a', token: 1, reason: 'released', ms: 5 },
    ]);
  });

  it('names the newest holder of a path whose older grant was never freed', () => {
    const h = new History({ kept: 3 });
    h.record([['grant', 'a', 1, 'p', 1, false]], 0);
    h.record([['grant', 'b', 2, 'p', 2, false]], 10);
    // Pushes a's grant out of the ring while b holds.
    h.record([['drop', 'c', 3, 'timeout', 'q']], 20);
    h.record([['drop', 'c', 4, 'timeout', 'q']], 20);
    h.record([['free', 'p', 'released']], 30);
    expect(h.list('p').at(-1)).toMatchObject({ kind: 'release', sessionId: 'b', token: 2, ms: 20 });
  });

  it('hands fresh events to a listener only while one listens, bounded', () => {
    const h = new History({ overall: 4 });
    h.record([['grant', 's', 1, 'p', 1, false]], 0);
    expect(h.takeFresh()).toEqual([]);
    h.listen(true);
    for (let i = 0; i < 10; i++) h.record([['grant', 's', i, `q${i}`, i, false]], i);
    const fresh = h.takeFresh();
    expect(fresh.length).toBeLessThanOrEqual(4);
    expect(fresh.at(-1)).toMatchObject({ path: 'q9' });
    expect(h.takeFresh()).toEqual([]);
  });
});
