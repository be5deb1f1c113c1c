import { describe, expect, it } from 'vitest';
import type { Lease } from '../../client/lease.js';
import { BatonError } from '../../shared/errors.js';
import type { Broker } from '../../server/broker.js';
import { eventually, startBroker, startClient } from '../helpers/harness.js';
import { brokerPair } from '../helpers/broker-pair.js';

/** Settles to the lease, or to 'waiting' if the acquire has not resolved after a round trip. */
async function state(p: Promise<Lease>, broker: Broker, path: string): Promise<Lease | 'waiting'> {
  // The broker has seen every acquire once its queue shows them.
  await eventually(() => (broker.views.queue(path) ? true : undefined));
  return Promise.race([p, new Promise<'waiting'>((r) => setTimeout(() => r('waiting'), 100))]);
}

describe('counting semaphores', () => {
  it('let up to the limit hold at once, each with its own token, and queue the rest in order', async () => {
    const broker = await startBroker();
    const clients = await Promise.all([0, 1, 2, 3, 4].map(() => startClient(broker.url)));
    const leases = await Promise.all(
      clients.slice(0, 3).map((c) => c.acquire('pool', { limit: 3 })),
    );
    expect(new Set(leases.map((l) => l.token)).size).toBe(3);
    const fourth = clients[3]!.acquire('pool', { limit: 3 });
    const fifth = clients[4]!.acquire('pool', { limit: 3 });
    expect(await state(fourth, broker, 'pool')).toBe('waiting');
    expect(await clients[3]!.tryAcquire('other', { limit: 3 })).not.toBeNull();
    const view = broker.views.lock(0, 'pool', {})!;
    expect([view.kind, view.limit, view.holders.length, view.queue.total]).toEqual([
      'semaphore',
      3,
      3,
      2,
    ]);
    await leases[1]!.release();
    const granted = await fourth;
    expect(granted.token).toBeGreaterThan(Math.max(...leases.map((l) => l.token)));
    expect(await state(fifth, broker, 'pool')).toBe('waiting');
    await leases[0]!.release();
    expect((await fifth).token).toBeGreaterThan(granted.token);
  });

  it('refuse an acquire whose limit differs from the one in use, naming both', async () => {
    const broker = await startBroker();
    const a = await startClient(broker.url);
    const b = await startClient(broker.url);
    await a.acquire('pool', { limit: 2 });
    const err = await b.acquire('pool', { limit: 5 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BatonError);
    expect(err).toMatchObject({ code: 'INVALID_OPTION', message: expect.stringMatching(/2.*5/) });
    // A plain acquire asks for limit 1: refused the same way, not queued for ever.
    await expect(b.acquire('pool')).rejects.toMatchObject({ code: 'INVALID_OPTION' });
    await expect(b.acquire('pool', { limit: 2, mode: 'read' })).rejects.toMatchObject({
      code: 'INVALID_OPTION',
    });
  });
});

describe('read/write locks', () => {
  it('let readers share, make a writer wait for them, and queue later readers behind it', async () => {
    const broker = await startBroker();
    const [r1, r2, w, r3] = await Promise.all([0, 1, 2, 3].map(() => startClient(broker.url)));
    const read1 = await r1!.acquire('doc', { mode: 'read' });
    const read2 = await r2!.acquire('doc', { mode: 'read' });
    const write = w!.acquire('doc', { mode: 'write' });
    expect(await state(write, broker, 'doc')).toBe('waiting');
    // Phase-fair: this reader comes after a waiting writer, so it does not share with the readers.
    const read3 = r3!.acquire('doc', { mode: 'read' });
    expect(await state(read3, broker, 'doc')).toBe('waiting');
    expect(broker.views.lock(0, 'doc', {})!.kind).toBe('rw');
    await read1.release();
    expect(await state(write, broker, 'doc')).toBe('waiting');
    await read2.release();
    const writer = await write;
    expect(writer.token).toBeGreaterThan(read2.token);
    expect(await state(read3, broker, 'doc')).toBe('waiting');
    await writer.release();
    expect((await read3).token).toBeGreaterThan(writer.token);
  });
});

describe('lock kinds across a failover', () => {
  it('keep semaphore holders, readers and queues with their modes on the standby that takes over', async () => {
    const { active: a, standby: b, urls } = await brokerPair();
    const clients = await Promise.all([0, 1, 2, 3].map(() => startClient(urls)));
    const [s1, s2] = await Promise.all(
      clients.slice(0, 2).map((c) => c.acquire('pool', { limit: 2, consistency: 'strict' })),
    );
    void clients[2]!.acquire('pool', { limit: 2 }).catch(() => null);
    const reader = await clients[0]!.acquire('doc', { mode: 'read', consistency: 'strict' });
    void clients[1]!.acquire('doc', { mode: 'write' }).catch(() => null);
    void clients[3]!.acquire('doc', { mode: 'read' }).catch(() => null);
    const shape = (broker: Broker) => {
      const pool = broker.views.lock(0, 'pool', {});
      const doc = broker.views.lock(0, 'doc', {});
      return [pool, doc].map((v) =>
        v
          ? [
              v.kind,
              v.limit,
              v.holders.map((h) => [h.token, h.mode]),
              v.queue.items.map((w) => w.mode),
            ]
          : null,
      );
    };
    const want = [
      [
        'semaphore',
        2,
        [
          [s1!.token, 'write'],
          [s2!.token, 'write'],
        ],
        ['write'],
      ],
      ['rw', 1, [[reader.token, 'read']], ['write', 'read']],
    ];
    await eventually(() => (JSON.stringify(shape(a)) === JSON.stringify(want) ? true : undefined));
    await eventually(() => (JSON.stringify(shape(b)) === JSON.stringify(want) ? true : undefined));
    await a.close();
    await eventually(() => (b.role === 'active' ? true : undefined), 5_000, 'b active');
    expect(shape(b)).toEqual(want);
    // The holders resume on b and keep their leases: releasing hands the permit and the lock on.
    await s1!.release();
    await reader.release();
    await eventually(() => {
      const pool = b.views.lock(0, 'pool', {});
      const doc = b.views.lock(0, 'doc', {});
      const passedOn = pool?.queue.total === 0 && doc?.holders[0]?.mode === 'write';
      return passedOn ? true : undefined;
    });
  });
});
