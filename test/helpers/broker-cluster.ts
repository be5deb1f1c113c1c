import { CLI, spawnNode, tempDir, type Child } from './harness.js';
import { freePort } from '../support/free-port.js';

/** One broker process of a Redis-backed cluster, on a fixed port so clients can find it again. */
export interface ClusterNode {
  index: number;
  port: number;
  url: string;
  dataDir: string;
  child: Child | null;
  /** Stopped with SIGSTOP and not yet continued. */
  paused: boolean;
  /** Every line of every incarnation of this node, for a failure message. */
  log: string[];
}

export interface BrokerClusterOptions {
  /**
   * What to run instead of `node dist/server/main.js`: the script and the
   * arguments before `server`, e.g. `[BROKEN, 'forget-holds']` for a test
   * fixture that patches the built broker.
   */
  command?: string[];
  /** Flags for every node, after `server --port P --data-dir D`. */
  args?: string[];
  /** Extra flags for node `index`. */
  nodeArgs?: (index: number) => string[];
  /** Environment for every node. */
  env?: NodeJS.ProcessEnv;
  /** Ports chosen beforehand (say, for proxies in front of the nodes); default free ones. */
  ports?: number[];
}

const ACTIVE = /active \(epoch (\d+)\)/;
const DEPOSED = /deposed/;

/**
 * Brokers as real processes sharing one Redis: start, kill -9, pause,
 * resume, stop and restart them, and tell which is active from the role
 * lines they print (`baton: active (epoch N)`, `baton: deposed: …`).
 */
export class BrokerCluster {
  readonly nodes: ClusterNode[] = [];

  private constructor(private readonly options: BrokerClusterOptions) {}

  static async start(count: number, options: BrokerClusterOptions = {}): Promise<BrokerCluster> {
    const cluster = new BrokerCluster(options);
    for (let index = 0; index < count; index++) {
      const port = options.ports?.[index] ?? (await freePort());
      cluster.nodes.push({
        index,
        port,
        url: `ws://127.0.0.1:${port}`,
        dataDir: tempDir(),
        child: null,
        paused: false,
        log: [],
      });
    }
    for (const node of cluster.nodes) await cluster.restart(node);
    return cluster;
  }

  get urls(): string[] {
    return this.nodes.map((n) => n.url);
  }

  /** Starts the node (again) on its port and data dir; resolves once it listens. */
  async restart(node: ClusterNode): Promise<void> {
    const { command = [CLI], args = [], nodeArgs, env = {} } = this.options;
    node.log.push(`--- start ${new Date().toISOString()}`);
    const child = spawnNode(
      [
        ...command,
        'server',
        '--port',
        String(node.port),
        '--data-dir',
        node.dataDir,
        ...args,
        ...(nodeArgs?.(node.index) ?? []),
      ],
      env,
      (line) => node.log.push(line),
    );
    node.child = child;
    node.paused = false;
    await child.waitForLine(/listening on/);
  }

  /** The highest epoch the node's current process has announced, or 0. */
  epochOf(node: ClusterNode): number {
    let epoch = 0;
    for (const line of node.child?.lines ?? []) {
      const m = line.match(ACTIVE);
      if (m) epoch = Math.max(epoch, Number(m[1]));
    }
    return epoch;
  }

  /** Whether the node's last role line says active (not deposed since). */
  claimsActive(node: ClusterNode): boolean {
    for (const line of [...(node.child?.lines ?? [])].reverse()) {
      if (ACTIVE.test(line)) return true;
      if (DEPOSED.test(line)) return false;
    }
    return false;
  }

  /** How often the node's current process said it was deposed. */
  deposals(node: ClusterNode): number {
    return (node.child?.lines ?? []).filter((l) => DEPOSED.test(l)).length;
  }

  /** The live node claiming to be active with the highest epoch. */
  active(): ClusterNode | undefined {
    let best: ClusterNode | undefined;
    for (const node of this.nodes) {
      if (!this.alive(node) || !this.claimsActive(node)) continue;
      if (this.epochOf(node) > (best ? this.epochOf(best) : 0)) best = node;
    }
    return best;
  }

  /** The highest epoch any node has announced. */
  get epoch(): number {
    return Math.max(0, ...this.nodes.map((n) => this.epochOf(n)));
  }

  alive(node: ClusterNode): boolean {
    const p = node.child?.process;
    return !!p && p.exitCode === null && p.signalCode === null;
  }

  async kill(node: ClusterNode): Promise<void> {
    const child = node.child;
    if (!child) return;
    if (this.alive(node)) process.kill(child.pid, 'SIGKILL');
    await child.exited;
    node.child = null;
    node.paused = false;
  }

  /** SIGSTOP: the process keeps its sockets but does nothing. */
  pause(node: ClusterNode): void {
    if (!node.child) throw new Error(`node ${node.index} is not running`);
    process.kill(node.child.pid, 'SIGSTOP');
    node.paused = true;
  }

  /** SIGCONT after `pause`. */
  resume(node: ClusterNode): void {
    if (!node.child) throw new Error(`node ${node.index} is not running`);
    process.kill(node.child.pid, 'SIGCONT');
    node.paused = false;
  }

  /**
   * SIGTERM (a planned shutdown or handover) and waits for the exit;
   * SIGKILL after `timeoutMs`. Resolves with how it exited.
   */
  async stop(
    node: ClusterNode,
    timeoutMs = 10_000,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null; killed: boolean }> {
    const child = node.child;
    if (!child) return { code: null, signal: null, killed: false };
    if (node.paused) this.resume(node);
    if (this.alive(node)) process.kill(child.pid, 'SIGTERM');
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      if (this.alive(node)) process.kill(child.pid, 'SIGKILL');
    }, timeoutMs);
    const exit = await child.exited;
    clearTimeout(timer);
    node.child = null;
    return { ...exit, killed };
  }

  /** Every node's output, for a failure message. */
  logs(): string {
    return this.nodes.map((n) => `--- broker ${n.index} ${n.url}:\n${n.log.join('\n')}`).join('\n');
  }
}
