import WebSocket from 'ws';
import { decodeFrame, encodeFrame } from '../../shared/codec.js';
import { PROTOCOL_VERSION, type ClientFrame, type ServerFrame } from '../../shared/protocol.js';

/** Counts by a key (an outcome, an error code, a close code). */
export type Tally = Record<string, number>;
const bump = (t: Tally, key: string): void => {
  t[key] = (t[key] ?? 0) + 1;
};
const nextTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

function open(url: string, from: string): WebSocket {
  const socket = new WebSocket(url, { perMessageDeflate: false, localAddress: from });
  socket.on('error', () => {});
  return socket;
}

/**
 * The ghost-session flood: `concurrency` loops open a session with the
 * longest TTL, and hang up the moment it is welcomed (or refused), until
 * `untilMs` (performance.now()). Tallies welcomes and refusals by code.
 */
export async function ghostFlood(
  url: string,
  from: string,
  concurrency: number,
  untilMs: number,
): Promise<Tally> {
  const tally: Tally = {};
  const once = () =>
    new Promise<void>((resolve) => {
      const socket = open(url, from);
      let told = false;
      const done = (outcome: string) => {
        if (told) return;
        told = true;
        bump(tally, outcome);
        socket.terminate();
        resolve();
      };
      socket.on('open', () => {
        socket.send(encodeFrame({ t: 'hello', v: PROTOCOL_VERSION, ttlMs: 600_000 }));
      });
      socket.on('message', (data: Buffer) => {
        const f = decodeFrame(data) as ServerFrame;
        done(f.t === 'error' ? f.code : f.t);
      });
      socket.on('close', () => done('closed'));
    });
  const loop = async () => {
    while (performance.now() < untilMs) await once();
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return tally;
}

/**
 * The connection flood: keeps `target` WebSocket connections open (no hello)
 * from `from` until `untilMs`, opening a new one whenever one is refused or
 * closed. Tallies sockets opened and refused.
 */
export async function connectionFlood(
  url: string,
  from: string,
  target: number,
  untilMs: number,
): Promise<Tally> {
  const tally: Tally = {};
  const sockets = new Set<WebSocket>();
  const slot = async (): Promise<void> => {
    while (performance.now() < untilMs) {
      const socket = open(url, from);
      sockets.add(socket);
      await new Promise<void>((resolve) => {
        socket.on('open', () => bump(tally, 'opened'));
        socket.on('close', () => resolve());
        socket.on('unexpected-response', () => resolve());
      });
      sockets.delete(socket);
      if (socket.readyState !== WebSocket.CLOSED) socket.terminate();
      bump(tally, 'ended');
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const stop = setTimeout(() => {
    for (const s of sockets) s.terminate();
  }, untilMs - performance.now());
  await Promise.all(Array.from({ length: target }, slot));
  clearTimeout(stop);
  return tally;
}

/**
 * The frame flood: one connection at a time sends heartbeats and, every
 * tenth frame, a tryAcquire of one path, as fast as its socket drains, until
 * `untilMs`; a connection the broker closes is replaced by a new one.
 * Tallies answers by kind or error code, and closes by code.
 */
export async function frameFlood(url: string, from: string, untilMs: number): Promise<Tally> {
  const tally: Tally = {};
  while (performance.now() < untilMs) {
    const socket = open(url, from);
    let closed = false;
    socket.on('message', (data: Buffer) => {
      const f = decodeFrame(data) as ServerFrame;
      bump(tally, f.t === 'error' ? f.code : f.t);
    });
    const ended = new Promise<void>((resolve) =>
      socket.on('close', (code) => {
        closed = true;
        bump(tally, `close ${code}`);
        resolve();
      }),
    );
    const opened = await new Promise<boolean>((resolve) => {
      socket.on('open', () => resolve(true));
      socket.on('close', () => resolve(false));
    });
    if (!opened) continue;
    const send = (f: ClientFrame) => socket.send(encodeFrame(f));
    send({ t: 'hello', v: PROTOCOL_VERSION });
    let id = 1;
    while (!closed && performance.now() < untilMs) {
      // Our own side must not buffer without bound either.
      if (socket.bufferedAmount < 256 * 1024) {
        for (let i = 0; i < 200; i++, id++) {
          if (id % 10 === 0) send({ t: 'acquire', id, path: 'flood/frames', wait: false });
          else send({ t: 'hb', id });
        }
        bump(tally, 'sent-batches');
      }
      await nextTurn();
    }
    socket.terminate();
    await ended;
  }
  return tally;
}
