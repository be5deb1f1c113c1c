import { describe, expect, it } from 'vitest';
import type { JournalEntry } from '../../../server/core/journal.js';
import { LogFollower } from '../../../server/mirror/log-follower.js';
import {
  LOG_PAGE,
  type LogBatch,
  type LogReader,
  type SnapshotRecord,
} from '../../../server/mirror/log-reader.js';

/** A log held in memory, read the way `LogReader` reads Redis. */
function memoryLog(snapshot: SnapshotRecord, batches: LogBatch[]): LogReader {
  const reader = {
    snapshot: async () => snapshot,
    after: async (from: { id: string }) => batches.filter((b) => b.id > from.id),
    end: async () => batches.at(-1)?.seq ?? snapshot.seq,
  };
  return reader as unknown as LogReader;
}

const open = (id: string): JournalEntry => ['open', id, 'secret', 10_000, ''];
const batch = (seq: number, epoch: number, entries: JournalEntry[]): LogBatch => ({
  id: `${seq}-0`,
  seq,
  generation: 'g',
  epoch,
  entries,
  handover: false,
});

describe('the log follower', () => {
  it('loads a log that a takeover continued at a higher epoch, again and again', async () => {
    const snapshot = {
      id: '0-0',
      seq: 0,
      generation: 'g',
      epoch: 1,
      table: { sessions: [], locks: [], tokenNext: 0 },
    };
    const log = memoryLog(snapshot, [batch(1, 1, [open('a')]), batch(2, 2, [open('b')])]);
    const losses: string[] = [];
    const replayed: JournalEntry[] = [];
    const follower = new LogFollower(log, {
      restore: () => replayed.splice(0),
      replay: (entries) => replayed.push(...entries),
      dataLoss: (what, detail) => losses.push(`${what}: ${detail}`),
      handedOver: () => {},
      tailFailed: () => {},
      caughtUp: () => {},
      wait: (ms) => new Promise((r) => setTimeout(r, ms)),
    });
    for (let i = 0; i < 2; i++) {
      expect(await follower.load()).toBe(true);
      expect(replayed).toHaveLength(2);
    }
    expect(follower.maxEpoch).toBe(2);
    expect(losses).toEqual([]);
  });

  it('finds a batch of a lower epoch after a higher one in the same generation', async () => {
    const snapshot = {
      id: '0-0',
      seq: 0,
      generation: 'g',
      epoch: 1,
      table: { sessions: [], locks: [], tokenNext: 0 },
    };
    const log = memoryLog(snapshot, [batch(1, 2, [open('a')]), batch(2, 1, [open('b')])]);
    const losses: string[] = [];
    const follower = new LogFollower(log, {
      restore: () => {},
      replay: () => {},
      dataLoss: (what) => losses.push(what),
      handedOver: () => {},
      tailFailed: () => {},
      caughtUp: () => {},
      wait: (ms) => new Promise((r) => setTimeout(r, ms)),
    });
    expect(await follower.load()).toBe(false);
    expect(losses).toContain('epoch');
  });
});

describe('the log follower, caught up', () => {
  /** A log of `count` batches of generation g, read a page at a time; reads from the `failFrom`th on fail. */
  function pagedLog(count: number, failFrom = Infinity): { reader: LogReader; reads: number[] } {
    const batches = Array.from({ length: count }, (_, i) => batch(i + 1, 1, [open(`s${i}`)]));
    const reads: number[] = [];
    const reader = {
      after: async (from: { seq: number }) => {
        if (reads.length >= failFrom) throw new Error('Connection is closed.');
        const page = batches.filter((b) => b.seq > from.seq).slice(0, LOG_PAGE);
        reads.push(page.length);
        return page;
      },
    };
    return { reader: reader as unknown as LogReader, reads };
  }

  /** A follower of `reader` from batch 0 that notes its position each time it is caught up. */
  function follower(reader: LogReader): {
    f: LogFollower;
    caughtUpAt: number[];
    failures: Error[];
  } {
    const caughtUpAt: number[] = [];
    const failures: Error[] = [];
    const f: LogFollower = new LogFollower(reader, {
      restore: () => {},
      replay: () => {},
      dataLoss: () => {},
      handedOver: () => {},
      tailFailed: (err) => failures.push(err),
      caughtUp: () => caughtUpAt.push(f.position.seq),
      wait: async () => {},
    });
    f.seeded('g', 1);
    return { f, caughtUpAt, failures };
  }

  it('is caught up only once a read comes back short of a page, with everything before it applied', async () => {
    const { reader, reads } = pagedLog(LOG_PAGE + 10);
    const { f, caughtUpAt } = follower(reader);
    await f.follow(() => caughtUpAt.length < 2);
    expect(reads).toEqual([LOG_PAGE, 10, 0]);
    // Not after the full first page: the log went on past it.
    expect(caughtUpAt).toEqual([LOG_PAGE + 10, LOG_PAGE + 10]);
  });

  it('is not caught up when its reads fail, and needs a reload', async () => {
    const { reader, reads } = pagedLog(10, 1);
    const { f, caughtUpAt, failures } = follower(reader);
    await f.follow(() => failures.length === 0);
    expect(reads).toEqual([10]);
    expect(caughtUpAt).toEqual([10]);
    expect(f.needsLoad).toBe(true);
  });
});
