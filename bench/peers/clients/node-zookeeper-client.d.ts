/** The part of `node-zookeeper-client` (pure JS, no types of its own) the ZooKeeper peer uses. */
declare module 'node-zookeeper-client' {
  type Callback<T> = (error: ZkException | null, value: T) => void;
  interface ZkException extends Error {
    getCode(): number;
  }
  interface Client {
    connect(): void;
    close(): void;
    once(event: 'connected', listener: () => void): this;
    create(path: string, mode: number, callback: Callback<string>): void;
    mkdirp(path: string, callback: Callback<string>): void;
    remove(path: string, version: number, callback: (error: ZkException | null) => void): void;
    exists(path: string, watcher: () => void, callback: Callback<object | null>): void;
    getChildren(path: string, callback: Callback<string[]>): void;
    getChildren(path: string, watcher: () => void, callback: Callback<string[]>): void;
  }
  const zookeeper: {
    createClient(hosts: string, options?: { sessionTimeout?: number; spinDelay?: number }): Client;
    CreateMode: { EPHEMERAL_SEQUENTIAL: number };
    Exception: { NO_NODE: number };
  };
  export default zookeeper;
  export type { Client, ZkException };
}
