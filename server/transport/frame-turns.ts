import type { RawData } from 'ws';
import type { Connection } from './connection.js';

/**
 * How many frames of one connection are handled in a row while others may
 * wait. `ws` hands over every frame of a read at once; a client that sent
 * thousands in one go would hold everyone else for all of them.
 */
export const FRAMES_IN_A_ROW = 16;

/**
 * Frames one connection may have waiting. A read of 64 KiB holds about 2,000
 * acquires, so no client's burst comes near it; one of 1-byte frames holds
 * 9,000, each ~120 bytes of heap while it waits: a flood, cut off as one.
 */
export const MAX_WAITING_FRAMES = 4_096;

/** What the gateway gives {@link FrameTurns}: how to handle a frame, and a flood. */
export interface TurnHandler {
  take(conn: Connection, data: RawData, isBinary: boolean): void;
  /** `conn` had more than MAX_WAITING_FRAMES waiting; they were dropped. */
  flooded(conn: Connection): void;
  /** Something threw where no connection's handling could catch it (a bug). */
  failed(conn: Connection, err: unknown): void;
}

/**
 * Takes clients' frames in turns. Past `FRAMES_IN_A_ROW` frames of one
 * connection with no other's in between (however far apart), the rest of
 * its read waits for the next turn of the event loop, its socket paused, and
 * others are read in between. Each turn, every waiting connection gets as
 * many more, in order.
 */
export class FrameTurns {
  /** The connection whose frames came last, and how many came in a row. */
  private inARow: Connection | null = null;
  private rowLength = 0;
  /** Connections whose frames wait for their turn. */
  private waiting: Connection[] = [];

  constructor(private readonly handler: TurnHandler) {}

  /** One frame in: handled now, or kept for its connection's next turn. */
  receive(conn: Connection, data: RawData, isBinary: boolean): void {
    if (conn.closed) return;
    if (conn.backlog !== null) {
      if (conn.backlog.push(data, isBinary) > 2 * MAX_WAITING_FRAMES) this.overflow(conn);
      return;
    }
    if (this.inARow !== conn) {
      this.inARow = conn;
      this.rowLength = 0;
    }
    if (++this.rowLength > FRAMES_IN_A_ROW) return this.holdBack(conn, data, isBinary);
    this.handler.take(conn, data, isBinary);
  }

  /**
   * The client closed its socket: what it sent before is handled now, in
   * order (a release or a bye among it must not be lost), before the close.
   */
  finish(conn: Connection): void {
    const backlog = conn.backlog;
    if (backlog === null) return;
    conn.backlog = null;
    for (let i = 0; i < backlog.length && !conn.closed; i += 2) {
      this.handler.take(conn, backlog[i] as RawData, backlog[i + 1] as boolean);
    }
  }

  /** Keeps the rest of `conn`'s read for a later turn, and reads no more of it meanwhile. */
  private holdBack(conn: Connection, data: RawData, isBinary: boolean): void {
    conn.backlog = [data, isBinary];
    conn.socket.pause();
    if (this.waiting.push(conn) === 1) setImmediate(this.nextTurn);
  }

  private overflow(conn: Connection): void {
    conn.backlog = null;
    this.handler.flooded(conn);
    conn.socket.resume();
  }

  /** A callback, hence an arrow. */
  private readonly nextTurn = (): void => {
    const waiting = this.waiting;
    this.waiting = [];
    this.inARow = null;
    for (const conn of waiting) {
      try {
        this.takeSome(conn);
      } catch (err) {
        // Not expected (each frame's handling catches its own), but never out of a callback.
        conn.backlog = null;
        this.handler.failed(conn, err);
        conn.socket.resume();
      }
    }
    if (this.waiting.length > 0) setImmediate(this.nextTurn);
  };

  private takeSome(conn: Connection): void {
    const backlog = conn.backlog;
    // Finished meanwhile (its client closed), or cut off.
    if (backlog === null) return;
    const end = Math.min(backlog.length, 2 * FRAMES_IN_A_ROW);
    let i = 0;
    for (; i < end && !conn.closed; i += 2) {
      this.handler.take(conn, backlog[i] as RawData, backlog[i + 1] as boolean);
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
}
