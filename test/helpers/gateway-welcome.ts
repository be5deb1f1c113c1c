import type { Connection } from '../../server/transport/connection.js';
import type { WsGateway } from '../../server/transport/ws-gateway.js';

/** For gateway tests without a broker: binds `conn` to a new session and welcomes it. */
export function welcomeAs(gateway: WsGateway, conn: Connection, session: string): void {
  gateway.bind(conn, session);
  conn.send({ t: 'welcome', v: 1, session, secret: 'k', ttlMs: 10_000, resumed: false, held: [] });
}

/** A loopback gateway's options with the broker's default limits and no origin list. */
export const GATEWAY_TEST_OPTIONS = Object.freeze({
  host: '127.0.0.1',
  port: 0,
  maxFrameBytes: 16 * 1024,
  maxBufferedBytes: 1024 * 1024,
  helloTimeoutMs: 5_000,
  allowedOrigins: null,
});
