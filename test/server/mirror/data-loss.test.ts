import { Redis } from 'ioredis';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { Broker } from '../../../server/broker.js';
import type { BrokerOptions } from '../../../server/broker-options.js';
import { redisKeys } from '../../../server/mirror/keys.js';
import { eventually, sleep, startBroker, startClient, tempDir } from '../../helpers/harness.js';
import { RedisProcess } from '../../helpers/redis-server.js';
import { TcpProxy } from '../../helpers/tcp-proxy.js';

const LEASE_MS = 500;
const keys = redisKeys('baton', 'main');

/** A Redis, an active broker and a standby on it, and a plain client of that Redis. */
async function pair(extra: BrokerOptions = {}) {
  const server = await RedisProcess.start();
  const redis = new Redis(server.url);
  onTestFinished(() => redis.disconnect());
  const options = { ...extra, redis: { url: server.url, leaderLeaseMs: LEASE_MS } };
  const a = await startBroker(options);
  await eventually(() => (a.role === 'active' ? true : undefined), 5_000, 'a active');
  const b = await startBroker(options);
  expect(b.role).toBe('standby');
  return { server, redis, a, b, options };
}

const losses = (broker: Broker): number => broker.mirrorStatus?.dataLosses ?? 0;
const generation = (broker: Broker): string => broker.mirrorStatus?.generation ?? '';

describe('Redis losing its data while the active broker lives', () => {
  it('FLUSHALL: the active broker seeds a new generation from its table and keeps every session, hold and queue place', async () => {
    const { redis, a, b } = await pair();
    const holder = await startClient([a.url, b.url]);
    const waiter = await startClient([a.url, b.url]);
    const held = await holder.acquire('p', { consistency: 'strict' });
    const waiting = waiter.acquire('p', { consistency: 'strict' });
    await eventually(() => (b.views.queue('p').queue.length === 1 ? true : undefined));
    const before = { generation: generation(a), epoch: a.admin.overview().epoch };

    await redis.flushall();
    await eventually(
      () => (generation(a) !== before.generation ? true : undefined),
      5_000,
      'a reseed',
    );
    expect(a.role).toBe('active');
    expect(losses(a)).toBeGreaterThan(0);
    expect(a.admin.overview().epoch).toBeGreaterThan(before.epoch);
    expect(a.views.queue('p')).toMatchObject({ holder: { token: held.token } });
    expect(a.views.queue('p').queue).toHaveLength(1);
    // The standby follows the new generation, and never took over.
    await eventually(() => (generation(b) === generation(a) ? true : undefined), 5_000, 'b reload');
    expect(b.role).toBe('standby');
    expect(b.views.queue('p')).toMatchObject({ holder: { token: held.token } });
    expect(held.signal.aborted).toBe(false);

    await held.release();
    const next = await waiting;
    expect(next.token).toBeGreaterThan(held.token);
    expect(await redis.get(keys.generation)).toBe(generation(a));
  });

  it('only the log or only the epoch key lost: the active broker reseeds, and epochs only go up', async () => {
    const { redis, a, b } = await pair();
    const client = await startClient([a.url, b.url]);
    const held = await client.acquire('kept', { consistency: 'strict' });
    for (const loss of [() => redis.del(keys.log), () => redis.del(keys.epoch, keys.leader)]) {
      const gen = generation(a);
      const epoch = a.admin.overview().epoch;
      await loss();
      // Something to append, so the loss of the log shows at once.
      await (await client.acquire(`touch/${epoch}`)).release();
      await eventually(() => (generation(a) !== gen ? true : undefined), 5_000, 'a reseed');
      expect(a.admin.overview().epoch).toBeGreaterThan(epoch);
      expect(a.role).toBe('active');
      expect(b.role).toBe('standby');
    }
    await eventually(() => (b.views.queue('kept').holder ? true : undefined), 5_000, 'b follows');
    expect(b.views.queue('kept').holder?.token).toBe(held.token);
    expect(losses(a)).toBeGreaterThanOrEqual(2);
  });

  it('a leader key gone before its TTL: the standby waits, the live leader takes it back', async () => {
    const { redis, a, b } = await pair();
    const epoch = a.admin.overview().epoch;
    // Gone for half a lease at a time: the standby looks every third of one and sees it gone.
    for (let round = 0; round < 3; round++) {
      for (let t = 0; t < LEASE_MS / 2; t += 10) {
        await redis.del(keys.leader);
        await sleep(10);
      }
      await sleep(LEASE_MS / 2);
    }
    await sleep(LEASE_MS);
    expect(a.role).toBe('active');
    expect(b.role).toBe('standby');
    expect(a.admin.overview().epoch).toBe(epoch);
    expect(losses(b)).toBeGreaterThan(0);
  });
});

describe('Redis losing its data when the active broker died too', () => {
  it('the standby takes over from its own table and grants nothing strict for a session TTL', async () => {
    const maxSessionTtlMs = 2_000;
    const server = await RedisProcess.start();
    const redis = new Redis(server.url);
    onTestFinished(() => redis.disconnect());
    // The active broker reaches Redis through a proxy: cutting it is its death, as far as Redis knows.
    const proxy = await TcpProxy.start(server.port);
    const options = {
      table: { maxSessionTtlMs, consistencyByPrefix: { 'strict/': 'strict' as const } },
    };
    const redisOptions = { leaderLeaseMs: LEASE_MS };
    const a = await startBroker({
      ...options,
      redis: { ...redisOptions, url: `redis://127.0.0.1:${proxy.port}` },
    });
    await eventually(() => (a.role === 'active' ? true : undefined), 5_000, 'a active');
    const b = await startBroker({ ...options, redis: { ...redisOptions, url: server.url } });
    const holder = await startClient([a.url, b.url], { sessionTtlMs: 1_000 });
    const lease = await holder.acquire('held', { consistency: 'strict' });
    await eventually(() => (b.views.queue('held').holder ? true : undefined), 5_000, 'b warm');
    await proxy.close();
    await redis.flushall();
    await a.close();

    await eventually(() => (b.role === 'active' ? true : undefined), 5_000, 'b takes over');
    const grace = b.admin.overview().strictGraceMs;
    expect(grace).toBeGreaterThan(maxSessionTtlMs / 2);
    expect(losses(b)).toBeGreaterThan(0);
    // It kept what it knew: the holder resumes its session and its lock.
    expect(b.views.queue('held').holder?.token).toBe(lease.token);
    const other = await startClient(b.url);
    expect(await other.tryAcquire('strict/free')).toBeNull();
    expect(await other.tryAcquire('free')).not.toBeNull();
    const strict = other.acquire('strict/free');
    await eventually(() => (b.admin.overview().strictGraceMs === 0 ? true : undefined), 5_000);
    expect((await strict).token).toBeGreaterThan(lease.token);
  });

  it('a broker that cannot read the dataset (its snapshot lost) still takes over, with the grace', async () => {
    const server = await RedisProcess.start();
    const redis = new Redis(server.url);
    onTestFinished(() => redis.disconnect());
    const proxy = await TcpProxy.start(server.port);
    const options = { table: { maxSessionTtlMs: 2_000 } };
    const a = await startBroker({
      ...options,
      redis: { leaderLeaseMs: LEASE_MS, url: `redis://127.0.0.1:${proxy.port}` },
    });
    await eventually(() => (a.role === 'active' ? true : undefined), 5_000, 'a active');
    const client = await startClient(a.url);
    await client.acquire('held', { consistency: 'strict' });
    await proxy.close();
    await redis.del(keys.snapshot);
    const c = await startBroker({
      ...options,
      redis: { leaderLeaseMs: LEASE_MS, url: server.url },
    });
    await eventually(() => (c.role === 'active' ? true : undefined), 5_000, 'c takes over');
    expect(c.admin.overview().strictGraceMs).toBeGreaterThan(1_000);
    expect(losses(c)).toBeGreaterThan(0);
    await a.close();
  });

  it('a broker restarted on its data dir after the loss knows of it and waits out the grace too', async () => {
    const server = await RedisProcess.start();
    const redis = new Redis(server.url);
    onTestFinished(() => redis.disconnect());
    const dataDir = tempDir();
    const options = {
      dataDir,
      table: { maxSessionTtlMs: 2_000 },
      redis: { url: server.url, leaderLeaseMs: LEASE_MS },
    };
    const first = await startBroker(options);
    await eventually(() => (first.role === 'active' ? true : undefined), 5_000, 'active');
    await first.close();
    await redis.flushall();
    const again = await startBroker(options);
    await eventually(() => (again.role === 'active' ? true : undefined), 5_000, 'active again');
    expect(again.admin.overview().strictGraceMs).toBeGreaterThan(1_000);
    // A broker that never knew a dataset starts a new deployment without one.
    const fresh = await RedisProcess.start();
    const newcomer = await startBroker({
      ...options,
      dataDir: tempDir(),
      redis: { url: fresh.url, leaderLeaseMs: LEASE_MS },
    });
    await eventually(
      () => (newcomer.role === 'active' ? true : undefined),
      5_000,
      'new deployment',
    );
    expect(newcomer.admin.overview().strictGraceMs).toBe(0);
  });
});

describe('a planned handover', () => {
  it('moves every session, hold and queue place to the standby, which grants at once', async () => {
    const { a, b } = await pair();
    const holder = await startClient([a.url, b.url]);
    const waiter = await startClient([a.url, b.url]);
    const held = await holder.acquire('p', { consistency: 'strict' });
    const waiting = waiter.acquire('p', { consistency: 'strict' });
    await eventually(() => (b.views.queue('p').queue.length === 1 ? true : undefined));

    await a.handOver();
    await eventually(() => (b.role === 'active' ? true : undefined), 2_000, 'b active');
    expect(b.admin.overview().strictGraceMs).toBe(0);
    expect(b.views.queue('p')).toMatchObject({ holder: { token: held.token } });
    expect(b.views.queue('p').queue).toHaveLength(1);
    await eventually(() =>
      holder.session && b.views.hasSession(holder.session) ? true : undefined,
    );
    expect(held.signal.aborted).toBe(false);
    await held.release();
    expect((await waiting).token).toBeGreaterThan(held.token);
  });

  it('does not hang when Redis cannot take the last batch: the broker just closes', async () => {
    const { server, a, b } = await pair();
    const client = await startClient([a.url, b.url]);
    await client.acquire('before');
    await server.kill('SIGSTOP');
    onTestFinished(() => server.kill('SIGCONT'));
    // A strict grant waits on a batch Redis will not take.
    void client.acquire('stuck', { consistency: 'strict' }).catch(() => null);
    await eventually(() => (a.views.queue('stuck').holder ? true : undefined));
    // Resolves (the test's timeout is the bound): the flush waits one leader lease at most.
    await a.handOver();
    expect(a.role).toBe('standby');
  });
});
