import { nanoid } from 'nanoid';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeFrame } from '../shared/codec.js';
import {
  CLOSE_CODES,
  guardClientFrame,
  PROTOCOL_VERSION,
  type ClientFrame,
  type HelloFrame,
  type ServerFrame,
} from '../shared/protocol.js';
import {
  resolveBrokerOptions,
  type BrokerOptions,
  type ResolvedBrokerOptions,
} from './broker-options.js';
import { systemClock, systemTimer, type Clock, type Timer } from './clock.js';
import type { Effect } from './core/effects.js';
import { LockTable } from './core/lock-table.js';
import { FileTokenStore } from './tokens/file-token-store.js';
import type { TokenStore } from './tokens/token-store.js';
import { Connection } from './transport/connection.js';

/** What a broker is built from; tests swap the clock, the timer or the store. */
export interface BrokerDeps {
  clock?: Clock;
  timer?: Timer;
  tokenStore?: TokenStore;
  /** Where operational warnings go. Default: nowhere. */
  warn?: (message: string) => void;
}

/**
 * The imperative shell around the {@link LockTable}: it owns the sockets, the
 * one timer and the token store, feeds commands to the table and carries out
 * the effects it returns.
 */
export class Broker {
  readonly options: ResolvedBrokerOptions;
  private readonly table: LockTable;
  private readonly clock: Clock;
  private readonly timer: Timer;
  private readonly tokens: TokenStore;
  private readonly warn: (message: string) => void;
  private readonly bySession = new Map<string, Connection>();
  private readonly connections = new Set<Connection>();
  private wss: WebSocketServer | null = null;
  private timerHandle: unknown = null;
  private timerAt = Infinity;
  private closing = false;

  constructor(options: BrokerOptions = {}, deps: BrokerDeps = {}) {
    this.options = resolveBrokerOptions(options);
    this.table = new LockTable(this.options.table);
    this.clock = deps.clock ?? systemClock;
    this.timer = deps.timer ?? systemTimer;
    this.tokens = deps.tokenStore ?? new FileTokenStore(this.options.dataDir, this.clock.wallMs);
    this.warn = deps.warn ?? (() => {});
  }

  /** The port it listens on, once started. */
  get port(): number {
    return (this.wss?.address() as AddressInfo | undefined)?.port ?? 0;
  }

  get url(): string {
    const host = this.options.host.includes(':') ? `[${this.options.host}]` : this.options.host;
    return `ws://${host}:${this.port}`;
  }

  /** Open WebSocket connections, with or without a session. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** The table's read-only views, for tests and the admin side. */
  get view(): Pick<LockTable, 'viewLock' | 'stats' | 'hasSession' | 'lastToken'> {
    return this.table;
  }

  async start(): Promise<void> {
    const block = await this.tokens.reserve(0, this.options.tokenBlockSize);
    this.apply(this.table.addTokens(this.clock.now(), block.start, block.limit));
    const wss = new WebSocketServer({
      host: this.options.host,
      port: this.options.port,
      maxPayload: this.options.maxFrameBytes,
      perMessageDeflate: false,
      clientTracking: false,
    });
    this.wss = wss;
    wss.on('connection', (socket, req) => this.accept(socket, req));
    await new Promise<void>((resolve, reject) => {
      wss.once('listening', resolve);
      wss.once('error', reject);
    });
    wss.on('error', (err) => this.warn(`listener error: ${err.message}`));
  }

  /** Stops accepting, closes every connection (sessions are not ended) and the store. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (this.timerHandle !== null) this.timer.clear(this.timerHandle);
    for (const conn of this.connections) conn.close(CLOSE_CODES.shutdown, 'broker shutting down');
    await new Promise<void>((resolve) => (this.wss ? this.wss.close(() => resolve()) : resolve()));
    // Sockets whose peer never answers the close handshake must not hold the process.
    for (const conn of this.connections) conn.socket.terminate();
    await this.tokens.close();
  }

  // ---- connections --------------------------------------------------------

  private accept(socket: WebSocket, req: IncomingMessage): void {
    const conn = new Connection(
      socket,
      req.socket.remoteAddress ?? '',
      this.options.maxBufferedBytes,
    );
    this.connections.add(conn);
    const helloTimer = this.timer.set(() => {
      if (!conn.sessionId) conn.close(CLOSE_CODES.protocol, 'no hello in time');
    }, this.options.helloTimeoutMs);
    socket.on('message', (data, isBinary) => this.receive(conn, data, isBinary));
    socket.on('error', () => socket.terminate());
    socket.on('close', () => {
      this.timer.clear(helloTimer);
      conn.closed = true;
      this.connections.delete(conn);
      // The session lives on for its TTL: the client may come back and resume it.
      if (conn.sessionId && this.bySession.get(conn.sessionId) === conn) {
        this.bySession.delete(conn.sessionId);
      }
    });
  }

  private receive(conn: Connection, data: RawData, isBinary: boolean): void {
    if (conn.closed) return;
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
    if (frame.t === 'hello') return this.hello(conn, frame);
    if (!conn.sessionId) {
      return conn.refuse({
        t: 'error',
        code: 'PROTOCOL',
        message: 'the first frame must be hello',
      });
    }
    this.apply(this.command(conn.sessionId, frame));
  }

  private command(sessionId: string, frame: Exclude<ClientFrame, HelloFrame>): Effect[] {
    const now = this.clock.now();
    switch (frame.t) {
      case 'hb':
        return this.table.heartbeat(now, sessionId, frame.id);
      case 'acquire':
        return this.table.acquire(now, sessionId, {
          requestId: frame.id,
          path: frame.path,
          wait: frame.wait,
          ...(frame.timeoutMs !== undefined && { timeoutMs: frame.timeoutMs }),
        });
      case 'release':
        return this.table.release(now, sessionId, {
          requestId: frame.id,
          path: frame.path,
          token: frame.token,
        });
      case 'cancel':
        return this.table.cancel(now, sessionId, frame.id, frame.target);
      case 'bye':
        return this.table.close(now, sessionId, frame.id);
    }
  }

  private hello(conn: Connection, frame: HelloFrame): void {
    if (frame.v !== PROTOCOL_VERSION) {
      const message = `the broker speaks protocol ${PROTOCOL_VERSION}, the client ${frame.v}`;
      return conn.refuse(
        { t: 'error', code: 'UNSUPPORTED_VERSION', message },
        CLOSE_CODES.unsupportedVersion,
      );
    }
    if (conn.sessionId) {
      return conn.refuse({ t: 'error', code: 'PROTOCOL', message: 'hello was already said' });
    }
    const now = this.clock.now();
    const effects =
      frame.session !== undefined && frame.secret !== undefined
        ? this.table.resume(now, frame.session, frame.secret)
        : this.table.open(now, {
            sessionId: nanoid(),
            secret: nanoid(),
            ...(frame.ttlMs !== undefined && { ttlMs: frame.ttlMs }),
            ...(frame.name !== undefined && { name: frame.name }),
          });
    const first = effects[0];
    if (first?.type === 'welcome') {
      // The newest connection of a session wins; an older one is a dead client's.
      const previous = this.bySession.get(first.sessionId);
      if (previous && previous !== conn) {
        previous.close(CLOSE_CODES.replaced, 'session resumed on another connection');
      }
      conn.sessionId = first.sessionId;
      this.bySession.set(first.sessionId, conn);
    } else if (first?.type === 'refused') {
      return conn.refuse({ t: 'error', code: first.code, message: first.message });
    }
    this.apply(effects);
  }

  // ---- effects ------------------------------------------------------------

  private apply(effects: Effect[]): void {
    for (const e of effects) {
      if (e.type === 'reserveTokens') {
        this.reserveTokens(e.issuedUpTo);
        continue;
      }
      if (e.type === 'refused') continue;
      const conn = this.bySession.get(e.sessionId);
      if (e.type === 'ended') {
        this.bySession.delete(e.sessionId);
        conn?.close(CLOSE_CODES.sessionEnded, `session ${e.reason}`);
        continue;
      }
      conn?.send(toFrame(e));
    }
    this.schedule();
  }

  private reserveTokens(issuedUpTo: number, attempt = 0): void {
    this.tokens.reserve(issuedUpTo, this.options.tokenBlockSize).then(
      (block) => this.apply(this.table.addTokens(this.clock.now(), block.start, block.limit)),
      (err: Error) => {
        if (this.closing) return;
        this.warn(`token reservation failed, retrying: ${err.message}`);
        const delayMs = Math.min(5_000, 50 * 2 ** attempt);
        this.timer.set(() => this.reserveTokens(issuedUpTo, attempt + 1), delayMs);
      },
    );
  }

  /** Arms the one timer for the table's next deadline, unless it is armed earlier already. */
  private schedule(): void {
    const at = this.table.nextDeadline();
    if (this.closing || at >= this.timerAt) return;
    if (this.timerHandle !== null) this.timer.clear(this.timerHandle);
    this.timerAt = at;
    // +1: a timer may fire a fraction of a millisecond early.
    const delayMs = Math.max(0, Math.ceil(at - this.clock.now()) + 1);
    this.timerHandle = this.timer.set(() => {
      this.timerHandle = null;
      this.timerAt = Infinity;
      this.apply(this.table.tick(this.clock.now()));
    }, delayMs);
  }
}

type Addressed = Exclude<Effect, { type: 'reserveTokens' | 'refused' | 'ended' }>;

function toFrame(e: Addressed): ServerFrame {
  switch (e.type) {
    case 'welcome':
      return {
        t: 'welcome',
        v: PROTOCOL_VERSION,
        session: e.sessionId,
        secret: e.secret,
        ttlMs: e.ttlMs,
        resumed: e.resumed,
        held: e.held,
      };
    case 'grant':
      return { t: 'grant', id: e.requestId, path: e.path, token: e.token };
    case 'queued':
      return e.position === undefined
        ? { t: 'queued', id: e.requestId }
        : { t: 'queued', id: e.requestId, position: e.position };
    case 'busy':
      return { t: 'busy', id: e.requestId };
    case 'ok':
      return { t: 'ok', id: e.requestId };
    case 'error':
      return { t: 'error', id: e.requestId, code: e.code, message: e.message };
    case 'lost':
      return { t: 'lost', path: e.path, token: e.token, reason: e.reason };
  }
}

/** Starts a broker with `options` and resolves once it accepts connections. */
export async function createBroker(
  options: BrokerOptions = {},
  deps: BrokerDeps = {},
): Promise<Broker> {
  const broker = new Broker(options, deps);
  try {
    await broker.start();
  } catch (err) {
    await broker.close();
    throw err;
  }
  return broker;
}
