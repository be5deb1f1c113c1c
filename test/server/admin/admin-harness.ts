import { request, type IncomingMessage } from 'node:http';
import { onTestFinished } from 'vitest';
import type { AdminOptions } from '../../../server/admin/admin-options.js';
import type { StreamUpdate } from '../../../server/admin/admin-types.js';
import { startAdmin, type AdminServer } from '../../../server/admin/admin-server.js';
import type { BrokerOptions } from '../../../server/broker-options.js';
import type { Broker } from '../../../server/broker.js';
import { startBroker } from '../../helpers/harness.js';

/** An admin server on a free loopback port for `broker`, closed when the test ends. */
export async function startAdminFor(
  broker: Broker,
  options: AdminOptions = {},
): Promise<AdminServer> {
  const admin = await startAdmin(broker.admin, { port: 0, ...options });
  onTestFinished(() => admin.close());
  return admin;
}

/** An in-process broker with its admin server. */
export async function brokerWithAdmin(
  options: BrokerOptions = {},
  adminOptions: AdminOptions = {},
): Promise<{ broker: Broker; admin: AdminServer }> {
  const broker = await startBroker(options);
  return { broker, admin: await startAdminFor(broker, adminOptions) };
}

export interface Answer<T> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The parsed JSON body, taken to be a `T`; null when the body is not JSON. */
  body: T;
}

/** The admin API's error body. */
export interface ErrorBody {
  error: { code: string; message: string };
}

/**
 * One request to the admin server, through node:http so that any header
 * (Host and Origin included, which fetch will not send as given) can be set.
 */
export function call<T = ErrorBody>(
  admin: AdminServer,
  path: string,
  init: { method?: string; token?: string; headers?: Record<string, string> } = {},
): Promise<Answer<T>> {
  const headers = { ...init.headers };
  if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
  return new Promise((resolve, reject) => {
    const req = request(`${admin.url}${path}`, { method: init.method ?? 'GET', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        const json = (res.headers['content-type'] ?? '').startsWith('application/json');
        const body = (json ? JSON.parse(text) : null) as T;
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

export type Update = StreamUpdate;

export interface Stream {
  status: number;
  /** Updates so far, with their arrival time (performance.now()). */
  updates: { at: number; data: Update }[];
  close(): void;
}

/** Opens /api/events (with `token` as a bearer) and collects its `update` events; closed when the test ends. */
export function openStream(admin: AdminServer, token?: string): Promise<Stream> {
  const headers = token === undefined ? {} : { authorization: `Bearer ${token}` };
  return new Promise((resolve, reject) => {
    const req = request(`${admin.url}/api/events`, { headers }, (res: IncomingMessage) => {
      const stream: Stream = {
        status: res.statusCode ?? 0,
        updates: [],
        close: () => req.destroy(),
      };
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, end).split('\n');
          buffer = buffer.slice(end + 2);
          if (!block.includes('event: update')) continue;
          const data = block.find((l) => l.startsWith('data: '))?.slice('data: '.length) ?? '';
          stream.updates.push({ at: performance.now(), data: JSON.parse(data) as Update });
        }
      });
      res.on('error', () => {});
      resolve(stream);
    });
    onTestFinished(() => {
      req.destroy();
    });
    req.on('error', reject);
    req.end();
  });
}
