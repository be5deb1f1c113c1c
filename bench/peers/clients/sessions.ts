/**
 * Driver side of the peers: opens a peer's sessions in a driver process
 * (bench/driver.ts loads this when `BATON_BENCH_PEER` is set), with the same
 * bounded concurrency as Baton's session pool.
 */
import { openPool, type PoolOptions } from '../session-pool.js';
import { connectEtcd } from './etcd-lock.js';
import type { PeerClient, PeerConnect } from './peer-client.js';
import { isPeerName, type PeerName } from './peer-config.js';
import { connectRedlock, connectSetNx } from './redis-locks.js';
import { connectZk } from './zk-lock.js';

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
