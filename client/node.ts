import type { Socket } from 'node:net';
import WebSocket from 'ws';
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
  const client = new BatonClient(options, (url) => {
    const socket = new WebSocket(url, { perMessageDeflate: false });
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
  let corked = false;
  socket.send = ((data: Uint8Array) => {
    const tcp = (socket as unknown as { _socket?: Socket })._socket;
    if (tcp && !corked) {
      corked = true;
      tcp.cork();
      process.nextTick(() => {
        corked = false;
        tcp.uncork();
      });
    }
    send(data);
  }) as WebSocket['send'];
}
