import type { WebSocketLike } from '../../client/websocket-like.js';
import { decodeFrame, encodeFrame } from '../../shared/codec.js';
import type { ClientFrame, HeldLock, ServerFrame } from '../../shared/protocol.js';

/** A socket the test plays the broker on: it sees what the client sends and answers by hand. */
export class FakeSocket implements WebSocketLike {
  binaryType = 'arraybuffer';
  readyState = 0;
  bufferedAmount = 0;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  readonly sent: ClientFrame[] = [];
  /** The code the client closed this socket with, if it did. */
  closedWith: number | null = null;

  send(data: Uint8Array): void {
    this.sent.push(decodeFrame(data) as ClientFrame);
  }
  close(code = 1000): void {
    this.readyState = 3;
    this.closedWith ??= code;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  /**
   * Opens the socket and welcomes a new session `s`, as a broker would answer
   * a hello; `compact`: as a broker that reads list frames.
   */
  welcome(ttlMs = 10_000, compact = false): void {
    this.open();
    this.deliver({
      t: 'welcome',
      v: 1,
      session: 's',
      secret: 'k',
      ttlMs,
      resumed: false,
      held: [],
      ...(compact && { compact: true }),
    });
  }
  /** Welcomes back session `s`, resumed, holding `held`: a broker's answer to a resuming hello. */
  welcomeBack(held: HeldLock[] = []): void {
    this.deliver({
      t: 'welcome',
      v: 1,
      session: 's',
      secret: 'k',
      ttlMs: 10_000,
      resumed: true,
      held,
    });
  }
  deliver(frame: ServerFrame): void {
    this.deliverBytes(encodeFrame(frame));
  }
  deliverBytes(bytes: Uint8Array): void {
    this.onmessage?.({ data: bytes });
  }
}
