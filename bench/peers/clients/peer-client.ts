import type { LockClient } from '../../lib/lock-client.js';

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

/** Rejects after `ms` with `what`, unless `promise` settles first. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
