/**
 * The ZooKeeper peer, over `node-zookeeper-client`, one session per
 * connection, with three recipes written from their algorithms:
 *
 * - the lock of the ZooKeeper docs (as Curator's InterProcessMutex does it):
 *   an EPHEMERAL_SEQUENTIAL znode; unless it is the lowest, watch the next
 *   lower one (no herd) and list again when it goes;
 * - the docs' shared lock (read/write): `read-` and `write-` znodes in one
 *   dir, numbered by one counter; a reader waits only for the nearest lower
 *   `write-`, a writer for the nearest lower znode of either kind;
 * - a counting semaphore as Curator's InterProcessSemaphoreV2 builds it: a
 *   lock (the recipe above) serialises the acquirers; its holder creates a
 *   lease znode and, while there are more leases than the limit, waits on a
 *   watch of the leases' list, then gives the lock up. Only that one session
 *   watches the leases, so a release wakes one waiter, not the herd.
 *
 * The lock recipe is also the election of scenario L (LeaderLatch's), with
 * an observer that lists the candidates on each change.
 *
 * The "token" is the grant's sequence number, which orders one path's grants.
 */
import type { Client, ZkException } from 'node-zookeeper-client';
import type { LockKind, LockLease, Term } from '../../lib/pool.js';
import { zookeeper, type PeerClient } from './peer-client.js';
import { within } from '../../lib/time.js';

const { CreateMode, Exception } = zookeeper;

function call<T>(op: (cb: (err: ZkException | null, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => op((err, value) => (err ? reject(err) : resolve(value))));
}

/** The sequence number ZooKeeper appended to `lock-`, `read-`, `write-` or `lease-`. */
function sequence(name: string): number {
  return Number(name.slice(name.lastIndexOf('-') + 1));
}

/** Whether a lower znode keeps a znode of this kind waiting: for a reader only a writer's. */
type Blocks = (child: string) => boolean;
const ANY: Blocks = () => true;
const NOT_READER: Blocks = (child) => !child.startsWith('read-');

/** A created znode: its full path and its name in its dir. */
interface Znode {
  node: string;
  name: string;
}

class ZkLockClient implements PeerClient {
  inQueue = false;

  constructor(private readonly zk: Client) {}

  async acquire(path: string, kind: LockKind = {}): Promise<LockLease> {
    if ((kind.limit ?? 1) > 1) return this.acquireSemaphore(path, kind.limit as number);
    const { mode } = kind;
    const prefix = mode === undefined ? 'lock-' : `${mode}-`;
    const z = await this.lockIn(`/locks/${path}`, prefix, mode === 'read' ? NOT_READER : ANY);
    return this.lease(z);
  }

  async tryAcquire(path: string): Promise<LockLease | null> {
    const dir = `/locks/${path}`;
    const z = await this.create(dir, 'lock-');
    const children = await call<string[]>((cb) => this.zk.getChildren(dir, cb));
    const mine = sequence(z.name);
    if (children.every((c) => sequence(c) >= mine)) return this.lease(z);
    await call<void>((cb) => this.zk.remove(z.node, -1, cb));
    return null;
  }

  /**
   * L: the lock recipe is the election, as Curator's LeaderLatch runs it:
   * the lowest znode leads, each candidate watches the next lower one. The
   * value is in the znode's name (`n_<value>-<seq>`), so an observer needs
   * no read per candidate.
   */
  async elect(path: string, { value }: { value: string }): Promise<Term> {
    const z = await this.lockIn(`/elections/${path}`, `n_${value}-`, ANY);
    return { resign: () => this.lease(z).release() };
  }

  /**
   * ZooKeeper has no observer: list the election's znodes with a watch, tell
   * the lowest one's value when it changed, list again when the watch fires
   * (every candidate's create and delete fires it).
   */
  observe(
    path: string,
    listener: (leader: { value: string } | null) => void,
    onError: (error: Error) => void = () => {},
  ): () => void {
    const dir = `/elections/${path}`;
    let stopped = false;
    let last: string | null | undefined;
    const loop = async (): Promise<void> => {
      await call<string>((cb) => this.zk.mkdirp(dir, cb));
      while (!stopped) {
        const list = this.watch<string[]>((w, cb) => this.zk.getChildren(dir, w, cb));
        let lowest: string | null = null;
        for (const c of await list.value) {
          if (lowest === null || sequence(c) < sequence(lowest)) lowest = c;
        }
        const value = lowest === null ? null : lowest.slice(2, lowest.lastIndexOf('-'));
        if (value !== last) listener(value === null ? null : { value });
        last = value;
        await list.fired;
      }
    };
    loop().catch(onError);
    return () => (stopped = true);
  }

  /**
   * Creates a `prefix` znode in `dir` and waits until no lower znode that
   * `blocks` it is left, watching the nearest such one and listing again
   * when it goes.
   */
  private async lockIn(dir: string, prefix: string, blocks: Blocks): Promise<Znode> {
    const z = await this.create(dir, prefix);
    const mine = sequence(z.name);
    for (;;) {
      const children = await call<string[]>((cb) => this.zk.getChildren(dir, cb));
      let predecessor: string | null = null;
      for (const c of children) {
        const s = sequence(c);
        if (s < mine && blocks(c) && (predecessor === null || s > sequence(predecessor))) {
          predecessor = c;
        }
      }
      if (predecessor === null) break;
      const gone = this.watch((w, cb) => this.zk.exists(`${dir}/${predecessor}`, w, cb));
      // Gone between the list and the watch: list again at once.
      if ((await gone.value) === null) continue;
      this.inQueue = true;
      await gone.fired;
    }
    this.inQueue = true;
    return z;
  }

  /** Curator's semaphore: take the dir's lock, add a lease, wait for room, give the lock up. */
  private async acquireSemaphore(path: string, limit: number): Promise<LockLease> {
    const dir = `/semaphores/${path}`;
    const gate = await this.lockIn(`${dir}/locks`, 'lock-', ANY);
    try {
      const lease = await this.create(`${dir}/leases`, 'lease-');
      for (;;) {
        const list = this.watch<string[]>((w, cb) => this.zk.getChildren(`${dir}/leases`, w, cb));
        if ((await list.value).length <= limit) return this.lease(lease);
        await list.fired;
      }
    } finally {
      await call<void>((cb) => this.zk.remove(gate.node, -1, cb));
    }
  }

  /** A read with a one-shot watch: its value, and a promise that the watch fired. */
  private watch<T>(op: (watcher: () => void, cb: (err: ZkException | null, v: T) => void) => void) {
    let fire: () => void = () => {};
    const fired = new Promise<void>((resolve) => (fire = resolve));
    return { value: call<T>((cb) => op(() => fire(), cb)), fired };
  }

  /** Our EPHEMERAL_SEQUENTIAL `prefix` znode in `dir`, creating `dir` on first use. */
  private async create(dir: string, prefix: string): Promise<Znode> {
    const make = (): Promise<string> =>
      call<string>((cb) => this.zk.create(`${dir}/${prefix}`, CreateMode.EPHEMERAL_SEQUENTIAL, cb));
    let node: string;
    try {
      node = await make();
    } catch (err) {
      if ((err as ZkException).getCode?.() !== Exception.NO_NODE) throw err;
      await call<string>((cb) => this.zk.mkdirp(dir, cb));
      node = await make();
    }
    return { node, name: node.slice(dir.length + 1) };
  }

  private lease({ node, name }: Znode): LockLease {
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
