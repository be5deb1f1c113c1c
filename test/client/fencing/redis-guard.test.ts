import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  FENCED_WRITE_LUA,
  FENCED_WRITE_SHA1,
  fencedHset,
  fencedSet,
  fenceKeyFor,
  MAX_HSET_FIELDS,
} from '../../../client/fencing/index.js';
import { RedisProcess } from '../../helpers/redis-server.js';

// The Redis guard against a real redis-server on a free port (never 6379).

async function redisClient(): Promise<Redis> {
  const server = await RedisProcess.start();
  const redis = new Redis(server.url, { maxRetriesPerRequest: 2 });
  onTestFinished(() => redis.disconnect());
  return redis;
}

const MAX = Number.MAX_SAFE_INTEGER;

describe('fencedSet', () => {
  it('writes for the first token, a larger one and an equal one; refuses a smaller one and keeps the value', async () => {
    const redis = await redisClient();
    const key = 'doc:1';
    expect(await fencedSet(redis, { key, token: 10, value: 'a' })).toEqual({
      accepted: true,
      newest: 10,
    });
    expect(await fencedSet(redis, { key, token: 12, value: 'b' })).toEqual({
      accepted: true,
      newest: 12,
    });
    expect(await fencedSet(redis, { key, token: 12, value: 'c' })).toEqual({
      accepted: true,
      newest: 12,
    });
    expect(await fencedSet(redis, { key, token: 11, value: 'stale' })).toEqual({
      accepted: false,
      newest: 12,
    });
    expect(await redis.get(key)).toBe('c');
    expect(await redis.get('{doc:1}:fence')).toBe('12');
  });

  it('compares tokens near 2^53 exactly, and stores them digit for digit', async () => {
    const redis = await redisClient();
    const key = 'big';
    expect((await fencedSet(redis, { key, token: MAX, value: 'top' })).accepted).toBe(true);
    expect(await fencedSet(redis, { key, token: MAX - 1, value: 'below' })).toEqual({
      accepted: false,
      newest: MAX,
    });
    // Lua's tostring would have written 9.007199254741e+15.
    expect(await redis.get(fenceKeyFor(key))).toBe(String(MAX));
    expect(await redis.get(key)).toBe('top');
  });

  it('puts a TTL on the data key only: the fence outlives it', async () => {
    const redis = await redisClient();
    await fencedSet(redis, { key: 'cache', token: 5, value: 'v', pxMs: 60_000 });
    const ttl = await redis.pttl('cache');
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
    expect(await redis.pttl(fenceKeyFor('cache'))).toBe(-1);
  });

  it('uses a fence key of the caller’s choosing', async () => {
    const redis = await redisClient();
    await fencedSet(redis, { key: 'k', fenceKey: 'fences:k', token: 7, value: 'v' });
    expect(await redis.get('fences:k')).toBe('7');
    expect(
      (await fencedSet(redis, { key: 'k', fenceKey: 'fences:k', token: 6, value: 'x' })).accepted,
    ).toBe(false);
  });

  it('loads its script again after SCRIPT FLUSH (EVALSHA answers NOSCRIPT)', async () => {
    const redis = await redisClient();
    await redis.script('FLUSH');
    expect((await fencedSet(redis, { key: 'k', token: 3, value: 'v' })).accepted).toBe(true);
    expect(await redis.script('EXISTS', FENCED_WRITE_SHA1)).toEqual([1]);
  });

  it('refuses, without writing, when the fence key holds something that is not a token', async () => {
    const redis = await redisClient();
    await redis.set(fenceKeyFor('k'), 'garbage');
    await expect(fencedSet(redis, { key: 'k', token: 3, value: 'v' })).rejects.toThrow(
      /FENCE_STORED/,
    );
    expect(await redis.get('k')).toBeNull();
  });

  it('leaves the fence as it was when the write itself fails (a hash field on a string key)', async () => {
    const redis = await redisClient();
    await fencedSet(redis, { key: 'k', token: 3, value: 'string' });
    await expect(fencedHset(redis, { key: 'k', token: 9, fields: { f: 'v' } })).rejects.toThrow(
      /WRONGTYPE/,
    );
    expect(await redis.get(fenceKeyFor('k'))).toBe('3');
  });

  it('refuses bad input before it reaches Redis', async () => {
    const redis = await redisClient();
    const bad: [Parameters<typeof fencedSet>[1], RegExp][] = [
      [{ key: 'k', token: 0, value: 'v' }, /token/],
      [{ key: 'k', token: -1, value: 'v' }, /token/],
      [{ key: 'k', token: 1.5, value: 'v' }, /token/],
      [{ key: 'k', token: MAX + 1, value: 'v' }, /token/],
      [{ key: 'k', token: '5' as unknown as number, value: 'v' }, /token/],
      [{ key: '', token: 1, value: 'v' }, /key/],
      [{ key: 'k', fenceKey: 'k', token: 1, value: 'v' }, /fenceKey/],
      [{ key: 'k', token: 1, value: NaN }, /value/],
      [{ key: 'k', token: 1, value: 'v', pxMs: 0 }, /pxMs/],
      [{ key: 'k', token: 1, value: 'v', pxMs: 1.5 }, /pxMs/],
    ];
    for (const [options, message] of bad) {
      await expect(fencedSet(redis, options), JSON.stringify(options)).rejects.toThrow(message);
    }
    expect(await redis.dbsize()).toBe(0);
  });
});

describe('the Lua script itself', () => {
  it('is the one its SHA1 names', () => {
    expect(createHash('sha1').update(FENCED_WRITE_LUA).digest('hex')).toBe(FENCED_WRITE_SHA1);
  });

  it('checks the token text on its own, whoever calls it', async () => {
    const redis = await redisClient();
    const run = (token: string): Promise<unknown> =>
      redis.eval(FENCED_WRITE_LUA, 2, 'k', 'k:f', token, 'set', '0', 'v');
    for (const token of [
      '0',
      '007',
      '-1',
      '1.5',
      '1e3',
      ' 1',
      '',
      'abc',
      '9007199254740992',
      '12345678901234567',
    ]) {
      await expect(run(token), token).rejects.toThrow(/FENCE_TOKEN/);
    }
    await expect(redis.eval(FENCED_WRITE_LUA, 2, 'k', 'k:f', '1', 'del', '0', 'v')).rejects.toThrow(
      /FENCE_ARGS/,
    );
    expect(await redis.dbsize()).toBe(0);
    expect(await run('9007199254740991')).toEqual([1, '9007199254740991']);
  });
});

describe('fencedHset', () => {
  it('sets the fields it is given, leaves the others, and refuses an older token', async () => {
    const redis = await redisClient();
    await redis.hset('user:1', 'kept', 'yes');
    expect(
      (await fencedHset(redis, { key: 'user:1', token: 20, fields: { name: 'Ada', n: 1 } }))
        .accepted,
    ).toBe(true);
    expect(await fencedHset(redis, { key: 'user:1', token: 19, fields: { name: 'Old' } })).toEqual({
      accepted: false,
      newest: 20,
    });
    expect(await redis.hgetall('user:1')).toEqual({ kept: 'yes', name: 'Ada', n: '1' });
  });

  it('shares the fence with fencedSet on one key', async () => {
    const redis = await redisClient();
    await fencedHset(redis, { key: 'h', token: 30, fields: { a: 'b' } });
    expect((await fencedSet(redis, { key: 'h', token: 29, value: 'x' })).accepted).toBe(false);
    expect(await redis.type('h')).toBe('hash');
  });

  it('takes 1 to MAX_HSET_FIELDS fields', async () => {
    const redis = await redisClient();
    const many = Object.fromEntries(
      Array.from({ length: MAX_HSET_FIELDS }, (_, i) => [`f${i}`, i]),
    );
    expect((await fencedHset(redis, { key: 'wide', token: 1, fields: many })).accepted).toBe(true);
    expect(await redis.hlen('wide')).toBe(MAX_HSET_FIELDS);
    await expect(fencedHset(redis, { key: 'none', token: 2, fields: {} })).rejects.toThrow(
      /fields/,
    );
    const tooMany = { ...many, extra: 'x' };
    await expect(fencedHset(redis, { key: 'wide', token: 2, fields: tooMany })).rejects.toThrow(
      /fields/,
    );
  });
});

describe('fenceKeyFor', () => {
  it('keeps the data key and its fence in one Cluster slot', () => {
    expect(fenceKeyFor('user:1')).toBe('{user:1}:fence');
    expect(fenceKeyFor('{user:1}:profile')).toBe('{user:1}:profile:fence');
    expect(fenceKeyFor('a{b')).toBe('{a{b}:fence');
    // No wrap can tag a key holding '}' without a tag of its own: left as it is (pass fenceKey on a Cluster).
    expect(fenceKeyFor('a{}b')).toBe('a{}b:fence');
    expect(fenceKeyFor('odd}key')).toBe('odd}key:fence');
  });
});
