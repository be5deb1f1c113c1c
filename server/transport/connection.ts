import type { RawData, WebSocket } from 'ws';
import { encodeFrame } from '../../shared/codec.js';
import { CLOSE_CODES, type ServerFrame } from '../../shared/protocol.js';
import type { SocketEvents } from './gateway-socket.js';
import { corkForTick, flushCork, type Corkable, type CorkState } from '../../shared/tick-corker.js';

/** `ws`'s own bound (`maxPendingAutoPongs`): past it a client is flooding pings. */
export const MAX_PENDING_PONGS = 60;

/** Frame counts over all connections, for metrics. */
export interface Traffic {
  framesIn: number;
  framesOut: number;
  /** Error frames sent, by code. */
  errors: Record<string, number>;
  /**
   * Frames (or accepted sockets) whose handling threw unexpectedly: a bug,
   * never a bad frame. Each closed its connection (`CLOSE_CODES.internal`).
   */
  internalErrors: number;
}

/**
 * What all connections of a gateway share: one object they point to, rather
 * than the same three fields on each of 10,000 connections.
 */
export interface ConnectionHost {
  /** The connection whose frame is being handled, if any. */
  reading: Connection | null;
  readonly traffic: Traffic;
  /** A client whose unsent backlog passes this is cut off. */
  readonly maxBufferedBytes: number;
  /** Told when a client is cut off for not reading. */
  overflowed(conn: Connection): void;
  /** Where the gateway's sockets send their events (see `GatewaySocket`). */
  readonly events: SocketEvents;
}

/**
 * One client socket. It knows nothing of locks: it sends frames, and cuts the
 * client off once it stops reading and its backlog passes `maxBufferedBytes`,
 * so a slow client cannot grow the broker's memory.
 */
export class Connection implements CorkState {
  sessionId: string | null = null;
  /** The principal its credential named, once authenticated; null without auth. */
  principal: string | null = null;
  /** The subject of the client's TLS certificate, when it showed one; null otherwise. */
  certSubject: string | null = null;
  /** A bearer token given at upgrade, kept until hello reads it. */
  upgradeToken: string | null = null;
  closed = false;
  /** Its hello said the client reads list frames: grants go as lists (LIST_CODES). */
  compact = false;
  /**
   * Its frame rate limit's bucket (see `TokenRate`): a number kept here rather
   * than an object of its own. Set by the gateway as it accepts the connection.
   */
  frameBucket = 0;
  /** Closes the connection if no hello binds a session in time; null once bound. */
  helloTimer: unknown = null;
  /**
   * Frames made while handling one read (a release's ok, an acquire's
   * queued) leave in one write instead of one syscall each: while corked,
   * the TCP socket under `socket` (see `corkForTick`).
   * @internal
   */
  corked: Corkable | null = null;
  /**
   * Frames read but not yet handled, as (data, isBinary) pairs, while the
   * client waits its turn (see `FrameTurns`); null when none wait. Its socket
   * is paused meanwhile, and `MAX_WAITING_FRAMES` bounds it.
   * @internal
   */
  backlog: Array<RawData | boolean> | null = null;
  /** Pongs handed to the socket and not yet written (see `pong`). */
  private pendingPongs = 0;

  constructor(
    readonly socket: WebSocket,
    readonly remoteAddress: string,
    readonly host: ConnectionHost,
  ) {}

  /**
   * `now`: the frame leaves at once (with what was queued before it) rather
   * than at the end of the tick: a grant, whose session is what the queue
   * waits for, goes before the rest of the read that made it is handled.
   * Not to the connection being read: its client is still sending (a burst
   * of acquires), and its grants leave together at the end of the tick
   * rather than a syscall each.
   */
  send(frame: ServerFrame, now = false): void {
    if (this.closed) return;
    now &&= this.host.reading !== this;
    const { traffic } = this.host;
    traffic.framesOut++;
    if (frame.t === 'error') traffic.errors[frame.code] = (traffic.errors[frame.code] ?? 0) + 1;
    if (!now) corkForTick(this, process.nextTick);
    this.socket.send(encodeFrame(frame, this.compact), { binary: true });
    if (now) flushCork(this);
    this.cutIfOverflowing();
  }

  /**
   * Answers a ping with its pong, as RFC 6455 asks; false when it cut the
   * client off instead. Sent here rather than by `ws` (its `autoPong` costs a
   * closure per socket), under `ws`'s rule: a client with MAX_PENDING_PONGS
   * pongs not yet written is flooding pings, and is cut off; and under the
   * frames' rule, past `maxBufferedBytes` of unread output.
   */
  pong(data: Buffer): boolean {
    if (this.closed || this.socket.readyState !== this.socket.OPEN) return true;
    if (this.pendingPongs >= MAX_PENDING_PONGS) {
      this.closed = true;
      this.socket.terminate();
      return false;
    }
    this.pendingPongs++;
    // A closure per ping, not per socket: pings are few.
    this.socket.pong(data, false, () => this.pendingPongs--);
    this.cutIfOverflowing();
    return true;
  }

  private cutIfOverflowing(): void {
    if (this.socket.bufferedAmount > this.host.maxBufferedBytes) {
      // A close frame would sit behind the backlog it is meant to end.
      this.closed = true;
      this.socket.terminate();
      this.host.overflowed(this);
    }
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.close(code, fitCloseReason(reason));
  }

  /** Answers with a typed error, then closes: for frames that leave nothing to talk about. */
  refuse(frame: ServerFrame & { t: 'error' }, code: number = CLOSE_CODES.protocol): void {
    this.send(frame);
    this.close(code, frame.message);
  }
}

/** A close reason may take at most 123 UTF-8 bytes. */
function fitCloseReason(reason: string): string {
  let r = reason;
  while (Buffer.byteLength(r) > 123) r = r.slice(0, -1);
  return r;
}
