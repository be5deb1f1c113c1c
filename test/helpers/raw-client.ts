import type { Socket } from 'node:net';
import WebSocket from 'ws';
import { onTestFinished } from 'vitest';
import { decodeFrame, encodeFrame } from '../../shared/codec.js';
import { PROTOCOL_VERSION, type ClientFrame, type ServerFrame } from '../../shared/protocol.js';

/**
 * A bare WebSocket speaking the protocol by hand: for bad input and for
 * clients that misbehave in ways the SDK never would.
 */
export class RawClient {
  readonly frames: ServerFrame[] = [];
  closeEvent: { code: number; reason: string } | null = null;
  private readonly waiters = new Set<() => void>();

  /**
   * The TCP socket under the WebSocket (a `ws` internal): to pause reading,
   * or to send many frames, or raw bytes, in one write.
   */
  get tcp(): Socket {
    return (this.socket as unknown as { _socket: Socket })._socket;
  }

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      this.frames.push(decodeFrame(data) as ServerFrame);
      this.wake();
    });
    socket.on('close', (code, reason) => {
      this.closeEvent = { code, reason: reason.toString() };
      this.wake();
    });
    socket.on('error', () => {});
  }

  /**
   * `headers`: sent with the upgrade request (Authorization, Origin…);
   * `from`: the local address to connect from (any of 127.0.0.0/8 on Linux), to play another host.
   */
  static async open(
    url: string,
    headers: Record<string, string> = {},
    from?: string,
  ): Promise<RawClient> {
    const socket = new WebSocket(url, {
      perMessageDeflate: false,
      headers,
      ...(from !== undefined && { localAddress: from }),
    });
    const client = new RawClient(socket);
    onTestFinished(() => socket.terminate());
    await new Promise<void>((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    return client;
  }

  /** Opens a socket and says hello; resolves with the welcome. */
  static async session(
    url: string,
    ttlMs = 10_000,
    from?: string,
  ): Promise<RawClient & { sessionId: string }> {
    const client = await RawClient.open(url, {}, from);
    client.send({ t: 'hello', v: PROTOCOL_VERSION, ttlMs });
    const welcome = await client.next((f) => f.t === 'welcome');
    if (welcome.t !== 'welcome') throw new Error('no welcome');
    return Object.assign(client, { sessionId: welcome.session });
  }

  send(frame: ClientFrame | Record<string, unknown>): void {
    this.socket.send(encodeFrame(frame as ClientFrame));
  }

  sendBytes(bytes: Uint8Array | string): void {
    this.socket.send(bytes);
  }

  /** Resolves with the first frame, received so far or later, that matches; removes it. */
  next(match: (f: ServerFrame) => boolean, timeoutMs = 5_000): Promise<ServerFrame> {
    return this.until(() => {
      const i = this.frames.findIndex(match);
      return i === -1 ? undefined : this.frames.splice(i, 1)[0];
    }, timeoutMs);
  }

  /** Resolves once the socket is closed. */
  closed(timeoutMs = 5_000): Promise<{ code: number; reason: string }> {
    return this.until(() => this.closeEvent ?? undefined, timeoutMs);
  }

  private until<T>(probe: () => T | undefined, timeoutMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const check = (): void => {
        const value = probe();
        if (value === undefined) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(value);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(
          new Error(`nothing arrived in ${timeoutMs} ms; frames: ${JSON.stringify(this.frames)}`),
        );
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }
}

/** Matches the reply to request `id`. */
export function byId(id: number): (f: ServerFrame) => boolean {
  return (f) => 'id' in f && f.id === id;
}
