import { Redis } from 'ioredis';
import { describe, expect, it, onTestFinished } from 'vitest';
import { redisKeys } from '../../../server/mirror/keys.js';
import { RedisScripts } from '../../../server/mirror/scripts.js';
import { encodeBatch } from '../../../server/mirror/batch.js';
import { startBroker } from '../../helpers/harness.js';
import { RedisProcess } from '../../helpers/redis-server.js';

/** The Redis URL behind each scripts object, for brokers a test starts on the same server. */
const urls = new WeakMap<RedisScripts, string>();
const urlOf = (s: RedisScripts): string => urls.get(s) as string;

async function scripts(): Promise<{
  redis: Redis;
  s: RedisScripts;
  keys: ReturnType<typeof redisKeys>;
}> {
  const server = await RedisProcess.start();
  const redis = new Redis(server.url, { lazyConnect: true });
  await redis.connect();
  onTestFinished(() => redis.disconnect());
  const keys = redisKeys('baton', 'test');
  const s = new RedisScripts(redis, keys);
  urls.set(s, server.url);
  return { redis, s, keys };
}

describe('Lua scripts', () => {
  it('hands the lease to one broker, raises the epoch on each takeover, and fences the deposed', async () => {
    const { redis, s, keys } = await scripts();
    expect(await s.takeLead('a ws://a', 10_000, 0)).toEqual({ epoch: 1 });
    expect(await s.takeLead('b ws://b', 10_000, 0)).toEqual({ holder: 'a ws://a' });
    expect(await s.appendLog(1, Buffer.from('x'))).toMatch(/^\d+-\d+$/);
    // a's lease lapses; b takes over.
    await redis.del(keys.leader);
    expect(await s.takeLead('b ws://b', 10_000, 0)).toEqual({ epoch: 2 });
    expect(await s.renewLead('a ws://a', 10_000, 1)).toBe(false);
    expect(await s.appendLog(1, Buffer.from('late'))).toBeNull();
    expect(await s.reserveTokens(1, 5, 10)).toBeNull();
    expect(await s.writeSnapshot(1, Buffer.from('s'), '')).toBeNull();
    expect(await redis.xlen(keys.log)).toBe(1);
    expect(await s.renewLead('b ws://b', 10_000, 2)).toBe(true);
    // b's promotion failed and it is a standby again: it may take its own lease anew.
    expect(await s.takeLead('b ws://b', 10_000, 2)).toEqual({ epoch: 3 });
    expect(await s.takeLead('a ws://a', 10_000, 1)).toEqual({ holder: 'b ws://b' });
  });

  it('never lowers the epoch below what a broker has seen, even after Redis lost it', async () => {
    const { redis, s } = await scripts();
    await redis.flushall();
    expect(await s.takeLead('a ws://a', 10_000, 41)).toEqual({ epoch: 42 });
  });

  it('reserves token blocks above the stored mark and the floor, exactly past 2^50', async () => {
    const { s } = await scripts();
    const { epoch } = (await s.takeLead('a ws://a', 10_000, 0)) as { epoch: number };
    const big = 2 ** 50 + 3;
    expect(await s.reserveTokens(epoch, big, 1_000)).toEqual({ start: big, limit: big + 1_000 });
    expect(await s.reserveTokens(epoch, 5, 10)).toEqual({ start: big + 1_000, limit: big + 1_010 });
  });
});

describe('a batch appended twice', () => {
  it('is applied once by a standby (an append retried after its reply was lost)', async () => {
    const { s } = await scripts();
    const { epoch } = (await s.takeLead('a ws://a', 10_000, 0)) as { epoch: number };
    const first = encodeBatch({ seq: 1, entries: [['open', 'sess', 'secret', 10_000, '']] });
    await s.appendLog(epoch, first);
    await s.appendLog(epoch, first);
    const second = encodeBatch({ seq: 2, entries: [['grant', 'sess', 1, 'p', 7, true]] });
    await s.appendLog(epoch, second);
    const standby = await startBroker({ redis: { url: urlOf(s), cluster: 'test' } });
    expect(standby.role).toBe('standby');
    expect(standby.view.hasSession('sess')).toBe(true);
    expect(standby.view.viewLock('p').holder).toEqual({
      sessionId: 'sess',
      requestId: 1,
      token: 7,
    });
  });
});
