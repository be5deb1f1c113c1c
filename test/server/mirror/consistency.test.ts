import { describe, expect, it } from 'vitest';
import { eventually, startBroker, startClient } from '../../helpers/harness.js';
import { RedisProcess } from '../../helpers/redis-server.js';

describe('consistency levels with Redis away', () => {
  it('keeps granting efficient locks from memory and holds strict ones back, by prefix or by ask', async () => {
    const server = await RedisProcess.start();
    const broker = await startBroker({
      redis: { url: server.url, leaderLeaseMs: 600 },
      table: { consistencyByPrefix: { 'pay/': 'strict' } },
    });
    await eventually(() => (broker.role === 'active' ? true : undefined), 5_000, 'active');
    const client = await startClient(broker.url);
    // With Redis up, both levels grant.
    await (await client.acquire('pay/1', { timeoutMs: 2_000 })).release();
    await (await client.acquire('jobs/1', { timeoutMs: 2_000 })).release();

    await server.kill('SIGKILL');
    await expect(client.acquire('pay/2', { timeoutMs: 500 })).rejects.toMatchObject({
      code: 'TIMEOUT',
    });
    await expect(
      client.acquire('jobs/2', { timeoutMs: 500, consistency: 'strict' }),
    ).rejects.toMatchObject({ code: 'TIMEOUT' });
    const efficient = await client.acquire('jobs/3', { timeoutMs: 2_000 });
    expect(efficient.path).toBe('jobs/3');
    await efficient.release();

    // Redis returns: strict grants flow again once the backlog is durable.
    await server.restart();
    const strict = await client.acquire('pay/3', { timeoutMs: 10_000 });
    expect(strict.token).toBeGreaterThan(efficient.token);
  });
});

describe('a broker that cannot renew its leader lease', () => {
  it('takes strict locks back (their signals abort) and leaves efficient ones', async () => {
    const server = await RedisProcess.start();
    const broker = await startBroker({ redis: { url: server.url, leaderLeaseMs: 600 } });
    await eventually(() => (broker.role === 'active' ? true : undefined), 5_000, 'active');
    const client = await startClient(broker.url);
    const strict = await client.acquire('pay/1', { consistency: 'strict' });
    const efficient = await client.acquire('jobs/1');
    await server.kill('SIGKILL');
    // Another broker could take over once the lease lapses; a strict holder must hear first.
    await eventually(
      () => (strict.signal.aborted ? true : undefined),
      3_000,
      'the strict lease lost',
    );
    expect(strict.signal.reason).toMatchObject({ code: 'LOCK_LOST', reason: 'revoked' });
    expect(efficient.signal.aborted).toBe(false);
    expect(broker.views.queue('pay/1').holder).toBeNull();
  });
});
