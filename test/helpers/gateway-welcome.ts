import type { Connection } from '../../server/transport/connection.js';
import type { WsGateway } from '../../server/transport/ws-gateway.js';

/** For gateway tests without a broker: binds `conn` to a new session and welcomes it. */
export function welcomeAs(gateway: WsGateway, conn: Connection, session: string): void {
  gateway.bind(conn, session);
  conn.send({ t: 'welcome', v: 1, session, secret: 'k', ttlMs: 10_000, resumed: false, held: [] });
}
