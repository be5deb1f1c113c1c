/**
 * The ZooKeeper peer: the lock recipe of the ZooKeeper docs (as Curator's
 * InterProcessMutex does it) over `node-zookeeper-client`, one session per
 * connection. Lock creates an EPHEMERAL_SEQUENTIAL znode and, unless it is
 * the lowest, watches the next lower one (no herd) and lists again when it
 * goes. The "token" is the sequence number, which orders one path's grants.
 */
import type { Client, ZkException } from 'node-zookeeper-client';
import type { LockLease } from '../../lib/pool.js';
import { zookeeper, type PeerClient } from './peer-client.js';
import { within } from '../../lib/time.js';

const { CreateMode, Exception } = zookeeper;

function call<T>(op: (cb: (err: ZkException | null, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => op((err, value) => (err ? reject(err) : resolve(value))));
}

/** The sequence number ZooKeeper appended to `lock-`. */
function sequence(name: string): number {
  return Number(name.slice(name.lastIndexOf('-') + 1));
}

class ZkLockClient implements PeerClient {
  inQueue = false;

  constructor(private readonly zk: Client) {}

  async acquire(path: string): Promise<LockLease> {
    const dir = `/locks/${path}`;
    const node = await this.create(dir);
    const name = node.slice(dir.length + 1);
    for (;;) {
      const children = await call<string[]>((cb) => this.zk.getChildren(dir, cb));
      const mine = sequence(name);
      let predecessor: string | null = null;
      for (const c of children) {
        const s = sequence(c);
        if (s < mine && (predecessor === null || s > sequence(predecessor))) predecessor = c;
      }
      if (predecessor === null) break;
      let fired: () => void = () => {};
      const changed = new Promise<void>((resolve) => (fired = resolve));
      const stat = await call((cb) => this.zk.exists(`${dir}/${predecessor}`, () => fired(), cb));
      // Gone between the list and the watch: list again at once.
      if (stat === null) continue;
      this.inQueue = true;
      await changed;
    }
    this.inQueue = true;
    return this.lease(node, name);
  }

  async tryAcquire(path: string): Promise<LockLease | null> {
    const dir = `/locks/${path}`;
    const node = await this.create(dir);
    const name = node.slice(dir.length + 1);
    const children = await call<string[]>((cb) => this.zk.getChildren(dir, cb));
    const mine = sequence(name);
    if (children.every((c) => sequence(c) >= mine)) return this.lease(node, name);
    await call<void>((cb) => this.zk.remove(node, -1, cb));
    return null;
  }

  /** Our EPHEMERAL_SEQUENTIAL znode in `dir`, creating `dir` on first use. */
  private async create(dir: string): Promise<string> {
    const make = (): Promise<string> =>
      call<string>((cb) => this.zk.create(`${dir}/lock-`, CreateMode.EPHEMERAL_SEQUENTIAL, cb));
    try {
      return await make();
    } catch (err) {
      if ((err as ZkException).getCode?.() !== Exception.NO_NODE) throw err;
      await call<string>((cb) => this.zk.mkdirp(dir, cb));
      return make();
    }
  }

  private lease(node: string, name: string): LockLease {
    return {
      token: sequence(name),
      release: async () => {
        this.inQueue = false;
        await call<void>((cb) => this.zk.remove(node, -1, cb));
      },
    };
  }
}

export async function connectZk(
  endpoint: string,
  ttlMs: number,
  timeoutMs: number,
): Promise<PeerClient> {
  const zk = zookeeper.createClient(endpoint, { sessionTimeout: ttlMs, spinDelay: 100 });
  const connected = new Promise<void>((resolve) => zk.once('connected', resolve));
  zk.connect();
  try {
    await within(connected, timeoutMs, `connect to ZooKeeper at ${endpoint}`);
  } catch (err) {
    zk.close();
    throw err;
  }
  return new ZkLockClient(zk);
}
