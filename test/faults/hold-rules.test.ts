// The rules of each lock kind in the fault checker and the log replay, on hand-made data.
import { describe, expect, it } from 'vitest';
import type { TableSnapshot } from '../../server/core/replica.js';
import { checkHistory, type CheckOptions, type HistoryLike } from '../helpers/checker.js';
import type { FaultRecord, HistoryEvent, LockKind } from '../helpers/history.js';
import { LogReplay, type Batch, type Snapshot } from '../helpers/log-recorder.js';

/** A hold of path 'p': token, grant received, end, and how it was asked for. */
type Held = [token: number, at: number, endAt: number, kind?: LockKind];

/** Holds of one path, each asked for 1 ms before its grant, by a worker of its own. */
function holds(list: Held[], faults: Partial<FaultRecord>[] = []): HistoryLike {
  const events: HistoryEvent[] = [];
  for (const [token, at, endAt, kind = {}] of list) {
    const worker = `w${token}`;
    const base = { worker, path: 'p', request: token };
    events.push({ kind: 'request', at: at - 1, ...base, ...kind });
    const grant = { kind: 'grant', at, session: `s${token}`, token, requestedAt: at - 1 } as const;
    events.push({ ...grant, ...base, ...kind });
    events.push({ kind: 'end', at: endAt, worker, path: 'p', token, how: 'release' });
  }
  events.sort((a, b) => a.at - b.at);
  const full = (f: Partial<FaultRecord>): FaultRecord => ({
    ...{ name: 'kill', start: 0, recovered: 0, end: 0, excuses: false, needs: 'none' },
    ...{ minGrants: 0, ...f },
  });
  return { events, silent: [], faults: faults.map(full) };
}

const strict: CheckOptions = { level: 'strict', windowMs: 5_000, clientPauses: false, endAt: 1e6 };
const sem = (limit: number): LockKind => ({ limit });
const read: LockKind = { mode: 'read' };
const write: LockKind = { mode: 'write' };

describe('the checker, per lock kind', () => {
  it('lets a semaphore have its limit at once, and finds one hold beyond it', () => {
    const three: Held[] = [
      [1, 10, 100, sem(3)],
      [2, 20, 100, sem(3)],
      [3, 30, 100, sem(3)],
    ];
    expect(checkHistory(holds(three), strict).overlaps).toEqual([]);
    const four = checkHistory(holds([...three, [4, 40, 60, sem(3)]]), strict).overlaps;
    expect(four).toMatchObject([{ path: 'p', held: 4, from: 40, to: 60, ms: 20 }]);
    // A permit handed on when its holder ends is no excess.
    expect(checkHistory(holds([...three, [4, 100, 150, sem(3)]]), strict).overlaps).toEqual([]);
  });

  it('ends a semaphore excess when enough holders have let go', () => {
    const f = checkHistory(
      holds([
        [1, 10, 50, sem(2)],
        [2, 20, 80, sem(2)],
        [3, 30, 90, sem(2)],
        [4, 40, 200, sem(2)],
      ]),
      strict,
    );
    // At 40 four hold a path of two: back to two once 1 (at 50) and 2 (at 80) have ended.
    expect(f.overlaps.map((o) => [o.b.token, o.held, o.to])).toEqual([
      [3, 3, 50],
      [4, 4, 80],
    ]);
  });

  it('lets readers share and finds anyone beside a writer', () => {
    const readers: Held[] = [
      [1, 10, 100, read],
      [2, 20, 100, read],
    ];
    expect(checkHistory(holds(readers), strict).overlaps).toEqual([]);
    const writerLate = checkHistory(holds([...readers, [3, 50, 150, write]]), strict).overlaps;
    expect(writerLate.map((o) => [o.a.token, o.b.token])).toEqual([
      [1, 3],
      [2, 3],
    ]);
    const readerLate = checkHistory(
      holds([
        [1, 10, 100, write],
        [2, 50, 60, read],
      ]),
      strict,
    );
    expect(readerLate.overlaps).toMatchObject([{ ms: 10 }]);
  });

  it('finds a grant made past a waiter queued before its acquire was sent', () => {
    const h = holds([
      [1, 10, 100, read],
      [2, 110, 120, write],
      [3, 130, 140, read],
    ]);
    // The writer (request 2) was seen queued at 30; the reader asked at 129: in order.
    h.events.push({ kind: 'queued', at: 30, worker: 'w2', path: 'p', request: 2 });
    expect(checkHistory(h, strict).skippedWaiters).toEqual([]);
    const passed = holds([
      [1, 10, 100, read],
      [3, 50, 60, read],
      [2, 110, 120, write],
    ]);
    passed.events.push({ kind: 'queued', at: 30, worker: 'w2', path: 'p', request: 2 });
    const found = checkHistory(passed, strict).skippedWaiters;
    expect(found).toMatchObject([{ waiter: { request: 2, grantedAt: 110 }, by: { token: 3 } }]);
  });

  it('judges a shared waiter with the slack of one batch', () => {
    const h = holds([
      [1, 10, 100, sem(2)],
      [3, 105, 130, sem(2)],
      [2, 110, 120, sem(2)],
    ]);
    h.events.push({ kind: 'queued', at: 30, worker: 'w2', path: 'p', request: 2 });
    expect(checkHistory(h, strict).skippedWaiters).toEqual([]);
  });

  it('fails a round that no hold of a kind it needs spanned', () => {
    const h = holds(
      [
        [1, 10, 100, sem(2)],
        [2, 20, 40, read],
      ],
      [{ start: 30, recovered: 50, end: 50, spans: ['semaphore', 'read'] }],
    );
    const [round] = checkHistory(h, strict).rounds;
    expect(round).toMatchObject({ spanningKinds: { semaphore: 1, read: 0 } });
    expect(round?.vacuous).toBe('no read hold spanned it');
  });
});

describe('the log replay, per lock kind', () => {
  const table: TableSnapshot = {
    sessions: [],
    locks: [['pool', ['s1', 1, 10, true], [], [['s2', 1, 11, true]], 3]],
    tokenNext: 12,
  };
  const snap = (): Promise<Snapshot> =>
    Promise.resolve({ id: '1-0', seq: 0, generation: 'g', table });
  const batch = (seq: number, ...entries: Batch['entries']): Batch => ({
    id: `${seq + 1}-0`,
    seq,
    generation: 'g',
    entries,
  });

  it('follows a semaphore from the snapshot and finds a permit beyond its limit', async () => {
    const r = new LogReplay();
    await r.take(batch(1, ['grant', 's3', 1, 'pool', 12, true, 3]), snap);
    expect(r.twoHolders).toEqual([]);
    await r.take(
      batch(2, ['free', 'pool', 'released', 11], ['grant', 's4', 1, 'pool', 13, true, 3]),
      snap,
    );
    expect(r.twoHolders).toEqual([]);
    await r.take(batch(3, ['grant', 's5', 1, 'pool', 14, true, 3]), snap);
    expect(r.twoHolders).toEqual([{ path: 'pool', holder: 's1', grantedTo: 's5', token: 14 }]);
  });

  it('lets readers share in the log and finds a reader beside a writer', async () => {
    const r = new LogReplay();
    const none = (): Promise<Snapshot> => Promise.resolve(null);
    await r.take(batch(1, ['grant', 's1', 1, 'doc', 10, true, 1, 'read']), none);
    await r.take(batch(2, ['grant', 's2', 1, 'doc', 11, true, 1, 'read']), none);
    await r.take(batch(3, ['free', 'doc', 'released', 10], ['free', 'doc', 'released', 11]), none);
    await r.take(batch(4, ['grant', 's3', 2, 'doc', 12, true]), none);
    expect(r.twoHolders).toEqual([]);
    await r.take(batch(5, ['grant', 's1', 2, 'doc', 13, true, 1, 'read']), none);
    expect(r.twoHolders).toEqual([{ path: 'doc', holder: 's3', grantedTo: 's1', token: 13 }]);
  });
});
