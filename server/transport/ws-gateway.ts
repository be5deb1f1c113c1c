import { WebSocketServer, type RawData } from 'ws';
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
import { Connection, type ConnectionHost, type Traffic } from './connection.js';
import { FrameTurns, MAX_WAITING_FRAMES } from './frame-turns.js';
import { GatewaySocket } from './gateway-socket.js';
import { bearerToken, originRefusal, takeRemoteAddress } from './upgrade-check.js';
import { Admission, admissionLimits, type AdmissionLimits } from './admission.js';
import { AddressBook } from './address-book.js';
import { certSubjectOf, createListener, type ResolvedTlsOptions } from './tls.js';

/** The close code `ws` sends for a frame over `maxPayload`, and the error it fails the socket with. */
const MESSAGE_TOO_BIG = 1009;
const FRAME_TOO_BIG = 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH';
/** RFC 6455's "try again later": the broker is full for this client now. */
const TRY_AGAIN_LATER = 1013;
/** How long a flooding connection gets to take its close before its socket is dropped. */
const FLOOD_CLOSE_GRACE_MS = 1_000;

/** Where to listen and what a client may send; admission limits left out are unlimited. */
export interface GatewayOptions extends Partial<AdmissionLimits> {
  host: string;
  port: number;
  maxFrameBytes: number;
  maxBufferedBytes: number;
  helloTimeoutMs: number;
  /** Browser origins allowed to connect; null: same host only. */
  allowedOrigins: readonly string[] | null;
  /** Absent or null: plain `ws://`. */
  tls?: ResolvedTlsOptions | null;
}

/** What the gateway hands to the broker: frames that passed the guards. */
export interface GatewayHandler {
  hello(conn: Connection, frame: HelloFrame): void;
  command(sessionId: string, frame: Exclude<ClientFrame, HelloFrame>, conn: Connection): void;
  /** The session's connection closed (not replaced by a newer one): it is detached now. */
  detached?(sessionId: string): void;
}

/**
 * The WebSocket side of the broker: accepts connections, decodes and guards
 * frames, and maps sessions to their current connection. It knows nothing of
 * locks.
 */
export class WsGateway {
  readonly traffic: Traffic = { framesIn: 0, framesOut: 0, errors: {}, internalErrors: 0 };
  private readonly bySession = new Map<string, Connection>();
  /**
   * Open connections no session maps to (before hello; replaced or ended, until
   * their sockets close): with `bySession`'s, each open connection once, so
   * 10,000 idle sessions are not kept in a second table as well.
   */
  private readonly unbound = new Set<Connection>();
  private wss: WebSocketServer | null = null;
  private server: Server | null = null;
  private readonly causes: CauseLog;
  private readonly limits: LogThrottle;
  private readonly admission: Admission;
  private readonly addresses = new AddressBook();
  /** What every connection shares: see {@link ConnectionHost}. */
  private readonly connectionHost: ConnectionHost;
  /** Who is handled next when clients send faster than the broker handles. */
  private readonly turns = new FrameTurns({
    take: (conn, data, isBinary) => this.take(conn, data, isBinary),
    flooded: (conn) => this.cutFlood(conn, `more than ${MAX_WAITING_FRAMES} frames waited at once`),
    failed: (conn, err) => this.internalError(conn, err),
  });

  constructor(
    private readonly options: GatewayOptions,
    private readonly timer: Timer,
    private readonly handler: GatewayHandler,
    private readonly log: Logger,
    /** Monotonic ms: the broker's clock, for the rate limits. */
    private readonly now: () => number = () => performance.now(),
  ) {
    this.causes = new CauseLog((message) => log.error(message));
    this.limits = new LogThrottle(now);
    this.admission = new Admission(admissionLimits(options));
    this.connectionHost = {
      reading: null,
      traffic: this.traffic,
      maxBufferedBytes: options.maxBufferedBytes,
      overflowed: (conn) =>
        this.limitHit(
          'maxBufferedBytes',
          conn.remoteAddress,
          'a client stopped reading; its connection was cut',
        ),
      events: {
        message: (conn, data, isBinary) => this.turns.receive(conn, data, isBinary),
        ping: (conn, data) => this.pinged(conn, data),
        error: (conn, err) => {
          if ((err as NodeJS.ErrnoException).code === FRAME_TOO_BIG) {
            const message = `a client sent a frame over the limit; closed with ${MESSAGE_TOO_BIG}`;
            this.limitHit('maxFrameBytes', conn.remoteAddress, message);
          }
          // `ws` has sent its close frame; the client need not answer it.
          conn.socket.terminate();
        },
        close: (conn) => {
          try {
            this.closed(conn);
          } catch (err) {
            // Out of a socket's event, an exception would end the process.
            this.traffic.internalErrors++;
            this.causes.report('internal error closing a connection', err);
          }
        },
      },
    };
  }

  get port(): number {
    return (this.server?.address() as AddressInfo | null | undefined)?.port ?? 0;
  }

  get connectionCount(): number {
    return this.bySession.size + this.unbound.size;
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
    this.admission.capListener(server, () =>
      this.limitHit('maxConnections', '', 'a connection was refused: maxConnections are open'),
    );
    const wss = new WebSocketServer({
      server,
      WebSocket: GatewaySocket,
      maxPayload: maxFrameBytes,
      perMessageDeflate: false,
      // Needed: GatewaySocket keeps `close` from listeners, and ws tracks clients by it.
      clientTracking: false,
      // Pings are answered through GatewaySocket: see Connection.pong.
      autoPong: false,
      verifyClient: ({ req }, done) => this.verify(req, done),
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
      this.unbind(previous);
      previous.close(CLOSE_CODES.replaced, 'session resumed on another connection');
    }
    conn.sessionId = sessionId;
    this.bySession.set(sessionId, conn);
    this.unbound.delete(conn);
    // 10,000 live hello timers would be memory spent on nothing.
    this.timer.clear(conn.helloTimer);
    conn.helloTimer = null;
  }

  /** `now`: see {@link Connection.send}. */
  send(sessionId: string, frame: ServerFrame, now = false): void {
    this.bySession.get(sessionId)?.send(frame, now);
  }

  /** Closes the session's connection, if it has one. */
  closeSession(sessionId: string, code: number, reason: string): void {
    const conn = this.bySession.get(sessionId);
    if (!conn) return;
    this.unbind(conn);
    conn.close(code, reason);
  }

  /** `conn` is no longer its session's connection, yet open until its socket closes. */
  private unbind(conn: Connection): void {
    if (conn.sessionId !== null) this.bySession.delete(conn.sessionId);
    this.unbound.add(conn);
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
    for (const conn of this.bySession.values()) this.unbound.add(conn); // open until they close
    this.bySession.clear();
    for (const conn of this.unbound) end(conn);
  }

  async close(): Promise<void> {
    this.closeAll(CLOSE_CODES.shutdown, 'broker shutting down');
    await new Promise<void>((resolve) => (this.wss ? this.wss.close(() => resolve()) : resolve()));
    // Sockets whose peer never answers the close handshake must not hold the process.
    for (const conn of this.bySession.values()) conn.socket.terminate();
    for (const conn of this.unbound) conn.socket.terminate();
    const server = this.server;
    if (server?.listening) {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    }
  }

  private accept(socket: GatewaySocket, req: IncomingMessage): void {
    const address = this.addresses.canonical(takeRemoteAddress(req.socket));
    const conn = new Connection(socket, address, this.connectionHost);
    conn.upgradeToken = bearerToken(req);
    if (!this.admission.admit(address)) return this.refuseConnection(conn);
    // From now on its events go to the gateway (see GatewaySocket): whatever
    // throws below, its close still gives its address's place back.
    socket.connection = conn;
    this.unbound.add(conn);
    conn.frameBucket = this.admission.frameRate.full(this.now());
    conn.certSubject = certSubjectOf(req.socket);
    conn.helloTimer = this.timer.set(() => {
      if (!conn.sessionId) conn.close(CLOSE_CODES.protocol, 'no hello in time');
    }, this.options.helloTimeoutMs);
  }

  private closed(conn: Connection): void {
    // What the client sent before it closed still counts (a release, a bye).
    this.turns.finish(conn);
    const address = conn.remoteAddress;
    this.timer.clear(conn.helloTimer);
    conn.closed = true;
    this.unbound.delete(conn);
    this.admission.release(address);
    // The session lives on for its client to resume it, for its TTL but at most maxDetachedMs.
    if (conn.sessionId && this.bySession.get(conn.sessionId) === conn) {
      this.bySession.delete(conn.sessionId);
      this.handler.detached?.(conn.sessionId);
    }
  }

  /** A ping in: answered at once, whatever frames wait their turn (as `ws` would). */
  private pinged(conn: Connection, data: Buffer): void {
    try {
      if (conn.pong(data)) return;
      const message = 'a client sent pings faster than their pongs could be written; cut off';
      this.limitHit('pingFlood', conn.remoteAddress, message);
    } catch (err) {
      this.internalError(conn, err);
    }
  }

  /**
   * Handles one frame. Whatever goes wrong meanwhile, in the gateway or in
   * the broker behind it, stays with this connection: an exception out of a
   * `ws` listener would end the process, and every session with it.
   */
  private take(conn: Connection, data: RawData, isBinary: boolean): void {
    if (conn.closed) return;
    this.traffic.framesIn++;
    try {
      // Every frame is counted, answered or not; a whole burst in debt is a flood.
      const rate = this.admission.frameRate;
      const now = this.now();
      conn.frameBucket = rate.spend(conn.frameBucket, now);
      const balance = rate.tokens(conn.frameBucket, now);
      if (balance < 0 && this.admission.flooding(balance)) return this.cutFlood(conn);
      this.connectionHost.reading = conn;
      this.handle(conn, data, isBinary, balance < 0);
    } catch (err) {
      this.internalError(conn, err);
    } finally {
      this.connectionHost.reading = null;
    }
  }

  /** `overRate`: the connection is past its frame rate; acquires are refused, not handled. */
  private handle(conn: Connection, data: RawData, isBinary: boolean, overRate: boolean): void {
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
    if (frame.t === 'hello') {
      if (!this.admission.helloAllowed(conn.remoteAddress, this.now()))
        return this.refuseHello(conn);
      conn.compact = frame.compact === true;
      return this.handler.hello(conn, frame);
    }
    if (!conn.sessionId) {
      return conn.refuse({
        t: 'error',
        code: 'PROTOCOL',
        message: 'the first frame must be hello',
      });
    }
    // Releases, cancels, byes and heartbeats still go through: refusing them
    // would turn a throttle into held locks and expired sessions.
    if (overRate && frame.t === 'acquire') return this.refuseFrame(conn, frame.id);
    this.handler.command(conn.sessionId, frame, conn);
  }

  /** Refuses a browser's upgrade from a page of another origin, with a 403. */
  private verify(
    req: IncomingMessage,
    done: (ok: boolean, code?: number, message?: string) => void,
  ): void {
    const refused = originRefusal(req, this.options.allowedOrigins);
    if (refused === null) return done(true);
    const address = req.socket.remoteAddress ?? '';
    this.limits.pass('origin', (heldBack) =>
      this.log.warn(
        { origin: req.headers.origin, address, heldBack },
        `upgrade refused: ${refused}`,
      ),
    );
    done(false, 403, 'Forbidden');
  }

  private refuseConnection(conn: Connection): void {
    const limit = this.admission.limits.maxConnectionsPerAddress;
    const message = `at most ${limit} connections from one address`;
    this.limitHit('maxConnectionsPerAddress', conn.remoteAddress, message);
    conn.refuse({ t: 'error', code: 'LIMIT_EXCEEDED', message }, TRY_AGAIN_LATER);
  }

  private refuseHello(conn: Connection): void {
    const { helloRatePerSec } = this.admission.limits;
    const message = `at most ${helloRatePerSec} hellos a second from one address`;
    this.limitHit('helloRatePerSec', conn.remoteAddress, message);
    conn.refuse({ t: 'error', code: 'RATE_LIMITED', message }, CLOSE_CODES.rateLimited);
  }

  private refuseFrame(conn: Connection, id: number): void {
    const { frameRatePerSec } = this.admission.limits;
    const message = `at most ${frameRatePerSec} frames a second on one connection`;
    this.limitHit('frameRatePerSec', conn.remoteAddress, message);
    conn.send({ t: 'error', id, code: 'RATE_LIMITED', message });
  }

  private cutFlood(conn: Connection, message = 'frames kept coming far past the rate limit'): void {
    this.limitHit('frameFlood', conn.remoteAddress, `${message}; the connection was closed`);
    conn.refuse({ t: 'error', code: 'RATE_LIMITED', message }, CLOSE_CODES.rateLimited);
    // A flooder need not answer the close: its frames would be read for ws's 30 s close timeout.
    this.timer.set(() => conn.socket.terminate(), FLOOD_CLOSE_GRACE_MS);
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
