import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { onTestFinished } from 'vitest';

/**
 * A loopback TCP proxy in front of a server, to drop or stall connections
 * the way a flaky network would, or to move them to another server the way
 * a failover does.
 */
export class TcpProxy {
  /** While cut, every connection is dropped as it comes: the far side is unreachable. */
  private isCut = false;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly pairs: Set<[Socket, Socket]>,
    private readonly target: { port: number },
  ) {}

  static async start(targetPort: number): Promise<TcpProxy> {
    const pairs = new Set<[Socket, Socket]>();
    const target = { port: targetPort };
    const server = createServer((client) => {
      if (proxy.isCut) return void client.destroy();
      const upstream = createConnection({ host: '127.0.0.1', port: target.port });
      const pair: [Socket, Socket] = [client, upstream];
      pairs.add(pair);
      const end = (): void => {
        pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    // Assigned before the first connection can come: the listener reads it.
    const address = server.address() as AddressInfo;
    const proxy: TcpProxy = new TcpProxy(server, address.port, pairs, target);
    onTestFinished(() => proxy.close());
    return proxy;
  }

  /** Cuts every connection and refuses new ones until `cut(false)`. */
  cut(on: boolean): void {
    this.isCut = on;
    if (on) this.dropAll();
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** The port new connections go to. */
  get targetPort(): number {
    return this.target.port;
  }

  /**
   * Sends new connections to `port` from now on and cuts the open ones, so
   * every client reconnects there: a failover behind one address.
   */
  retarget(port: number): void {
    this.target.port = port;
    this.dropAll();
  }

  /** Cuts every open connection at once, as a crashed link would. */
  dropAll(): void {
    for (const [a, b] of this.pairs) {
      a.destroy();
      b.destroy();
    }
    this.pairs.clear();
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
