import { Redis } from 'ioredis';
import { describe, expect, it, onTestFinished } from 'vitest';
import { redisKeys } from '../../../server/mirror/keys.js';
import { eventually, startBroker, startClient } from '../../helpers/harness.js';
import { RedisProcess } from '../../helpers/redis-server.js';

describe('Redis-backed brokers in one process', () => {
  it('snapshots and trims the log, and a standby started later rebuilds the table from both', async () => {
    const server = await RedisProcess.start();
    const redisOptions = { url: server.url, leaderLeaseMs: 500, snapshotEveryEntries: 50 };
    const a = await startBroker({ redis: redisOptions });
    await eventually(() => (a.role === 'active' ? true : undefined), 5_000, 'a active');
    const client = await startClient(a.url);
    for (let i = 0; i < 200; i++) await (await client.acquire(`p${i % 7}`)).release();
    const held = await client.acquire('kept', { consistency: 'strict' });
    const other = await startClient(a.url);
    // Still waiting when the test ends; the client's close rejects it.
    void other.acquire('kept').catch(() => null);
    await eventually(() => (a.views.queue('kept').queue.length === 1 ? true : undefined));

    const redis = new Redis(server.url);
    onTestFinished(() => redis.disconnect());
    const keys = redisKeys('baton', 'main');
    // 400+ entries were written; trimming keeps about two snapshot intervals of batches.
    await eventually(async () => ((await redis.hget(keys.snapshot, 'id')) ? true : undefined));
    expect(await redis.xlen(keys.log)).toBeLessThan(200);
    const { lag } = a.mirrorStatus!;
    expect(lag.batches).toBeGreaterThan(0);

    const b = await startBroker({ redis: redisOptions });
    expect(b.role).toBe('standby');
    await eventually(
      () => (b.views.queue('kept').queue.length === 1 ? true : undefined),
      5_000,
      'b warm',
    );
    expect(b.views.queue('kept').holder?.token).toBe(held.token);
    // The active broker goes away without a word; b takes over once the lease lapses.
    await a.close();
    await eventually(() => (b.role === 'active' ? true : undefined), 5_000, 'b active');
    const survivor = await startClient(b.url);
    expect(await survivor.tryAcquire('kept')).toBeNull();
    expect(b.views.queue('kept').queue).toHaveLength(1);
  });
});
