/**
 * The one lock interface the workloads drive. The Baton client satisfies it
 * as it is; each peer of `npm run bench:peers` (bench/peers/) implements it
 * with its own recipe, so Baton and peers run through the same loops and
 * the same measurements.
 */
export interface LockLease {
  /**
   * Orders grants: a fencing token where the system has one (Baton's token,
   * etcd's create revision, ZooKeeper's sequence number). Peers without
   * fencing (Redis) give the grant's time on the shared monotonic clock,
   * which orders the grants of one lock just as well, since they exclude
   * each other, but fences nothing.
   */
  readonly token: number;
  release(): Promise<void>;
}

export interface LockClient {
  /** Waits until `path` is granted. */
  acquire(path: string): Promise<LockLease>;
  /** Grants `path` now, or resolves to null without waiting. */
  tryAcquire(path: string): Promise<LockLease | null>;
}
