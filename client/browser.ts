import { BatonClient } from './client.js';
import type { ClientOptions } from './client-options.js';
import type { WebSocketLike } from './websocket-like.js';

export { BatonClient } from './client.js';
export type { AcquireOptions, ClientStatus } from './client.js';
export type { ClientOptions } from './client-options.js';
export { Lease } from './lease.js';
export * from '../shared/errors.js';

/** Connects from a browser (over its global `WebSocket`) and resolves once the session is open. */
export async function connect(options: ClientOptions): Promise<BatonClient> {
  const WebSocketClass = (globalThis as { WebSocket?: new (url: string) => WebSocketLike })
    .WebSocket;
  if (!WebSocketClass) throw new Error('this environment has no global WebSocket');
  const client = new BatonClient(options, (url) => {
    const socket = new WebSocketClass(url);
    socket.binaryType = 'arraybuffer';
    return socket;
  });
  await client.start();
  return client;
}
