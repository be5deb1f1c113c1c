import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeFrame } from '../../shared/codec.js';
import {
  CLOSE_CODES,
  guardClientFrame,
  type ClientFrame,
  type HelloFrame,
  type ServerFrame,
} from '../../shared/protocol.js';
import type { Timer } from '../clock.js';
import { CauseLog } from './cause-log.js';
import { LogThrottle, type Logger } from '../log.js';
import { Connection, type Traffic } from './connection.js';
import { certSubjectOf, createListener, type ResolvedTlsOptions } from './tls.js';

/** The close code `ws` uses for a frame over `maxPayload`. */
const FRAME_TOO_BIG = 1009;

export interface GatewayOptions {
  host: string;
  port: number;
  maxFrameBytes: number;
  maxBufferedBytes: number;
  helloTimeoutMs: number;
  /** Absent or null: plain `ws://`. */
  tls?: ResolvedTlsOptions | null;
}

/** What the gateway hands to the broker: frames that passed the guards. */
export interface GatewayHandler {
  hello(conn: Connection, frame: HelloFrame): void;
  command(sessionId: string, frame: Exclude<ClientFrame, HelloFrame>): void;
}

/**
 * The WebSocket side of the broker: accepts connections, decodes and guards
 * frames, and maps sessions to their current connection. It knows nothing of
 * locks.
 */
export class WsGateway {
  readonly traffic: Traffic = { framesIn: 0, framesOut: 0, errors: {}, internalErrors: 0 };
  private readonly bySession = new Map<string, Connection>();
  private readonly connections = new Set<Connection>();
  private wss: WebSocketServer | null = null;
  private server: Server | null = null;
  private readonly causes: CauseLog;
  private readonly limits: LogThrottle;

  constructor(
    private readonly options: GatewayOptions,
    private readonly timer: Timer,
    private readonly handler: GatewayHandler,
    private readonly log: Logger,
  ) {
    this.causes = new CauseLog((message) => log.error(message));
    this.limits = new LogThrottle(() => performance.now());
  }

  get port(): number {
    return (this.server?.address() as AddressInfo | null | undefined)?.port ?? 0;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** The client address of the session's live connection, or null. */
  addressOf(sessionId: string): string | null {
    return this.bySession.get(sessionId)?.remoteAddress ?? null;
  }

  async listen(): Promise<void> {
    const { host, port, maxFrameBytes, tls } = this.options;
    const server = createListener(
      tls ?? null,
      (_req, res) => {
        res.writeHead(426, { 'Content-Type': 'text/plain' });
        res.end('this port speaks WebSocket only');
      },
      (err, address) =>
        this.limitHit('tls', address, `a client failed the TLS handshake: ${err.message}`),
    );
    this.server = server;
    const wss = new WebSocketServer({
      server,
      maxPayload: maxFrameBytes,
      perMessageDeflate: false,
      clientTracking: false,
    });
    this.wss = wss;
    // `ws` passes the server's errors on: without a listener they would end the process.
    wss.on('error', (err) => {
      if (server.listening) this.log.error({ err }, 'listener error');
    });
    wss.on('connection', (socket, req) => {
      try {
        this.accept(socket, req);
      } catch (err) {
        this.internalError(null, err);
        socket.terminate();
      }
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  /** Makes `conn` the connection of `sessionId`; an older one is a dead client's. */
  bind(conn: Connection, sessionId: string): void {
    const previous = this.bySession.get(sessionId);
    if (previous && previous !== conn) {
      previous.close(CLOSE_CODES.replaced, 'session resumed on another connection');
    }
    conn.sessionId = sessionId;
    this.bySession.set(sessionId, conn);
    // 10,000 live hello timers would be memory spent on nothing.
    this.timer.clear(conn.helloTimer);
    conn.helloTimer = null;
  }

  send(sessionId: string, frame: ServerFrame): void {
    this.bySession.get(sessionId)?.send(frame);
  }

  /** Closes the session's connection, if it has one. */
  closeSession(sessionId: string, code: number, reason: string): void {
    const conn = this.bySession.get(sessionId);
    this.bySession.delete(sessionId);
    conn?.close(code, reason);
  }

  /** Sends `frame` to every connection, then closes them all; the connections of `first` first. */
  closeAll(code: number, reason: string, frame?: ServerFrame, first: Iterable<string> = []): void {
    const end = (conn: Connection): void => {
      // A closed connection sends nothing: each is told once.
      if (frame) conn.send(frame);
      conn.close(code, reason);
    };
    for (const sessionId of first) {
      const conn = this.bySession.get(sessionId);
      if (conn) end(conn);
    }
    for (const conn of this.connections) end(conn);
    this.bySession.clear();
  }

  async close(): Promise<void> {
    this.closeAll(CLOSE_CODES.shutdown, 'broker shutting down');
    await new Promise<void>((resolve) => (this.wss ? this.wss.close(() => resolve()) : resolve()));
    // Sockets whose peer never answers the close handshake must not hold the process.
    for (const conn of this.connections) conn.socket.terminate();
    const server = this.server;
    if (server?.listening) {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    }
  }

  private accept(socket: WebSocket, req: IncomingMessage): void {
    const { maxBufferedBytes, helloTimeoutMs } = this.options;
    const address = req.socket.remoteAddress ?? '';
    const conn = new Connection(socket, address, maxBufferedBytes, this.traffic, () =>
      this.limitHit(
        'maxBufferedBytes',
        address,
        'a client stopped reading; its connection was cut',
      ),
    );
    conn.certSubject = certSubjectOf(req.socket);
    this.connections.add(conn);
    conn.helloTimer = this.timer.set(() => {
      if (!conn.sessionId) conn.close(CLOSE_CODES.protocol, 'no hello in time');
    }, helloTimeoutMs);
    socket.on('message', (data, isBinary) => this.receive(conn, data, isBinary));
    socket.on('error', () => socket.terminate());
    socket.on('close', (code) => {
      if (code === FRAME_TOO_BIG) {
        this.limitHit('maxFrameBytes', address, 'a client sent a frame over the limit');
      }
      this.timer.clear(conn.helloTimer);
      conn.closed = true;
      this.connections.delete(conn);
      // The session lives on for its TTL: the client may come back and resume it.
      if (conn.sessionId && this.bySession.get(conn.sessionId) === conn) {
        this.bySession.delete(conn.sessionId);
      }
    });
  }

  /**
   * One frame in. Whatever goes wrong while it is handled, in the gateway or
   * in the broker behind it, stays with this connection: an exception out of
   * a `ws` listener would end the process, and every session with it.
   */
  private receive(conn: Connection, data: RawData, isBinary: boolean): void {
    if (conn.closed) return;
    this.traffic.framesIn++;
    try {
      this.handle(conn, data, isBinary);
    } catch (err) {
      this.internalError(conn, err);
    }
  }

  private handle(conn: Connection, data: RawData, isBinary: boolean): void {
    if (!isBinary) {
      return conn.refuse({
        t: 'error',
        code: 'PROTOCOL',
        message: 'frames must be binary msgpack',
      });
    }
    let message: unknown;
    try {
      message = decodeFrame(data as Buffer);
    } catch {
      return conn.send({ t: 'error', code: 'PROTOCOL', message: 'a frame is not valid msgpack' });
    }
    const checked = guardClientFrame(message);
    if (!checked.ok) {
      const error: ServerFrame = { t: 'error', code: 'PROTOCOL', message: checked.message };
      if (checked.id !== undefined) error.id = checked.id;
      return conn.send(error);
    }
    const frame = checked.frame;
    if (frame.t === 'hello') return this.handler.hello(conn, frame);
    if (!conn.sessionId) {
      return conn.refuse({
        t: 'error',
        code: 'PROTOCOL',
        message: 'the first frame must be hello',
      });
    }
    this.handler.command(conn.sessionId, frame);
  }

  /** Logs a limit a client ran into, at most a line per limit every few seconds. */
  private limitHit(limit: string, address: string, message: string): void {
    this.limits.pass(limit, (heldBack) => this.log.warn({ limit, address, heldBack }, message));
  }

  /** A bug met while handling a frame (or accepting a socket): counted, logged once per cause. */
  private internalError(conn: Connection | null, err: unknown): void {
    this.traffic.internalErrors++;
    if (!conn) return this.causes.report('internal error accepting a connection', err);
    this.causes.report('internal error handling a frame; its connection was closed', err);
    try {
      conn.refuse(
        { t: 'error', code: 'INTERNAL', message: 'the broker failed to handle a frame' },
        CLOSE_CODES.internal,
      );
    } catch {
      conn.closed = true;
      conn.socket.terminate();
    }
  }
}
