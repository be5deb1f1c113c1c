/**
 * The floor's client: the workloads' `LockClient` over `ws` and `msgpackr`,
 * corked per tick as Baton's Node client is, and nothing more: no session,
 * heartbeats, resends or checks.
 */
import WebSocket from 'ws';
import { corkForTick, type CorkState } from '../../shared/tick-corker.js';
import type { LockClient, LockLease } from '../lib/pool.js';
import { FLOOR_OP, floorCodec } from './server.js';

export function connectFloor(url: string): Promise<LockClient> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once('open', () => resolve(floorClient(ws)));
    ws.once('error', reject);
  });
}

function floorClient(ws: WebSocket): LockClient {
  const pending = new Map<number, (token: number) => void>();
  const cork: CorkState = { socket: ws, corked: null };
  let nextId = 1;
  ws.on('message', (data) => {
    const [id, token] = floorCodec.unpack(data as Buffer) as [number, number];
    const answer = pending.get(id);
    pending.delete(id);
    answer?.(token);
  });
  const send = (op: number, id: number, path: string): void => {
    corkForTick(cork, process.nextTick);
    ws.send(floorCodec.pack([op, id, path]));
  };
  const ask = (op: number, path: string): Promise<number> =>
    new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      send(op, id, path);
    });
  // Unanswered, as Baton's: it resolves once sent.
  const lease = (path: string, token: number): LockLease => ({
    token,
    release: async () => send(FLOOR_OP.release, 0, path),
  });
  return {
    acquire: async (path) => lease(path, await ask(FLOOR_OP.acquire, path)),
    tryAcquire: async (path) => {
      const token = await ask(FLOOR_OP.tryAcquire, path);
      return token === 0 ? null : lease(path, token);
    },
  };
}
