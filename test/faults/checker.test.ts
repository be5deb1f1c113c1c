// The fault suite's checker on hand-made histories: each rule is shown to fail.
import { describe, expect, it } from 'vitest';
import type { TableSnapshot } from '../../server/core/replica.js';
import {
  checkHistory,
  crossCheckLog,
  grantKey,
  type CheckOptions,
  type HistoryLike,
} from '../helpers/checker.js';
import type { FaultRecord, HistoryEvent, HoldEnd } from '../helpers/history.js';
import { LogReplay, type Batch, type Snapshot } from '../helpers/log-recorder.js';

/** A tiny builder: holds as [worker, path, token, requestedAt, grantedAt, endedAt, how]. */
function history(
  holds: [string, string, number, number, number, number, HoldEnd?][],
  faults: Partial<FaultRecord>[] = [],
): HistoryLike {
  const events: HistoryEvent[] = [];
  holds.forEach(([worker, path, token, requestedAt, at, endAt, how = 'release'], request) => {
    events.push({ kind: 'request', at: requestedAt, worker, path, request });
    events.push({
      kind: 'grant',
      at,
      worker,
      session: `s-${worker}`,
      path,
      token,
      request,
      requestedAt,
    });
    events.push({ kind: 'end', at: endAt, worker, path, token, how });
  });
  events.sort((a, b) => a.at - b.at);
  return {
    events,
    silent: [],
    faults: faults.map((f) => ({
      name: 'fault',
      start: 0,
      recovered: f.end ?? 0,
      end: 0,
      excuses: true,
      needs: 'either',
      minGrants: 0,
      ...f,
    })),
  };
}

const strict: CheckOptions = { level: 'strict', windowMs: 5_000, clientPauses: false, endAt: 1e6 };
const efficient: CheckOptions = { ...strict, level: 'efficient' };

describe('the fault checker', () => {
  it('passes a clean handoff', () => {
    const h = history([
      ['w1', 'a', 10, 0, 1, 100],
      ['w2', 'a', 11, 50, 101, 200],
    ]);
    const f = checkHistory(h, strict);
    expect(f.overlaps).toEqual([]);
    expect(f.tokenRegressions).toEqual([]);
  });

  it('finds two holders of a path at once', () => {
    const h = history([
      ['w1', 'a', 10, 0, 1, 100],
      ['w2', 'a', 11, 50, 60, 200],
    ]);
    const f = checkHistory(h, strict);
    expect(f.overlaps).toHaveLength(1);
    expect(f.overlaps[0]).toMatchObject({ path: 'a', ms: 40 });
  });

  it('finds no overlap with a hold that ended the moment it began', () => {
    const h = history([
      ['w1', 'a', 10, 0, 1, 100],
      ['w2', 'a', 11, 40, 50, 50, 'lost'],
    ]);
    expect(checkHistory(h, strict).overlaps).toEqual([]);
    const longer = history([
      ['w1', 'a', 10, 0, 1, 100],
      ['w2', 'a', 11, 40, 50, 51, 'lost'],
    ]);
    expect(checkHistory(longer, strict).overlaps).toHaveLength(1);
  });

  it('counts a hold that ended by a late `lost` as an overlap at the strict level', () => {
    const h = history([
      ['w1', 'a', 10, 0, 1, 3_000, 'lost'],
      ['w2', 'a', 11, 50, 2_000, 2_100],
    ]);
    expect(checkHistory(h, strict).overlaps).toHaveLength(1);
  });

  it('finds a token not above one received before its acquire, on another path', () => {
    const h = history([
      ['w1', 'a', 20, 0, 5, 10],
      ['w2', 'b', 15, 6, 7, 12],
    ]);
    const f = checkHistory(h, strict);
    expect(f.tokenRegressions).toMatchObject([{ path: 'b', token: 15, above: 20 }]);
    // Asked before the larger token arrived: concurrent, no order to keep.
    const concurrent = history([
      ['w1', 'a', 20, 0, 5, 10],
      ['w2', 'b', 15, 4, 7, 12],
    ]);
    expect(checkHistory(concurrent, strict).tokenRegressions).toEqual([]);
  });

  it('finds a token granted twice', () => {
    const h = history([
      ['w1', 'a', 20, 0, 5, 10],
      ['w2', 'b', 20, 0, 7, 12],
    ]);
    expect(checkHistory(h, strict).duplicateTokens).toEqual([20]);
  });

  it('finds accepted writes going backwards, and counts rejected ones', () => {
    const h = history([]);
    const write = (at: number, token: number, accepted: boolean): HistoryEvent => ({
      kind: 'write',
      at,
      worker: 'w',
      path: 'a',
      token,
      accepted,
    });
    h.events.push(write(1, 10, true), write(2, 12, true), write(3, 11, true), write(4, 9, false));
    const f = checkHistory(h, strict);
    expect(f.writeRegressions).toMatchObject([{ path: 'a', before: 12, after: 11 }]);
    expect(f.rejectedWrites).toBe(1);
    expect(f.unexcusedRejectedWrites).toBe(1);
    expect(checkHistory(h, { ...strict, clientPauses: true }).unexcusedRejectedWrites).toBe(0);
  });

  it('excuses an efficient overlap inside a fault window, and only there', () => {
    const holds: [string, string, number, number, number, number][] = [
      ['w1', 'a', 10, 0, 1_000, 1_500],
      ['w2', 'a', 11, 0, 1_200, 1_300],
    ];
    const inside = checkHistory(history(holds, [{ start: 900, end: 1_000 }]), efficient);
    expect(inside.overlaps).toEqual([]);
    expect(inside.excusedOverlaps).toHaveLength(1);
    expect(inside.maxOverlapMs).toBe(100);
    const outside = checkHistory(history(holds, [{ start: 9_000, end: 9_100 }]), efficient);
    expect(outside.overlaps).toHaveLength(1);
    // The control scenario's faults excuse nothing.
    const control = history(holds, [{ start: 900, end: 1_000, excuses: false }]);
    expect(checkHistory(control, efficient).overlaps).toHaveLength(1);
    // The window opens a moment before the fault (a grant of the crash's last moments)…
    const early: [string, string, number, number, number, number][] = [
      ['w1', 'a', 10, 0, 850, 1_500],
      ['w2', 'a', 11, 0, 860, 1_300],
    ];
    const justBefore = history(early, [{ start: 900, end: 1_000 }]);
    expect(checkHistory(justBefore, efficient).overlaps).toEqual([]);
    // …and no earlier.
    const before = history(early, [{ start: 900, end: 1_000 }]);
    expect(checkHistory(before, { ...efficient, windowBeforeMs: 10 }).overlaps).toHaveLength(1);
    // Strict has no window.
    expect(
      checkHistory(history(holds, [{ start: 900, end: 1_000 }]), strict).overlaps,
    ).toHaveLength(1);
  });

  it('fails a round that no hold spanned, no waiter was queued across, or too few grants made', () => {
    const quiet = history(
      [
        ['w1', 'a', 10, 0, 1, 2],
        ['w2', 'a', 11, 3, 3, 4],
      ],
      [{ start: 10, end: 20 }],
    );
    expect(checkHistory(quiet, strict).vacuousRounds).toHaveLength(1);
    const spanned = history(
      [
        ['w1', 'a', 10, 0, 1, 30],
        ['w2', 'a', 11, 5, 31, 32],
      ],
      [{ start: 10, end: 20, needs: 'both' }],
    );
    const f = checkHistory(spanned, strict);
    expect(f.rounds[0]).toMatchObject({ spanningHolds: 1, queuedWaiters: 1, vacuous: null });
    // A hold lost after the fault did not survive it.
    const lost = history(
      [['w1', 'a', 10, 0, 1, 30, 'lost']],
      [{ start: 10, end: 20, needs: 'hold' }],
    );
    expect(checkHistory(lost, strict).vacuousRounds).toHaveLength(1);
    const few = history([['w1', 'a', 10, 0, 1, 30]], [{ start: 10, end: 20, minGrants: 5 }]);
    expect(checkHistory(few, strict).vacuousRounds[0]?.vacuous).toMatch(/1 grants < 5/);
  });

  it('finds a silent holder whose lock reached the waiter late, or never', () => {
    const h = history([]);
    h.silent.push(
      { path: 'd/1', killedAt: 0, grantedAt: 3_900, boundMs: 4_000 },
      { path: 'd/2', killedAt: 0, grantedAt: 4_100, boundMs: 4_000 },
      { path: 'd/3', killedAt: 0, grantedAt: null, boundMs: 4_000 },
    );
    expect(checkHistory(h, strict).lateFrees.map((s) => s.path)).toEqual(['d/2', 'd/3']);
  });

  it('finds a grant the log never made, excused for efficient only inside a window', () => {
    const h = history([['w1', 'a', 10, 0, 1_000, 1_100]], [{ start: 900, end: 950 }]);
    const log = { grants: new Set<string>(), twoHolders: [] };
    expect(crossCheckLog(h, log, strict).missingFromLog).toHaveLength(1);
    expect(crossCheckLog(h, log, efficient).missingFromLog).toEqual([]);
    const logged = { grants: new Set([grantKey('s-w1', 'a', 10)]), twoHolders: [] };
    expect(crossCheckLog(h, logged, strict).missingFromLog).toEqual([]);
  });

  it('excuses a strict grant missing from the log only just before Redis lost the log', () => {
    const log = { grants: new Set<string>(), twoHolders: [] };
    const at = (grantedAt: number) =>
      crossCheckLog(
        history(
          [['w1', 'a', 10, 0, grantedAt, grantedAt + 10]],
          [{ start: 1_000, logLostAt: 1_020 }],
        ),
        log,
        strict,
      );
    expect(at(1_010)).toMatchObject({ missingFromLog: [], excusedMissingFromLog: 1 });
    expect(at(1_060).missingFromLog).toEqual([]);
    // Long after the loss, or before its window: the broker sent what it never wrote.
    expect(at(1_200).missingFromLog).toHaveLength(1);
    expect(at(800).missingFromLog).toHaveLength(1);
    // A fault that lost no log excuses nothing at the strict level.
    const outage = history([['w1', 'a', 10, 0, 1_010, 1_020]], [{ start: 1_000, end: 1_100 }]);
    expect(crossCheckLog(outage, log, strict).missingFromLog).toHaveLength(1);
  });
});

describe('the log replay', () => {
  const none = (): Promise<Snapshot> => Promise.resolve(null);
  const batch = (seq: number, ...entries: Batch['entries']): Batch => ({
    id: `${seq}-0`,
    seq,
    generation: 'g1',
    entries,
  });

  it('finds two holders of a path in the log', async () => {
    const r = new LogReplay();
    await r.take(batch(1, ['grant', 's1', 1, 'a', 10, true]), none);
    await r.take(batch(2, ['grant', 's2', 1, 'a', 11, true]), none);
    expect(r.twoHolders).toEqual([{ path: 'a', holder: 's1', grantedTo: 's2', token: 11 }]);
  });

  it('skips a retried append and follows a handoff', async () => {
    const r = new LogReplay();
    const first = batch(1, ['grant', 's1', 1, 'a', 10, true]);
    await r.take(first, none);
    await r.take({ ...first, id: '1-1' }, none);
    await r.take(batch(2, ['free', 'a', 'released'], ['grant', 's2', 1, 'a', 11, true]), none);
    expect(r.twoHolders).toEqual([]);
    expect(r.figures.duplicates).toBe(1);
    expect(r.grants.has(grantKey('s2', 'a', 11))).toBe(true);
  });

  it('restarts from the snapshot of a new generation', async () => {
    const r = new LogReplay();
    await r.take(batch(1, ['grant', 's1', 1, 'a', 10, true]), none);
    await r.take(batch(2, ['grant', 's1', 2, 'b', 11, true]), none);
    // A new generation: a snapshot in which b is free, then the log from seq 1 again.
    const table: TableSnapshot = {
      sessions: [],
      locks: [['a', ['s1', 1, 10, true], []]],
      tokenNext: 12,
    };
    const snap = (): Promise<Snapshot> =>
      Promise.resolve({ id: '9-0', seq: 0, generation: 'g2', table });
    const next = (seq: number, ...entries: Batch['entries']): Batch => ({
      ...batch(seq, ...entries),
      id: `${seq + 9}-0`,
      generation: 'g2',
    });
    await r.take(next(1, ['grant', 's2', 3, 'b', 12, true]), snap);
    expect(r.figures.restarts).toBe(1);
    expect(r.twoHolders).toEqual([]);
    // …and still sees a second holder of a.
    await r.take(next(2, ['grant', 's3', 4, 'a', 13, true]), snap);
    expect(r.twoHolders).toMatchObject([{ path: 'a', holder: 's1', grantedTo: 's3' }]);
  });

  it('replays again from where a rewound log continues', async () => {
    const r = new LogReplay();
    await r.take(batch(1, ['grant', 's1', 1, 'a', 10, true]), none);
    await r.take(batch(2, ['free', 'a', 'released']), none);
    // The log lost batch 2 and continues at 2 with other entries: a is still s1's there.
    await r.take({ ...batch(2, ['grant', 's2', 1, 'a', 11, true]), id: '5-0' }, none);
    expect(r.figures.rewoundBatches).toBe(1);
    expect(r.twoHolders).toMatchObject([{ path: 'a', holder: 's1', grantedTo: 's2' }]);
  });
});
