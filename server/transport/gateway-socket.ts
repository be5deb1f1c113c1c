import { WebSocket, type RawData } from 'ws';
import type { Connection } from './connection.js';

/** What the gateway does with its sockets' events; one object for all its sockets. */
export interface SocketEvents {
  message(conn: Connection, data: RawData, isBinary: boolean): void;
  /** RFC 6455: every ping is answered with a pong. */
  ping(conn: Connection, data: Buffer): void;
  close(conn: Connection, code: number): void;
  /** The socket failed (a frame over `maxPayload`, bad framing); `ws` is closing it. */
  error(conn: Connection, err: Error): void;
}

/**
 * The gateway's WebSocket: `ws` makes one per accepted socket (its
 * `WebSocket` option) and tells each of its events through `emit`. Those the
 * gateway needs go straight to its {@link SocketEvents} (one object, reached
 * through the connection's host) rather than through listeners, since
 * per-socket memory is what 10,000 idle sessions feel: answering pings with
 * `ws`'s `autoPong` costs a closure per socket, and with a listener of our
 * own a fourth event name in each socket's listener table (~80 bytes).
 * Listeners added to an admitted socket for these events are never called:
 * hence `clientTracking: false`, since `ws` tracks clients by their `close`.
 */
export class GatewaySocket extends WebSocket {
  /** Set once the gateway admits the socket; until then its events go to listeners, as any socket's. */
  connection: Connection | null = null;

  override emit(event: string | symbol, ...args: unknown[]): boolean {
    const conn = this.connection;
    if (conn !== null) {
      const { events } = conn.host;
      switch (event) {
        case 'message':
          events.message(conn, args[0] as RawData, args[1] as boolean);
          return true;
        case 'ping':
          events.ping(conn, args[0] as Buffer);
          return true;
        case 'close':
          events.close(conn, args[0] as number);
          return true;
        case 'error':
          events.error(conn, args[0] as Error);
          return true;
      }
    }
    // A socket error ends the socket (`ws` is closing it already), never the
    // process: an `error` nobody listens to would be thrown.
    if (event === 'error' && this.listenerCount('error') === 0) {
      this.terminate();
      return true;
    }
    return super.emit(event, ...args);
  }
}
