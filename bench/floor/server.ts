/**
 * The floor (issue 14): the least a FIFO push lock server can do over Baton's
 * transport (`ws`) and codec (`msgpackr`). One queue per path, a grant pushed
 * the moment the holder releases, a token from one counter (the bench orders
 * grants by it), replies corked per tick as Baton's are; no sessions,
 * leases, stored tokens, quotas or checks of what arrives, and durability
 * only with a Redis log (redis-log.ts). Baton's rows are read against it:
 * what Baton costs above this is what its guarantees and its code cost.
 */
import type { AddressInfo } from 'node:net';
import { Packr } from 'msgpackr';
import { WebSocketServer, type WebSocket } from 'ws';
import { corkForTick, type CorkState } from '../../shared/tick-corker.js';
import { FLOOR_AHEAD } from '../lib/config.js';
import type { FloorLog } from './redis-log.js';

/**
 * Client frames are `[op, id, path]`; the server answers acquires with
 * `[id, token]` (token 0: busy). Releases go unanswered, as Baton's do.
 */
export const FLOOR_OP = { acquire: 0, tryAcquire: 1, release: 2 } as const;

export const floorCodec = new Packr({ useRecords: false });

interface Waiter {
  ws: WebSocket;
  id: number;
  /** Ahead (below): its entry as the next holder is durable. */
  durable?: boolean;
  /** Ahead: the token it was granted with while that entry was still being written. */
  token?: number;
}

/** A path's holder and its waiters from `head` on (an array used as a queue; served slots emptied). */
interface Queue {
  holder: WebSocket;
  waiters: (Waiter | undefined)[];
  head: number;
}

const waiting = (q: Queue): number => q.waiters.length - q.head;

export interface FloorServer {
  port: number;
  /** Holders and waiters of `path`, for C's "queue formed". */
  queue(path: string): { holders: number; waiting: number };
}

/** With a `log`, each grant goes to Redis too (redis-log.ts): the floor of Baton's Redis modes. */
export function startFloorServer(log: FloorLog | null = null): Promise<FloorServer> {
  const queues = new Map<string, Queue>();
  /** `FLOOR_AHEAD` applies to a strict log only; an efficient one sends grants at once anyway. */
  const aheadLog = FLOOR_AHEAD && log?.strict ? log : null;
  let token = 0;
  const reply = (ws: WebSocket, id: number, t: number): void => {
    const cork = corkers.get(ws);
    if (cork) corkForTick(cork, process.nextTick);
    ws.send(floorCodec.pack([id, t]));
  };
  const send = (ws: WebSocket, id: number, t: number, path: string): void => {
    if (log && t > 0) log.grant([path, t], () => reply(ws, id, t));
    else reply(ws, id, t);
  };

  const release = (ws: WebSocket, path: string): void => {
    const q = queues.get(path);
    if (!q || q.holder !== ws) return;
    const next = q.waiters[q.head];
    if (!next) {
      queues.delete(path);
      return;
    }
    q.waiters[q.head++] = undefined;
    if (q.head > 1024 && q.head * 2 > q.waiters.length) {
      q.waiters = q.waiters.slice(q.head);
      q.head = 0;
    }
    q.holder = next.ws;
    if (aheadLog) {
      next.token = ++token;
      if (next.durable) reply(next.ws, next.id, next.token);
      ahead(path, q);
      return;
    }
    send(next.ws, next.id, ++token, path);
  };
  /** Ahead: logs the queue's head as the next holder; its grant goes once that is durable. */
  const ahead = (path: string, q: Queue): void => {
    const w = q.waiters[q.head];
    if (!w || !aheadLog) return;
    aheadLog.grant([path, 'next'], () => {
      w.durable = true;
      if (w.token !== undefined) reply(w.ws, w.id, w.token);
    });
  };

  const onFrame = (ws: WebSocket, data: Buffer): void => {
    const [op, id, path] = floorCodec.unpack(data) as [number, number, string];
    const q = queues.get(path);
    if (op === FLOOR_OP.release) return release(ws, path);
    if (!q) {
      queues.set(path, { holder: ws, waiters: [], head: 0 });
      return send(ws, id, ++token, path);
    }
    if (op === FLOOR_OP.tryAcquire) return send(ws, id, 0, path);
    q.waiters.push({ ws, id });
    if (aheadLog && waiting(q) === 1) ahead(path, q);
  };

  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    perMessageDeflate: false,
    clientTracking: false,
  });
  const corkers = new WeakMap<WebSocket, CorkState>();
  wss.on('connection', (ws) => {
    corkers.set(ws, { socket: ws, corked: null });
    ws.on('message', (data) => onFrame(ws, data as Buffer));
  });
  const queue = (path: string) => {
    const q = queues.get(path);
    return { holders: q ? 1 : 0, waiting: q ? waiting(q) : 0 };
  };
  return new Promise((resolve) =>
    wss.on('listening', () => resolve({ port: (wss.address() as AddressInfo).port, queue })),
  );
}
