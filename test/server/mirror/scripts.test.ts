import { Redis } from 'ioredis';
import { describe, expect, it, onTestFinished } from 'vitest';
import { encodeEntries, encodeTable } from '../../../server/mirror/batch.js';
import { redisKeys } from '../../../server/mirror/keys.js';
import { LogReader } from '../../../server/mirror/log-reader.js';
import { RedisScripts, type Owner } from '../../../server/mirror/scripts.js';
import { startBroker } from '../../helpers/harness.js';
import { RedisProcess } from '../../helpers/redis-server.js';

const EMPTY_TABLE = encodeTable({ sessions: [], locks: [], tokenNext: 0 });
const LEASE = 10_000;

async function scripts(): Promise<{
  redis: Redis;
  s: RedisScripts;
  keys: ReturnType<typeof redisKeys>;
  url: string;
}> {
  const server = await RedisProcess.start();
  const redis = new Redis(server.url, { lazyConnect: true });
  await redis.connect();
  onTestFinished(() => redis.disconnect());
  const keys = redisKeys('baton', 'test');
  return { redis, s: new RedisScripts(redis, keys), keys, url: server.url };
}

/** Seeds generation `next` for broker `me` and returns its owner. */
async function seeded(
  s: RedisScripts,
  me = 'a ws://a',
  next = 'g1',
  previous = '',
): Promise<Owner> {
  const seed = { previous, next, seenEpoch: 0, tokenMark: 0 };
  const outcome = await s.seedGeneration(me, LEASE, seed, EMPTY_TABLE);
  if (outcome.status !== 'done') throw new Error(`not seeded: ${JSON.stringify(outcome)}`);
  return { generation: next, epoch: outcome.value };
}

const batch = (n: number): Buffer => encodeEntries([['open', `s${n}`, 'secret', 10_000, '']]);

describe('Lua scripts', () => {
  it('hands the lease to one broker, raises the epoch on each takeover, and fences the deposed', async () => {
    const { redis, s, keys } = await scripts();
    expect(await s.takeLead('a ws://a', LEASE, 0, '')).toEqual({
      status: 'lost',
      what: 'generation',
    });
    const a = await seeded(s);
    expect(a).toEqual({ generation: 'g1', epoch: 1 });
    expect(await s.takeLead('b ws://b', LEASE, 0, 'g1')).toMatchObject({
      status: 'held',
      holder: 'a ws://a',
    });
    expect(await s.appendLog(a, 1, batch(1))).toMatchObject({ status: 'done' });
    // a's lease lapses; b takes over.
    await redis.del(keys.leader);
    expect(await s.takeLead('b ws://b', LEASE, 1, 'g1')).toEqual({
      status: 'taken',
      epoch: 2,
      epochLost: false,
    });
    const b: Owner = { generation: 'g1', epoch: 2 };
    expect(await s.renewLead('a ws://a', LEASE, a, 1)).toEqual({ status: 'fenced', why: 'epoch' });
    expect(await s.appendLog(a, 2, batch(2))).toEqual({ status: 'fenced', why: 'epoch' });
    expect(await s.reserveTokens(a, 5, 10)).toEqual({ status: 'fenced', why: 'epoch' });
    expect(await s.writeSnapshot(a, 1, EMPTY_TABLE, '')).toEqual({
      status: 'fenced',
      why: 'epoch',
    });
    expect(await redis.xlen(keys.log)).toBe(1);
    expect(await s.renewLead('b ws://b', LEASE, b, 1)).toEqual({ status: 'done', value: null });
    expect(await s.appendLog(b, 2, batch(2))).toMatchObject({ status: 'done' });
    // A broker that knows another generation is told to load it first.
    expect(await s.takeLead('c ws://c', LEASE, 0, '')).toEqual({
      status: 'moved',
      generation: 'g1',
    });
  });

  it('applies a retried append once, and refuses a batch that does not follow the log', async () => {
    const { s, keys, redis } = await scripts();
    const a = await seeded(s);
    const first = await s.appendLog(a, 1, batch(1));
    expect(await s.appendLog(a, 1, batch(1))).toEqual(first);
    expect(await s.appendLog(a, 3, batch(3))).toEqual({ status: 'lost', what: 'log' });
    expect(await redis.xlen(keys.log)).toBe(1);
    const reader = new LogReader(redis, keys);
    const read = await reader.after({ id: '0-0', seq: 0 });
    expect(read.map((b) => [b.seq, b.generation, b.epoch])).toEqual([[1, 'g1', 1]]);
  });

  it('finds each kind of data loss the leader can see', async () => {
    const { s, keys, redis } = await scripts();
    const a = await seeded(s);
    await s.appendLog(a, 1, batch(1));
    await s.appendLog(a, 2, batch(2));
    // The log lost its end (an older copy, a lagging replica).
    const [newest] = await redis.xrevrange(keys.log, '+', '-', 'COUNT', 1);
    await redis.xdel(keys.log, newest![0]);
    expect(await s.renewLead('a ws://a', LEASE, a, 2)).toEqual({ status: 'lost', what: 'log' });
    expect(await s.appendLog(a, 3, batch(3))).toEqual({ status: 'lost', what: 'log' });
    // The snapshot is gone.
    await redis.del(keys.snapshot);
    expect(await s.renewLead('a ws://a', LEASE, a, 1)).toEqual({
      status: 'lost',
      what: 'snapshot',
    });
    // The epoch key went back, or is gone.
    await redis.set(keys.epoch, '0');
    expect(await s.appendLog(a, 2, batch(2))).toEqual({ status: 'lost', what: 'epoch' });
    await redis.del(keys.epoch);
    expect(await s.reserveTokens(a, 5, 10)).toEqual({ status: 'lost', what: 'epoch' });
    // Everything is gone.
    await redis.flushall();
    expect(await s.renewLead('a ws://a', LEASE, a, 0)).toEqual({
      status: 'lost',
      what: 'generation',
    });
  });

  it('seeds a new generation once, with an epoch above every one seen, and keeps the token mark up', async () => {
    const { s, keys, redis } = await scripts();
    const a = await seeded(s);
    await s.reserveTokens(a, 100, 1_000);
    await redis.flushall();
    // Two brokers race to seed after the loss: the second is fenced.
    const seed = { previous: 'g1', next: 'g2', seenEpoch: 41, tokenMark: 1_100 };
    expect(await s.seedGeneration('a ws://a', LEASE, seed, EMPTY_TABLE)).toEqual({
      status: 'done',
      value: 42,
    });
    const late = { previous: 'g1', next: 'g3', seenEpoch: 42, tokenMark: 0 };
    expect(await s.seedGeneration('b ws://b', LEASE, late, EMPTY_TABLE)).toEqual({
      status: 'fenced',
      why: 'generation',
    });
    expect(await redis.get(keys.generation)).toBe('g2');
    expect(await redis.get(keys.tokens)).toBe('1100');
    const g2: Owner = { generation: 'g2', epoch: 42 };
    expect(await s.reserveTokens(g2, 5, 10)).toEqual({
      status: 'done',
      value: { start: 1_100, limit: 1_110 },
    });
    // A live leader reseeds over its own generation, but not over an epoch it has not seen.
    await redis.set(keys.epoch, '43');
    const reseed = { previous: 'g2', next: 'g4', seenEpoch: 42, tokenMark: 0 };
    expect(await s.seedGeneration('a ws://a', LEASE, reseed, EMPTY_TABLE)).toEqual({
      status: 'fenced',
      why: 'epoch',
    });
  });

  it('takes a generation below the epoch a broker has seen for an older copy: lost, and replaced', async () => {
    const { s, redis, keys } = await scripts();
    const old = await seeded(s);
    await s.appendLog(old, 1, batch(1));
    // The leader reseeds (epoch 2), then Redis comes back from a copy made before that.
    const reseed = { previous: 'g1', next: 'g2', seenEpoch: 1, tokenMark: 0 };
    expect(await s.seedGeneration('a ws://a', LEASE, reseed, EMPTY_TABLE)).toEqual({
      status: 'done',
      value: 2,
    });
    await redis.set(keys.generation, 'g1');
    await redis.set(keys.epoch, '1');
    await redis.del(keys.leader);
    const g2: Owner = { generation: 'g2', epoch: 2 };
    expect(await s.appendLog(g2, 1, batch(2))).toEqual({ status: 'lost', what: 'generation' });
    expect(await s.renewLead('a ws://a', LEASE, g2, 0)).toEqual({
      status: 'lost',
      what: 'generation',
    });
    // A broker of epoch 1 sees a newer broker instead.
    expect(await s.appendLog({ generation: 'g3', epoch: 1 }, 1, batch(2))).toEqual({
      status: 'fenced',
      why: 'generation',
    });
    const again = { previous: 'g2', next: 'g4', seenEpoch: 2, tokenMark: 0 };
    expect(await s.seedGeneration('a ws://a', LEASE, again, EMPTY_TABLE)).toEqual({
      status: 'done',
      value: 3,
    });
  });

  it('reserves token blocks above the stored mark and the floor, exactly past 2^50', async () => {
    const { s } = await scripts();
    const a = await seeded(s);
    const big = 2 ** 50 + 3;
    expect(await s.reserveTokens(a, big, 1_000)).toEqual({
      status: 'done',
      value: { start: big, limit: big + 1_000 },
    });
    expect(await s.reserveTokens(a, 5, 10)).toEqual({
      status: 'done',
      value: { start: big + 1_000, limit: big + 1_010 },
    });
  });

  it('hands over: the last batch is marked and the lease given up', async () => {
    const { s, keys, redis } = await scripts();
    const a = await seeded(s);
    await s.appendLog(a, 1, batch(1));
    expect(await s.handOver(a, 3, encodeEntries([]), 'a ws://a')).toEqual({
      status: 'lost',
      what: 'log',
    });
    expect(await s.handOver(a, 2, encodeEntries([]), 'a ws://a')).toMatchObject({
      status: 'done',
    });
    expect(await redis.get(keys.leader)).toBeNull();
    const read = await new LogReader(redis, keys).after({ id: '0-0', seq: 0 });
    expect(read.map((b) => [b.seq, b.handover])).toEqual([
      [1, false],
      [2, true],
    ]);
  });
});

describe('a standby started on a log written by hand', () => {
  it('loads the snapshot and the batches after it', async () => {
    const { s, url } = await scripts();
    const a = await seeded(s);
    await s.appendLog(a, 1, encodeEntries([['open', 'sess', 'secret', 10_000, '']]));
    await s.appendLog(a, 2, encodeEntries([['grant', 'sess', 1, 'p', 7, true]]));
    const standby = await startBroker({ redis: { url, cluster: 'test' } });
    expect(standby.role).toBe('standby');
    expect(standby.views.hasSession('sess')).toBe(true);
    expect(standby.views.queue('p').holder).toEqual({
      sessionId: 'sess',
      requestId: 1,
      token: 7,
    });
  });
});
