import { Redis } from 'ioredis';
import { describe, expect, it, onTestFinished } from 'vitest';
import { redisKeys } from '../../../server/mirror/keys.js';
import { eventually, sleep, startBroker, startClient } from '../../helpers/harness.js';
import { RedisProcess } from '../../helpers/redis-server.js';

describe('append linger', () => {
  it('lets efficient changes gather, but appends at once for a strict grant', async () => {
    const server = await RedisProcess.start();
    const broker = await startBroker({ redis: { url: server.url, appendLingerMs: 1_000 } });
    await eventually(() => (broker.role === 'active' ? true : undefined), 5_000, 'active');
    const redis = new Redis(server.url);
    onTestFinished(() => redis.disconnect());
    const log = redisKeys('baton', 'main').log;
    const client = await startClient(broker.url);
    await eventually(async () => ((await redis.xlen(log)) > 0 ? true : undefined));
    const before = await redis.xlen(log);

    // Efficient: granted from memory; its entries wait out the linger.
    for (let i = 0; i < 5; i++) await (await client.acquire(`e${i}`)).release();
    await sleep(200);
    expect(await redis.xlen(log)).toBe(before);

    // Strict: pushed only once durable, and durability does not wait for the linger.
    const started = performance.now();
    const lease = await client.acquire('s', { consistency: 'strict' });
    expect(performance.now() - started).toBeLessThan(500);
    expect(await redis.xlen(log)).toBe(before + 1);
    await lease.release();
  });
});
