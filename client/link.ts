import { backoffMs, type BackoffPolicy } from '../shared/backoff.js';
import { plainTimer, type Timer } from '../shared/clock.js';
import { decodeFrame, encodeFrame } from '../shared/codec.js';
import { BatonError } from '../shared/errors.js';
import {
  CLOSE_CODES,
  guardServerFrame,
  type ClientFrame,
  type ServerFrame,
} from '../shared/protocol.js';
import { messageBytes, OPEN, type WebSocketFactory, type WebSocketLike } from './websocket-like.js';

/** What a {@link Link} tells its owner. */
export interface LinkEvents {
  /** A socket opened; the owner says hello on it. */
  open(): void;
  /** A frame that passed the guards. */
  frame(frame: ServerFrame): void;
  /** The socket closed (or failed to open); the link dials again after a backoff unless stopped. */
  down(code: number, error?: BatonError): void;
  /** The owner holds something that lapses while it is away: redial within `urgentMaxDelayMs`. */
  urgent?(): boolean;
}

/** How a {@link Link} redials. */
export interface LinkOptions {
  /** Delays between dials; the count starts afresh once a session is up. */
  backoff: BackoffPolicy;
  /**
   * A dial whose session is not up by then is given up and the next URL
   * tried: a paused broker's kernel still accepts the TCP connection, but
   * nothing answers on it.
   */
  openTimeoutMs: number;
  /** The longest delay while `urgent()` says so; default `backoff.maxMs`. */
  urgentMaxDelayMs?: number;
}

/**
 * The client's one socket at a time: dials the URLs in turn, decodes and
 * guards what arrives, and redials with jittered exponential backoff. It
 * knows nothing of sessions.
 */
export class Link {
  private socket: WebSocketLike | null = null;
  private urlIndex = 0;
  private attempt = 0;
  private dialTimer: unknown = null;
  private openTimer: unknown = null;
  private stopped = false;
  /** Where a standby said the active broker is: dialled next, out of turn. */
  private redirectTo: string | null = null;
  /** Redirects since the last session came up: only the first is followed without a delay. */
  private redirects = 0;
  /**
   * The broker reads list frames, as its welcome said. Each welcome sets it
   * anew, and nothing but a hello goes out on a socket before its welcome.
   */
  private compact = false;

  constructor(
    private readonly urls: readonly string[],
    private readonly openSocket: WebSocketFactory,
    private readonly options: LinkOptions,
    private readonly events: LinkEvents,
    private readonly timer: Timer = plainTimer,
    private readonly random: () => number = Math.random,
  ) {}

  dial(): void {
    if (this.stopped) return;
    const url = this.redirectTo ?? (this.urls[this.urlIndex++ % this.urls.length] as string);
    this.redirectTo = null;
    let socket: WebSocketLike;
    try {
      socket = this.openSocket(url);
    } catch (err) {
      return this.lost(
        1006,
        new BatonError('CLOSED', `cannot open ${url}: ${(err as Error).message}`, { cause: err }),
      );
    }
    this.socket = socket;
    this.timer.clear(this.openTimer);
    const { openTimeoutMs } = this.options;
    this.openTimer = this.timer.set(() => {
      if (socket === this.socket) {
        this.drop(new BatonError('CLOSED', `no session at ${url} within ${openTimeoutMs} ms`));
      }
    }, openTimeoutMs);
    socket.onopen = () => socket === this.socket && this.events.open();
    socket.onmessage = (event) => socket === this.socket && this.receive(socket, event.data);
    // Node's socket says why it failed (a refused port, an untrusted
    // certificate); a browser's does not. Kept for the close that follows,
    // with Node's error as the cause, whose `code` (ECONNREFUSED) a caller can branch on.
    let failure: string | null = null;
    let cause: unknown;
    socket.onerror = (event) => {
      const { message, error } = (event ?? {}) as { message?: unknown; error?: unknown };
      if (typeof message === 'string' && message.trim() !== '') failure = message.trim();
      cause ??= error;
    };
    socket.onclose = (event) => {
      if (socket !== this.socket) return;
      this.lost(
        event.code,
        failure === null
          ? undefined
          : new BatonError('CLOSED', `${url}: ${failure}`, cause === undefined ? {} : { cause }),
      );
    };
  }

  /** Writes a frame if a socket is open; false when it is not. */
  send(frame: ClientFrame): boolean {
    const socket = this.socket;
    if (!socket || socket.readyState !== OPEN) return false;
    socket.send(encodeFrame(frame, this.compact));
    return true;
  }

  /**
   * A standby answered, or the active broker handed over: go to `url` (when
   * it names one) next, at once the first time (a handover names a broker
   * about to lead), then with the usual backoff, so two brokers that each
   * name the other cannot make a client spin.
   */
  redirect(url: string | undefined): void {
    this.attempt = 0;
    if (!url || !/^wss?:\/\//.test(url)) return;
    this.redirectTo = url;
    // Nothing more will come on this socket: no need to wait for its closing handshake.
    this.drop(new BatonError('CLOSED', `redirected to ${url}`));
  }

  /** The session is up on this socket: the next outage starts its backoff afresh. */
  connected(): void {
    this.timer.clear(this.openTimer);
    this.attempt = 0;
    this.redirects = 0;
  }

  /** Gives up on the current socket, as if it had closed, and dials again. */
  drop(error: BatonError): void {
    const socket = this.socket;
    if (!socket) return;
    this.socket = null;
    socket.close(1000, 'not answering');
    this.lost(1006, error);
  }

  stop(): void {
    this.stopped = true;
    this.timer.clear(this.dialTimer);
    this.timer.clear(this.openTimer);
    const socket = this.socket;
    this.socket = null;
    socket?.close(1000, 'client closed');
  }

  /**
   * One frame in. Nothing may throw from here: in Node this runs in a `ws`
   * listener, where an exception ends the host process. A bad frame, or a
   * failure to handle a good one, drops the socket and the link redials.
   */
  private receive(socket: WebSocketLike, data: unknown): void {
    const bytes = messageBytes(data);
    let checked;
    try {
      checked = bytes && guardServerFrame(decodeFrame(bytes));
    } catch {
      checked = null;
    }
    if (!checked?.ok) {
      return this.refuse(socket, new BatonError('PROTOCOL', 'the broker sent a bad frame'));
    }
    const frame = checked.frame;
    if (frame.t === 'welcome') this.compact = frame.compact === true;
    try {
      this.events.frame(frame);
    } catch (err) {
      const message =
        err instanceof Error && typeof err.message === 'string' ? err.message : 'a thrown value';
      const error = new BatonError('INTERNAL', `handling a frame failed: ${message}`, {
        cause: err,
      });
      if (socket === this.socket) this.refuse(socket, error);
    }
  }

  private refuse(socket: WebSocketLike, error: BatonError): void {
    this.socket = null;
    try {
      socket.close(CLOSE_CODES.protocol, 'bad frame');
    } catch {
      // Already closing: the link is done with it either way.
    }
    this.lost(CLOSE_CODES.protocol, error);
  }

  private lost(code: number, error?: BatonError): void {
    this.socket = null;
    this.events.down(code, error);
    if (this.stopped) return;
    if (this.redirectTo !== null && this.redirects++ === 0) {
      this.dialTimer = this.timer.set(() => this.dial(), 0);
      return;
    }
    const { backoff, urgentMaxDelayMs } = this.options;
    const policy =
      urgentMaxDelayMs !== undefined && this.events.urgent?.()
        ? { ...backoff, maxMs: Math.max(backoff.minMs, Math.min(backoff.maxMs, urgentMaxDelayMs)) }
        : backoff;
    const delayMs = backoffMs(this.attempt++, policy, this.random);
    this.dialTimer = this.timer.set(() => this.dial(), delayMs);
  }
}
