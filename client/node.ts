import WebSocket from 'ws';
import { tickCorker } from '../shared/tick-corker.js';
import { BatonClient } from './client.js';
import type { ClientOptions } from './client-options.js';
import type { WebSocketLike } from './websocket-like.js';

export { BatonClient } from './client.js';
export type { AcquireOptions, ClientStatus } from './client.js';
export type { ClientOptions } from './client-options.js';
export { Lease } from './lease.js';
export * from '../shared/errors.js';

/** Connects from Node (over the `ws` package) and resolves once the session is open. */
export async function connect(options: ClientOptions): Promise<BatonClient> {
  // Also in the hello; a header lets a proxy in front of the broker see it too.
  const token = options.authToken;
  const headers = typeof token === 'string' ? { Authorization: `Bearer ${token}` } : undefined;
  const client = new BatonClient(options, (url) => {
    const socket = new WebSocket(url, { perMessageDeflate: false, ...(headers && { headers }) });
    socket.binaryType = 'nodebuffer';
    corkPerTick(socket);
    return socket as unknown as WebSocketLike;
  });
  await client.start();
  return client;
}

/**
 * Frames sent in one tick (a release and the next acquire) leave in one
 * write: the TCP socket is corked at the first and uncorked after the tick.
 */
function corkPerTick(socket: WebSocket): void {
  const send = socket.send.bind(socket);
  const cork = tickCorker(socket, (fn) => process.nextTick(fn));
  socket.send = ((data: Uint8Array) => {
    cork();
    send(data);
  }) as WebSocket['send'];
}
