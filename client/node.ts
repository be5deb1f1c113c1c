import WebSocket from 'ws';
import { corkForTick, type CorkState } from '../shared/tick-corker.js';
import { BatonClient } from './client.js';
import {
  resolveClientOptions,
  type ClientOptions,
  type ClientTlsOptions,
} from './client-options.js';
import type { WebSocketLike } from './websocket-like.js';

export { BatonClient } from './client.js';
export type { AcquireOptions, ClientStatus } from './client.js';
export type { QueuePlace } from './acquire-options.js';
export type { ClientOptions, ClientTlsOptions } from './client-options.js';
export { Lease } from './lease.js';
export { LeaseSet } from './lease-set.js';
export { Leadership, type Leader } from './leadership.js';
export * from '../shared/errors.js';

/** Connects from Node (over the `ws` package) and resolves once the session is open. */
export async function connect(options: ClientOptions): Promise<BatonClient> {
  const client = new BatonClient(options, nodeSockets(options));
  await client.start();
  return client;
}

/**
 * @internal How the Node entry opens a socket for `options`: `ws` with the
 * auth header, TLS and per-tick corking. The CLI wraps it to see each dial.
 */
export function nodeSockets(options: ClientOptions): (url: string) => WebSocketLike {
  // Checked before anything reads them; the client checks them again, cheaply.
  const { authToken, tls } = resolveClientOptions(options);
  // Also in the hello; a header lets a proxy in front of the broker see it too.
  const headers = authToken !== undefined ? { Authorization: `Bearer ${authToken}` } : undefined;
  return (url) => {
    const socket = new WebSocket(url, {
      perMessageDeflate: false,
      ...(headers && { headers }),
      ...nodeTls(tls),
    });
    socket.binaryType = 'nodebuffer';
    corkPerTick(socket);
    return socket as unknown as WebSocketLike;
  };
}

type Pem = string | Uint8Array;
const asNode = (pem: Pem): string | Buffer =>
  typeof pem === 'string' ? pem : Buffer.from(pem.buffer, pem.byteOffset, pem.byteLength);

/** The client's TLS options (checked already) as Node's `tls` takes them; only wss:// uses them. */
function nodeTls(tls: ClientTlsOptions | undefined): Record<string, unknown> {
  if (tls === undefined) return {};
  const { ca, cert, key } = tls;
  return {
    ...(ca !== undefined && { ca: Array.isArray(ca) ? ca.map(asNode) : asNode(ca) }),
    ...(cert !== undefined && { cert: asNode(cert) }),
    ...(key !== undefined && { key: asNode(key) }),
  };
}

/**
 * Frames sent in one tick (a release and the next acquire) leave in one
 * write: the TCP socket is corked at the first and uncorked after the tick.
 */
function corkPerTick(socket: WebSocket): void {
  const send = socket.send.bind(socket);
  const state: CorkState = { socket, corked: null };
  socket.send = ((data: Uint8Array) => {
    corkForTick(state, process.nextTick);
    send(data);
  }) as WebSocket['send'];
}
