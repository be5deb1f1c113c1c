import { Packr } from 'msgpackr';
import WebSocket from 'ws';
import { onTestFinished } from 'vitest';
import { PROTOCOL_VERSION, type Frame } from './wire.js';

/**
 * Plain msgpack both ways, as any library would: maps with string keys, no
 * records or other extensions. `int64AsType` reads a uint 64 (what some
 * writers use for big numbers) as a number.
 */
const codec = new Packr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' });

/** How long a test waits for a frame or a close before it fails. */
const WAIT_MS = 5_000;

/** What the socket was closed with. */
export interface Closed {
  code: number;
  reason: string;
}

/**
 * A WebSocket peer speaking the protocol by hand, from PROTOCOL.md alone:
 * it encodes maps and keeps what arrives, decoded, and the raw bytes beside
 * it for tests of the encoding.
 */
export class Peer {
  /** Frames received and not yet taken by `next`. */
  readonly frames: Frame[] = [];
  /** Every message's bytes, in order of arrival. */
  readonly raw: Uint8Array[] = [];
  closed: Closed | null = null;
  private readonly wakers = new Set<() => void>();

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      this.raw.push(new Uint8Array(data));
      this.frames.push(codec.unpack(data) as Frame);
      this.wake();
    });
    socket.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake();
    });
    socket.on('error', () => {});
  }

  /** Opens a socket to `url` with the upgrade `headers`; terminated when the test ends. */
  static async open(url: string, headers: Record<string, string> = {}): Promise<Peer> {
    const socket = new WebSocket(url, { perMessageDeflate: false, headers });
    onTestFinished(() => socket.terminate());
    await new Promise<void>((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    return new Peer(socket);
  }

  /** Opens a socket, says hello with `fields`, and resolves with the peer and its welcome. */
  static async session(
    url: string,
    fields: Record<string, unknown> = {},
  ): Promise<{ peer: Peer; welcome: Frame }> {
    const peer = await Peer.open(url);
    peer.send({ t: 'hello', v: PROTOCOL_VERSION, ...fields });
    const welcome = await peer.next((f) => f.t === 'welcome' || f.t === 'error');
    if (welcome.t !== 'welcome') throw new Error(`hello refused: ${JSON.stringify(welcome)}`);
    return { peer, welcome };
  }

  send(frame: Record<string, unknown>): void {
    this.socket.send(codec.pack(frame));
  }

  /** Sends a list frame (PROTOCOL.md, "Compact frames"). */
  sendList(items: unknown[]): void {
    this.socket.send(codec.pack(items));
  }

  /** Sends bytes as they are (binary), or a string as a text message. */
  sendRaw(data: Uint8Array | string): void {
    this.socket.send(data);
  }

  /** Closes the socket from this side, as a dropped connection would, and waits for it. */
  async drop(): Promise<void> {
    this.socket.terminate();
    await this.until(() => this.closed !== null, 'the socket to close');
  }

  /** Takes the first frame, received so far or later, that matches. */
  async next(match: (f: Frame) => boolean, timeoutMs = WAIT_MS): Promise<Frame> {
    let found: Frame | undefined;
    await this.until(
      () => {
        const i = this.frames.findIndex(match);
        if (i >= 0) found = this.frames.splice(i, 1)[0];
        return found !== undefined;
      },
      'a matching frame',
      timeoutMs,
    );
    return found as Frame;
  }

  /** Takes the frame that answers request `id`. */
  reply(id: number, timeoutMs = WAIT_MS): Promise<Frame> {
    return this.next((f) => f.id === id, timeoutMs);
  }

  /** Sends a heartbeat and waits for its `ok`: every frame the broker sent before it has arrived. */
  async sync(id: number): Promise<void> {
    this.send({ t: 'hb', id });
    const ok = await this.reply(id);
    if (ok.t !== 'ok') throw new Error(`heartbeat answered with ${JSON.stringify(ok)}`);
  }

  /** Resolves with the close once the broker closed the socket. */
  async closedWith(timeoutMs = WAIT_MS): Promise<Closed> {
    await this.until(() => this.closed !== null, 'a close', timeoutMs);
    return this.closed as Closed;
  }

  private until(done: () => boolean, what: string, timeoutMs = WAIT_MS): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!done()) return;
        clearTimeout(timer);
        this.wakers.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.wakers.delete(check);
        const got = JSON.stringify({ frames: this.frames, closed: this.closed });
        reject(new Error(`no ${what} in ${timeoutMs} ms; got ${got}`));
      }, timeoutMs);
      this.wakers.add(check);
      check();
    });
  }

  private wake(): void {
    for (const w of [...this.wakers]) w();
  }
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
