import { describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../../server/admin/admin-types.js';
import { EVENT_STREAM_LIMITS } from '../../../server/admin/event-stream.js';
import { eventually, startClient } from '../../helpers/harness.js';
import { brokerWithAdmin, openStream, type Update } from './admin-harness.js';

describe('/api/events', () => {
  it('sends the state at once, then a batched update after a grant', async () => {
    const { broker, admin } = await brokerWithAdmin();
    const stream = await openStream(admin);
    expect(stream.status).toBe(200);
    const [first] = await eventually(() => (stream.updates.length ? stream.updates : undefined));
    expect(first?.data).toMatchObject({ history: [], changed: [], overview: { locksHeld: 0 } });

    const client = await startClient(broker.url);
    const lease = await client.acquire('live/a');
    const update = await eventually(
      () => stream.updates.find((u) => u.data.history.length > 0),
      3_000,
      'an update with history',
    );
    expect(update.data.history).toEqual([
      expect.objectContaining({ kind: 'grant', path: 'live/a', token: lease.token }),
    ]);
    expect(update.data.changed).toEqual(['live/a']);
    expect(update.data.overview).toMatchObject({ locksHeld: 1, sessions: 1 });
  });

  it('batches a burst into few updates at least a batch apart, losing no event', async () => {
    const { broker, admin } = await brokerWithAdmin();
    const stream = await openStream(admin);
    await eventually(() => (stream.updates.length ? true : undefined));
    const client = await startClient(broker.url);
    const cycles = 40;
    for (let i = 0; i < cycles; i++) await (await client.acquire(`burst/${i % 4}`)).release();
    const events = (): HistoryEvent[] => stream.updates.flatMap((u) => u.data.history);
    await eventually(() => (events().length >= 2 * cycles ? true : undefined), 3_000, 'all events');
    expect(events().filter((e) => e.kind === 'grant')).toHaveLength(cycles);
    expect(events().filter((e) => e.kind === 'release')).toHaveLength(cycles);
    const withHistory = stream.updates.filter((u) => u.data.history.length > 0);
    expect(withHistory.length).toBeLessThan(cycles);
    for (let i = 1; i < stream.updates.length; i++) {
      const gap = (stream.updates[i]?.at ?? 0) - (stream.updates[i - 1]?.at ?? 0);
      // The first update is sent on connect; the ticker's own come a batch apart (less timer jitter).
      if (i > 1) expect(gap).toBeGreaterThan(EVENT_STREAM_LIMITS.batchMs - 50);
    }
    const changed = new Set(withHistory.flatMap((u) => u.data.changed));
    expect([...changed].sort()).toEqual(['burst/0', 'burst/1', 'burst/2', 'burst/3']);
  });

  it('tells where waiters joined, with each changed queue, until it empties', async () => {
    const { broker, admin } = await brokerWithAdmin();
    const holder = await startClient(broker.url);
    const lease = await holder.acquire('line/a');
    const stream = await openStream(admin);
    await eventually(() => (stream.updates.length ? true : undefined));
    const queueOf = (u: Update) => u.queues.find((q) => q.path === 'line/a');
    /** The first update after `from` whose figures for line/a match. */
    const figures = (from: number, match: (waiting: number) => boolean) =>
      eventually(
        () => {
          const u = stream.updates.slice(from).find((x) => match(queueOf(x.data)?.waiting ?? -1));
          return u && { data: u.data, index: stream.updates.indexOf(u) };
        },
        3_000,
        'figures for line/a',
      );

    const waiters = await Promise.all([startClient(broker.url), startClient(broker.url)]);
    const grants = waiters.map((w) => w.acquire('line/a'));
    // No history event: the queue grew, and the update says so.
    const grown = await figures(0, (waiting) => waiting === 2);
    expect(grown.data.history).toEqual([]);
    expect(grown.data.changed).toEqual(['line/a']);
    expect(grown.data.queues).toEqual([
      { path: 'line/a', waiting: 2, longestWaitMs: expect.any(Number) },
    ]);

    await lease.release();
    const next = await grants[0]!;
    const shorter = await figures(grown.index + 1, (waiting) => waiting === 1);
    expect(shorter.data.changed).toEqual(['line/a']);
    await next.release();
    await (await grants[1]!).release();
    // Nobody holds or waits: the lock is forgotten, and its queue is empty.
    const empty = await figures(shorter.index + 1, (waiting) => waiting === 0);
    expect(queueOf(empty.data)).toEqual({ path: 'line/a', waiting: 0, longestWaitMs: 0 });
  });

  it('sends an update every 2 s when nothing happens', async () => {
    const { admin } = await brokerWithAdmin();
    const stream = await openStream(admin);
    await eventually(() => (stream.updates.length >= 2 ? true : undefined), 3_500, 'idle update');
    const [first, second] = stream.updates;
    expect(second!.data.history).toEqual([]);
    expect(second!.at - first!.at).toBeGreaterThan(EVENT_STREAM_LIMITS.idleUpdateMs - 300);
    expect(second!.data.overview.uptimeMs).toBeGreaterThan(first!.data.overview.uptimeMs);
  });

  it('holds at most 100 streams at once', async () => {
    const { admin } = await brokerWithAdmin();
    const streams = await Promise.all(
      Array.from({ length: EVENT_STREAM_LIMITS.maxClients }, () => openStream(admin)),
    );
    expect(streams.every((s) => s.status === 200)).toBe(true);
    const refused = await openStream(admin);
    expect(refused.status).toBe(503);
    streams[0]!.close();
    const admitted = await eventually(async () => {
      const s = await openStream(admin);
      return s.status === 200 ? s : undefined;
    });
    expect(admitted.status).toBe(200);
  });
});
