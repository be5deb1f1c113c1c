import WebSocket from 'ws';
import { decodeFrame, encodeFrame } from '../../shared/codec.js';
import { PROTOCOL_VERSION, type ClientFrame, type ServerFrame } from '../../shared/protocol.js';

export interface FloodOptions {
  sessions: number;
  locksPerSession: number;
  /** Local address to flood from (127.0.0.x plays another host). */
  from?: string;
  /** Bytes of each path (at most 512). Default 480. */
  pathBytes?: number;
  /** Session TTL asked for. Default 600,000 ms, the broker's max. */
  ttlMs?: number;
}

export interface FloodResult {
  granted: number;
  /** Error answers by code. */
  refused: Record<string, number>;
  /** Sessions the broker refused at hello, by code. */
  helloRefused: Record<string, number>;
  /** The flood's sockets: `abandon` drops them without a bye, as an attacker would. */
  abandon(): void;
}

/**
 * A lock flood as an attacker sends it: `sessions` raw connections, each
 * opening a session and sending `locksPerSession` acquires of distinct long
 * paths at once. Resolves when every acquire is answered (or its connection
 * closed); the sessions are left open until `abandon`.
 */
export async function floodLocks(url: string, o: FloodOptions): Promise<FloodResult> {
  const pathBytes = o.pathBytes ?? 480;
  const result: FloodResult = { granted: 0, refused: {}, helloRefused: {}, abandon: () => {} };
  const sockets: WebSocket[] = [];
  result.abandon = () => {
    for (const s of sockets) s.terminate();
  };
  const one = (n: number) =>
    new Promise<void>((resolve) => {
      const socket = new WebSocket(url, {
        perMessageDeflate: false,
        ...(o.from !== undefined && { localAddress: o.from }),
      });
      sockets.push(socket);
      let answered = 0;
      const send = (f: ClientFrame) => socket.send(encodeFrame(f));
      socket.on('error', () => resolve());
      socket.on('close', () => resolve());
      socket.on('open', () => send({ t: 'hello', v: PROTOCOL_VERSION, ttlMs: o.ttlMs ?? 600_000 }));
      socket.on('message', (data: Buffer) => {
        const f = decodeFrame(data) as ServerFrame;
        if (f.t === 'welcome') {
          const prefix = `flood/${n}/`;
          const pad = 'x'.repeat(Math.max(0, pathBytes - prefix.length - 6));
          for (let i = 0; i < o.locksPerSession; i++) {
            send({ t: 'acquire', id: i + 1, path: `${prefix}${pad}/${i}`, wait: true });
          }
          if (o.locksPerSession === 0) resolve();
          return;
        }
        if (f.t === 'error' && f.id === undefined) {
          result.helloRefused[f.code] = (result.helloRefused[f.code] ?? 0) + 1;
          return resolve();
        }
        if (f.t === 'grant') result.granted++;
        else if (f.t === 'error') result.refused[f.code] = (result.refused[f.code] ?? 0) + 1;
        else return;
        if (++answered === o.locksPerSession) resolve();
      });
    });
  const all: Promise<void>[] = [];
  for (let n = 0; n < o.sessions; n++) all.push(one(n));
  await Promise.all(all);
  return result;
}
