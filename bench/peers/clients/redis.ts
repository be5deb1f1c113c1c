/**
 * The two Redis peers, one ioredis connection per session. `redis-setnx`:
 * `SET key value NX PX ttl` with a random value, retried after a sleep, and
 * released by a compare-and-delete in Lua. `redlock`: the `redlock` package on
 * one Redis, retrying forever with the same delay and jitter. Neither has
 * fencing or a queue: whoever retries first after a release wins, so there is
 * no FIFO and a waiter can starve.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import type { Lock } from 'redlock';
import { sharedClockMs, within } from '../../lib/time.js';
import type { LockLease } from '../../lib/pool.js';
import { REDIS_LOCK_TTL_MS, REDIS_RETRY_DELAY_MS, REDIS_RETRY_JITTER_MS } from '../config.js';
import { Redlock, type PeerClient } from './peer-client.js';

const RELEASE_SCRIPT = `if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0`;

function retryDelayMs(): number {
  return REDIS_RETRY_DELAY_MS + (Math.random() * 2 - 1) * REDIS_RETRY_JITTER_MS;
}

async function connectRedis(url: string, timeoutMs: number): Promise<Redis> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs });
  // Errors reach the calls that fail; an unhandled 'error' event would end the driver.
  redis.on('error', () => {});
  await within(redis.connect(), timeoutMs, `connect to ${url}`);
  return redis;
}

class SetNxClient implements PeerClient {
  inQueue = false;
  private count = 0;

  constructor(
    private readonly redis: Redis,
    private readonly id: string,
    private readonly releaseSha: string,
  ) {}

  async acquire(path: string): Promise<LockLease> {
    this.inQueue = true;
    const value = `${this.id}:${++this.count}`;
    while (!(await this.attempt(path, value))) await sleep(retryDelayMs());
    return this.lease(path, value);
  }

  async tryAcquire(path: string): Promise<LockLease | null> {
    const value = `${this.id}:${++this.count}`;
    return (await this.attempt(path, value)) ? this.lease(path, value) : null;
  }

  private async attempt(path: string, value: string): Promise<boolean> {
    return (await this.redis.set(path, value, 'PX', REDIS_LOCK_TTL_MS, 'NX')) === 'OK';
  }

  private lease(path: string, value: string): LockLease {
    return {
      token: sharedClockMs(),
      release: async () => {
        this.inQueue = false;
        const deleted = await this.redis.evalsha(this.releaseSha, 1, path, value);
        if (deleted !== 1) throw new Error(`release of ${path}: the key was no longer ours`);
      },
    };
  }
}

export async function connectSetNx(url: string, _ttlMs: number, timeoutMs: number) {
  const redis = await connectRedis(url, timeoutMs);
  const sha = (await redis.script('LOAD', RELEASE_SCRIPT)) as string;
  return new SetNxClient(redis, randomBytes(8).toString('hex'), sha);
}

class RedlockClient implements PeerClient {
  inQueue = false;

  constructor(private readonly redlock: InstanceType<typeof Redlock>) {}

  async acquire(path: string): Promise<LockLease> {
    this.inQueue = true;
    return this.lease(await this.redlock.acquire([path], REDIS_LOCK_TTL_MS));
  }

  async tryAcquire(path: string): Promise<LockLease | null> {
    try {
      return this.lease(await this.redlock.acquire([path], REDIS_LOCK_TTL_MS, { retryCount: 0 }));
    } catch {
      // ExecutionError: the one attempt found the key taken.
      return null;
    }
  }

  private lease(lock: Lock): LockLease {
    return {
      token: sharedClockMs(),
      release: async () => {
        this.inQueue = false;
        // No retries: with retryCount -1 a failed release would retry forever.
        await this.redlock.release(lock, { retryCount: 0 });
      },
    };
  }
}

export async function connectRedlock(url: string, _ttlMs: number, timeoutMs: number) {
  const redis = await connectRedis(url, timeoutMs);
  const redlock = new Redlock([redis], {
    driftFactor: 0.01,
    // -1: retry until granted, as a waiter for a lock does.
    retryCount: -1,
    retryDelay: REDIS_RETRY_DELAY_MS,
    retryJitter: REDIS_RETRY_JITTER_MS,
    automaticExtensionThreshold: 500,
  });
  return new RedlockClient(redlock);
}
