/**
 * The small part of `node-zookeeper-client` (pure JS, no types of its own)
 * that the ZooKeeper peer uses.
 */
declare module 'node-zookeeper-client' {
  interface Stat {
    czxid: Buffer;
    version: number;
  }
  interface ZkEvent {
    getType(): number;
    getName(): string;
    getPath(): string;
  }
  interface ZkException extends Error {
    getCode(): number;
  }
  type Watcher = (event: ZkEvent) => void;
  interface Client {
    connect(): void;
    close(): void;
    once(event: 'connected' | 'disconnected' | 'expired', listener: () => void): this;
    on(event: 'state', listener: (state: unknown) => void): this;
    create(
      path: string,
      mode: number,
      callback: (error: ZkException | null, path: string) => void,
    ): void;
    mkdirp(path: string, callback: (error: ZkException | null, path: string) => void): void;
    remove(path: string, version: number, callback: (error: ZkException | null) => void): void;
    exists(
      path: string,
      watcher: Watcher,
      callback: (error: ZkException | null, stat: Stat | null) => void,
    ): void;
    getChildren(
      path: string,
      callback: (error: ZkException | null, children: string[], stat: Stat) => void,
    ): void;
  }
  interface ClientOptions {
    sessionTimeout?: number;
    spinDelay?: number;
    retries?: number;
  }
  const zookeeper: {
    createClient(connectionString: string, options?: ClientOptions): Client;
    CreateMode: { PERSISTENT: number; EPHEMERAL: number; EPHEMERAL_SEQUENTIAL: number };
    Exception: { NO_NODE: number; NODE_EXISTS: number };
  };
  export default zookeeper;
  export type { Client, Stat, ZkEvent, ZkException };
}
