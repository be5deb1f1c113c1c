/**
 * Driver side of the peers: opens a peer's sessions in a driver process
 * (bench/lib/driver.ts loads this when `BATON_BENCH_PEER` is set), with the same
 * bounded concurrency as Baton's session pool.
 */
import { openPool, type PoolOptions } from '../../lib/pool.js';
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

export interface PeerPool {
  clients: PeerClient[];
  failed: number;
  firstError: string | null;
  queued: () => number;
}

export async function openPeerSessions(peer: string, o: PoolOptions): Promise<PeerPool> {
  if (!isPeerName(peer)) throw new Error(`unknown peer ${peer}`);
  const connect = CONNECT[peer];
  const endpoint = Array.isArray(o.url) ? o.url[0] : o.url;
  if (endpoint === undefined) throw new Error('no endpoint');
  const { clients, failed, firstError } = await openPool(o.count, o.concurrency, () =>
    connect(endpoint, o.ttlMs, o.timeoutMs),
  );
  const queued = (): number => clients.reduce((n, c) => n + (c.inQueue ? 1 : 0), 0);
  return { clients, failed, firstError, queued };
}
