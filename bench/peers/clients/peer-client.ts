import { createRequire } from 'node:module';
import type * as Etcd3 from 'etcd3';
import type Zookeeper from 'node-zookeeper-client';
import type RedlockClass from 'redlock';
import { repoPath } from '../../lib/config.js';
import type { LockClient } from '../../lib/pool.js';

/**
 * The peers' client libraries, loaded from the peers' own package
 * (bench/peers/package.json) and not from Baton's dependencies: the bench
 * runs from .bench-out/, where a bare import would never look in
 * bench/peers/node_modules. All three are CommonJS.
 */
const require = createRequire(repoPath('bench/peers/package.json'));
export const etcd3 = require('etcd3') as typeof Etcd3;
export const zookeeper = require('node-zookeeper-client') as typeof Zookeeper;
export const Redlock = (require('redlock') as { default: typeof RedlockClass }).default;

/** A peer's session: the bench's lock interface, plus what the runner polls while a queue forms. */
export interface PeerClient extends LockClient {
  /**
   * True while this session waits in a lock's queue or holds a lock: for
   * etcd and ZooKeeper once its key or znode is created and its predecessor
   * watched, for the Redis peers (which have no queue) once it has called acquire.
   */
  readonly inQueue: boolean;
}

/** Opens one session of a peer at `endpoint`, the address its server listens on. */
export type PeerConnect = (
  endpoint: string,
  ttlMs: number,
  timeoutMs: number,
) => Promise<PeerClient>;
