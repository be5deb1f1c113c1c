import type { Consistency } from '../../shared/protocol.js';
import type { BenchRedis } from './redis.js';

/** The three ways the broker under test runs. */
export const MODE_NAMES = ['embedded', 'redis-efficient', 'redis-strict'] as const;
export type ModeName = (typeof MODE_NAMES)[number];

/** What one scenario's broker is told: its mode, and for Redis where and under which cluster. */
export interface BrokerMode {
  name: ModeName;
  consistency: Consistency;
  redis: { url: string; pid: number; cluster: string } | null;
}

let clusters = 0;

/**
 * A cluster name (the hash tag of every key, RedisMirrorOptions.cluster) no
 * scenario used before: each scenario starts on an empty log, an epoch of 0
 * and no leader lease, and cannot see another's state even though they share
 * one Redis.
 */
export function freshCluster(tag: string): string {
  return `bench-${process.pid}-${++clusters}-${tag.replace(/[^\w.-]/g, '')}`;
}

/** The broker setup of one scenario run in `name` mode. */
export function brokerMode(name: ModeName, redis: BenchRedis | null, tag: string): BrokerMode {
  if (name === 'embedded') return { name, consistency: 'efficient', redis: null };
  if (!redis) throw new Error(`${name} needs Redis`);
  return {
    name,
    consistency: name === 'redis-strict' ? 'strict' : 'efficient',
    redis: { url: redis.url, pid: redis.pid, cluster: freshCluster(`${tag}-${name}`) },
  };
}
