/**
 * The etcd peer: the recipe of Go's `clientv3/concurrency.Mutex` (etcd 3.4)
 * over the raw KV and watch APIs of `etcd3`. A session is a lease and its own
 * gRPC connection (a local subchannel pool: one connection per session, like
 * Baton's and ZooKeeper's). Lock puts `lock/<path>/<lease id>` and waits for
 * every key created before it to go, watching the last one; the fencing
 * token is its create revision (one counter for the store, like Baton's).
 * TryLock (3.5's) gives up and deletes its key when it is not the owner.
 */
import { once } from 'node:events';
import type { Etcd3, IKeyValue, IResponseHeader, Lease } from 'etcd3';
import type { LockLease, Term } from '../../lib/pool.js';
import { campaign, observeLeader } from './etcd-election.js';
import { etcd3, type PeerClient } from './peer-client.js';
import { within } from '../../lib/time.js';

const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');

/** The end of the range of keys starting with `prefix` (which ends in '/', so never 0xff). */
function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  end[end.length - 1] = (end[end.length - 1] ?? 0) + 1;
  return end;
}

interface Enqueued {
  myRev: number;
  ownerRev: number | null;
}

class EtcdMutexClient implements PeerClient {
  inQueue = false;
  /**
   * The last release's delete, which acquire waits for. Each call is its own
   * HTTP/2 stream, so a lock sent while the delete is in flight could find
   * our old key, take it as ours (as Go's Mutex does) and be deleted after
   * the grant. A Go worker's Unlock returns before its next Lock.
   */
  private released: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly etcd: Etcd3,
    private readonly leaseId: string,
    private readonly ttlSec: number,
  ) {}

  /** L: etcd3's election (etcd-election.ts), beside the mutex recipe. */
  elect(path: string, { value }: { value: string }): Promise<Term> {
    return campaign(this.etcd, path, value, this.ttlSec, (q) => (this.inQueue = q));
  }

  observe(
    path: string,
    listener: (leader: { value: string } | null) => void,
    onError?: (error: Error) => void,
  ): () => void {
    return observeLeader(this.etcd, path, listener, onError);
  }

  async acquire(path: string): Promise<LockLease> {
    await this.released.catch(() => {});
    const { prefix, key } = this.keys(path);
    const { myRev, ownerRev } = await this.enqueue(prefix, key);
    if (ownerRev !== null && ownerRev !== myRev) await this.waitDeletes(prefix, myRev - 1);
    this.inQueue = true;
    return this.lease(key, myRev);
  }

  async tryAcquire(path: string): Promise<LockLease | null> {
    await this.released.catch(() => {});
    const { prefix, key } = this.keys(path);
    const { myRev, ownerRev } = await this.enqueue(prefix, key);
    if (ownerRev === null || ownerRev === myRev) return this.lease(key, myRev);
    await this.etcd.kv.deleteRange({ key });
    return null;
  }

  private keys(path: string): { prefix: Buffer; key: Buffer } {
    const prefix = `lock/${path}/`;
    return { prefix: utf8(prefix), key: utf8(`${prefix}${BigInt(this.leaseId).toString(16)}`) };
  }

  /** Mutex.Lock's transaction: put our key unless it exists, and read the owner. */
  private async enqueue(prefix: Buffer, key: Buffer): Promise<Enqueued> {
    const getOwner = {
      request_range: {
        key: prefix,
        range_end: prefixEnd(prefix),
        sort_target: 'Create' as const,
        sort_order: 'Ascend' as const,
        limit: 1,
      },
    };
    const res = await this.etcd.kv.txn({
      compare: [{ key, target: 'Create', result: 'Equal', create_revision: 0 }],
      success: [{ request_put: { key, value: Buffer.alloc(0), lease: this.leaseId } }, getOwner],
      failure: [{ request_range: { key } }, getOwner],
    });
    const mine = res.succeeded
      ? Number(res.header.revision)
      : Number(res.responses[0]?.response_range.kvs[0]?.create_revision);
    const owner = res.responses[1]?.response_range.kvs[0];
    return { myRev: mine, ownerRev: owner ? Number(owner.create_revision) : null };
  }

  /** Until no key under `prefix` was created at or below `maxCreateRev`, wait for the last one to go. */
  private async waitDeletes(prefix: Buffer, maxCreateRev: number): Promise<void> {
    for (;;) {
      const res = await this.etcd.kv.range({
        key: prefix,
        range_end: prefixEnd(prefix),
        sort_target: 'Create',
        sort_order: 'Descend',
        max_create_revision: maxCreateRev,
        limit: 1,
      });
      const last: IKeyValue | undefined = res.kvs[0];
      if (!last) return;
      await this.waitDelete(last.key, res.header);
    }
  }

  /**
   * Watches `key` from the revision of the read that found it, as Go's
   * `waitDelete` does. etcd catches up such "unsynced" watches every 100 ms,
   * so a delete soon after the watch is set can wait that long (scenario D).
   */
  private async waitDelete(key: Buffer, header: IResponseHeader): Promise<void> {
    const watcher = this.etcd.watch().key(key).startRevision(header.revision).watcher();
    try {
      const deleted = once(watcher, 'delete');
      const failed = once(watcher, 'error').then(([err]: unknown[]) => {
        throw err instanceof Error ? err : new Error(String(err));
      });
      // An error after the delete (or after the cancel) concerns nobody.
      failed.catch(() => {});
      await Promise.race([once(watcher, 'connected'), failed]);
      this.inQueue = true;
      await Promise.race([deleted, failed]);
    } finally {
      // Not awaited: Go's recipe cancels the watch's context and goes on too.
      watcher.cancel().catch(() => {});
    }
  }

  private lease(key: Buffer, myRev: number): LockLease {
    return {
      token: myRev,
      release: async () => {
        this.inQueue = false;
        const deleting = this.etcd.kv.deleteRange({ key });
        this.released = deleting;
        await deleting;
      },
    };
  }
}

export async function connectEtcd(
  endpoint: string,
  ttlMs: number,
  timeoutMs: number,
): Promise<PeerClient> {
  const etcd = new etcd3.Etcd3({
    hosts: endpoint,
    dialTimeout: timeoutMs,
    grpcOptions: { 'grpc.use_local_subchannel_pool': 1 },
  });
  const ttlSec = Math.max(1, Math.round(ttlMs / 1000));
  const lease: Lease = etcd.lease(ttlSec);
  // 'lost' is reported by the calls that then fail; no listener would be an unhandled event.
  lease.on('lost', () => {});
  const leaseId = await within(lease.grant(), timeoutMs, `lease grant at ${endpoint}`);
  return new EtcdMutexClient(etcd, leaseId, ttlSec);
}
