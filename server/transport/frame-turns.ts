import type { RawData } from 'ws';
import type { Connection } from './connection.js';

/**
 * How many frames of one connection are handled in a row while others may
 * wait. `ws` hands over every frame of a read at once; a client that sent
 * thousands in one go would hold everyone else for all of them.
 */
export const FRAMES_IN_A_ROW = 16;

/**
 * Takes clients' frames in turns. Past `FRAMES_IN_A_ROW` frames of one
 * connection with no other's in between, the rest of its read waits for the
 * next turn of the event loop, its socket paused (so what waits is at most
 * what one read brought), and others are read in between. Each turn, every
 * waiting connection gets as many more, in order.
 */
export class FrameTurns {
  /** The connection whose frames came last, and how many came in a row. */
  private inARow: Connection | null = null;
  private rowLength = 0;
  /** Connections whose frames wait for their turn. */
  private waiting: Connection[] = [];

  constructor(
    private readonly take: (conn: Connection, data: RawData, isBinary: boolean) => void,
  ) {}

  /** One frame in: handled now, or kept for its connection's next turn. */
  receive(conn: Connection, data: RawData, isBinary: boolean): void {
    if (conn.closed) return;
    if (conn.backlog !== null) {
      conn.backlog.push(data, isBinary);
      return;
    }
    if (this.inARow !== conn) {
      this.inARow = conn;
      this.rowLength = 0;
    }
    if (++this.rowLength > FRAMES_IN_A_ROW) return this.holdBack(conn, data, isBinary);
    this.take(conn, data, isBinary);
  }

  /** Keeps the rest of `conn`'s read for a later turn, and reads no more of it meanwhile. */
  private holdBack(conn: Connection, data: RawData, isBinary: boolean): void {
    conn.backlog = [data, isBinary];
    conn.socket.pause();
    if (this.waiting.push(conn) === 1) setImmediate(this.nextTurn);
  }

  /** A callback, hence an arrow. */
  private readonly nextTurn = (): void => {
    const waiting = this.waiting;
    this.waiting = [];
    this.inARow = null;
    for (const conn of waiting) {
      const backlog = conn.backlog!;
      const end = Math.min(backlog.length, 2 * FRAMES_IN_A_ROW);
      let i = 0;
      for (; i < end && !conn.closed; i += 2) {
        this.take(conn, backlog[i] as RawData, backlog[i + 1] as boolean);
      }
      if (i < backlog.length && !conn.closed) {
        backlog.splice(0, i);
        this.waiting.push(conn);
      } else {
        // Closed too: its close handshake still needs reading.
        conn.backlog = null;
        conn.socket.resume();
      }
    }
    if (this.waiting.length > 0) setImmediate(this.nextTurn);
  };
}
