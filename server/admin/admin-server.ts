import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  resolveAdminOptions,
  type AdminOptions,
  type ResolvedAdminOptions,
} from './admin-options.js';
import type { AdminSource } from './admin-types.js';
import { AdminAuth } from './auth.js';
import { EventStream } from './event-stream.js';
import { AdminRequestError, sendError, sendJson } from './http-reply.js';
import { AdminMetrics } from './metrics.js';
import { API_ROUTES, type ApiRoute } from './routes.js';
import { sendConsoleFile } from './static-files.js';

/** A running admin HTTP server. */
export interface AdminServer {
  /** `http://host:port`, as bound. */
  readonly url: string;
  readonly port: number;
  /** Ends event streams, stops listening and closes every connection. */
  close(): Promise<void>;
}

const routeKey = (method: string, path: string): string => `${method} ${path}`;
const ROUTES: ReadonlyMap<string, ApiRoute> = new Map(
  API_ROUTES.map((r) => [routeKey(r.method, r.path), r]),
);

/**
 * Starts the admin HTTP server beside a broker: health, Prometheus metrics,
 * JSON views and actions, the live event stream and the browser console.
 */
export function startAdmin(source: AdminSource, options: AdminOptions = {}): Promise<AdminServer> {
  return listenAdmin(source, resolveAdminOptions(options));
}

/** {@link startAdmin} with options resolved already. */
export async function listenAdmin(
  source: AdminSource,
  options: ResolvedAdminOptions,
): Promise<AdminServer> {
  const admin = new AdminHttpServer(source, options);
  await admin.listen();
  return admin;
}

class AdminHttpServer implements AdminServer {
  private readonly server: Server;
  private readonly auth: AdminAuth;
  private readonly metrics: AdminMetrics;
  private readonly events: EventStream;
  private closing: Promise<void> | null = null;

  constructor(
    private readonly source: AdminSource,
    private readonly options: ResolvedAdminOptions,
  ) {
    this.auth = new AdminAuth(options.token);
    this.metrics = new AdminMetrics(source);
    this.events = new EventStream(source);
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    const host = this.options.host.includes(':') ? `[${this.options.host}]` : this.options.host;
    return `http://${host}:${this.port}`;
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const fail = (err: Error): void => {
        this.metrics.close();
        reject(err);
      };
      this.server.once('error', fail);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', fail);
        if (this.options.token === null) {
          this.options.log(
            `admin API on ${this.url} has no token: any local user can use it (set --admin-token or BATON_ADMIN_TOKEN)`,
          );
        }
        resolve();
      });
    });
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.events.close();
      this.metrics.close();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    return this.closing;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      await this.route(req, res);
    } catch (err) {
      if (err instanceof AdminRequestError) return sendError(res, err.code, err.message);
      this.options.log(`admin ${req.method} ${req.url}: ${(err as Error).stack ?? String(err)}`);
      if (res.headersSent) res.destroy();
      else sendError(res, 'INTERNAL', 'the admin server failed to answer; see the broker log');
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Nothing here reads a body; let one flow away rather than stall the socket.
    req.resume();
    const url = URL.parse(req.url ?? '/', 'http://admin.invalid');
    if (url === null) return sendError(res, 'BAD_REQUEST', 'malformed request target');
    const path = url.pathname;
    const refused = this.auth.refusesOrigin(req);
    if (refused !== null) return sendError(res, 'BAD_REQUEST', refused);
    if (req.method === 'GET' || req.method === 'HEAD') {
      if (path === '/healthz') return sendJson(res, 200, { ok: true });
      if (path === '/readyz') return this.ready(res);
      if (path === '/') return sendConsoleFile(res, 'index.html');
      if (path.startsWith('/console/')) return sendConsoleFile(res, path.slice('/console/'.length));
    }
    const guarded = path === '/metrics' || path.startsWith('/api/');
    if (!guarded) return sendError(res, 'NOT_FOUND', `no route ${req.method} ${path}`);
    if (!this.auth.allows(req)) {
      return sendError(res, 'UNAUTHORIZED', 'the admin API needs Authorization: Bearer <token>');
    }
    if (req.method === 'GET' && path === '/metrics') return this.sendMetrics(res);
    if (req.method === 'GET' && path === '/api/events') {
      if (this.events.add(req, res)) return;
      return sendError(res, 'UNAVAILABLE', 'too many event streams are open');
    }
    const route = ROUTES.get(routeKey(req.method ?? '', path));
    if (route === undefined) return sendError(res, 'NOT_FOUND', `no route ${req.method} ${path}`);
    sendJson(res, 200, route.handle(this.source, url.searchParams));
  }

  private ready(res: ServerResponse): void {
    const { role, strictGraceMs } = this.source.overview();
    // A broker waiting out the strict grace grants efficient locks, but not what strict users need.
    const ready = (role === 'embedded' || role === 'active') && strictGraceMs === 0;
    sendJson(res, ready ? 200 : 503, { ready, role, strictGraceMs });
  }

  private async sendMetrics(res: ServerResponse): Promise<void> {
    const text = await this.metrics.render();
    res.writeHead(200, { 'Content-Type': this.metrics.contentType, 'Cache-Control': 'no-store' });
    res.end(text);
  }
}
