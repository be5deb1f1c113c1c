/**
 * Driver side of the peers: bench/lib/driver.ts loads this when
 * `BATON_BENCH_PEER` names a peer, and opens its sessions with the same
 * bounded concurrency as Baton's.
 */
import { openPool, type Pool, type PoolOptions } from '../../lib/pool.js';
import { isPeerName, type PeerName } from '../config.js';
import { connectEtcd } from './etcd.js';
import type { PeerClient, PeerConnect } from './peer-client.js';
import { connectRedlock, connectSetNx } from './redis.js';
import { connectZk } from './zookeeper.js';

const CONNECT: Record<PeerName, PeerConnect> = {
  redlock: connectRedlock,
  'redis-setnx': connectSetNx,
  etcd: connectEtcd,
  zookeeper: connectZk,
};

export async function openPeerSessions(
  peer: string,
  o: PoolOptions,
): Promise<Pool<PeerClient> & { queued: () => number }> {
  if (!isPeerName(peer)) throw new Error(`unknown peer ${peer}`);
  // A peer's server has one endpoint: only F lists several, and F is Baton's alone.
  const connect = () => CONNECT[peer](o.url as string, o.ttlMs, o.timeoutMs);
  const pool = await openPool(o.count, o.concurrency, connect);
  return { ...pool, queued: () => pool.clients.filter((c) => c.inQueue).length };
}
