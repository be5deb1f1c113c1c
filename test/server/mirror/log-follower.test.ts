import { describe, expect, it } from 'vitest';
import type { JournalEntry } from '../../../server/core/journal.js';
import { LogFollower } from '../../../server/mirror/log-follower.js';
import type { LogBatch, LogReader, SnapshotRecord } from '../../../server/mirror/log-reader.js';

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
      wait: (ms) => new Promise((r) => setTimeout(r, ms)),
    });
    expect(await follower.load()).toBe(false);
    expect(losses).toContain('epoch');
  });
});
