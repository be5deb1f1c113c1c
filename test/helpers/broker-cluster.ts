import { CLI, spawnNode, tempDir, type Child } from './harness.js';
import { freePort } from './redis-server.js';

/** One broker process of a Redis-backed cluster, on a fixed port so clients can find it again. */
export interface ClusterNode {
  port: number;
  url: string;
  dataDir: string;
  child: Child | null;
}

/**
 * Brokers as real processes sharing one Redis: start, kill -9, pause and
 * restart them, and tell which is active from what they print.
 */
export class BrokerCluster {
  readonly nodes: ClusterNode[] = [];

  private constructor(private readonly args: string[]) {}

  static async start(count: number, args: string[]): Promise<BrokerCluster> {
    const cluster = new BrokerCluster(args);
    for (let i = 0; i < count; i++) {
      const port = await freePort();
      cluster.nodes.push({ port, url: `ws://127.0.0.1:${port}`, dataDir: tempDir(), child: null });
    }
    for (const node of cluster.nodes) await cluster.restart(node);
    return cluster;
  }

  get urls(): string[] {
    return this.nodes.map((n) => n.url);
  }

  async restart(node: ClusterNode): Promise<void> {
    const child = spawnNode([
      CLI,
      'server',
      '--port',
      String(node.port),
      '--data-dir',
      node.dataDir,
      ...this.args,
    ]);
    node.child = child;
    await child.waitForLine(/listening on/);
  }

  /** The highest epoch a node has announced, or 0. */
  epochOf(node: ClusterNode): number {
    let epoch = 0;
    for (const line of node.child?.lines ?? []) {
      const m = line.match(/active \(epoch (\d+)\)/);
      if (m) epoch = Math.max(epoch, Number(m[1]));
    }
    return epoch;
  }

  /** The live node that announced the highest epoch. */
  active(): ClusterNode | undefined {
    let best: ClusterNode | undefined;
    for (const node of this.nodes) {
      if (!node.child || node.child.process.exitCode !== null) continue;
      if (this.epochOf(node) > (best ? this.epochOf(best) : 0)) best = node;
    }
    return best;
  }

  async kill(node: ClusterNode): Promise<void> {
    const child = node.child;
    if (!child) return;
    process.kill(child.pid, 'SIGKILL');
    await child.exited;
    node.child = null;
  }
}
