import { BatonClient } from './client.js';
import { resolveClientOptions, type ClientOptions } from './client-options.js';
import type { WebSocketLike } from './websocket-like.js';
import { ConnectionClosedError, InvalidOptionError } from '../shared/errors.js';

export { BatonClient } from './client.js';
export type { AcquireOptions, ClientStatus } from './client.js';
export type { QueuePlace } from './acquire-options.js';
export type { ClientOptions, ClientTlsOptions } from './client-options.js';
export { Lease } from './lease.js';
export { LeaseSet } from './lease-set.js';
export { Leadership, type Leader } from './leadership.js';
export * from '../shared/errors.js';

/** Connects from a browser (over its global `WebSocket`) and resolves once the session is open. */
export async function connect(options: ClientOptions): Promise<BatonClient> {
  if (resolveClientOptions(options).tls !== undefined) {
    throw new InvalidOptionError(
      'tls is for Node: a browser checks wss:// against its own trust store and picks client certificates itself',
    );
  }
  const WebSocketClass = (globalThis as { WebSocket?: new (url: string) => WebSocketLike })
    .WebSocket;
  if (typeof WebSocketClass !== 'function') {
    throw new ConnectionClosedError(
      'CLOSED',
      'cannot connect: this environment has no global WebSocket',
    );
  }
  const client = new BatonClient(options, (url) => {
    const socket = new WebSocketClass(url);
    socket.binaryType = 'arraybuffer';
    return socket;
  });
  await client.start();
  return client;
}
