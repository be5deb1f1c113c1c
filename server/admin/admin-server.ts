import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DEFAULT_ADMIN_OPTIONS,
  resolveAdminOptions,
  type AdminOptions,
  type ResolvedAdminOptions,
} from './admin-options.js';
import type { AdminSource } from './admin-types.js';
import { silentLogger, type Logger } from '../log.js';
import { AdminAuth } from './auth.js';
import { EventStream } from './event-stream.js';
import { AdminRequestError, sendError, sendJson } from './http-reply.js';
import { AdminMetrics } from './metrics.js';
import { API_ROUTES, type ApiRoute } from './routes.js';
import { scopedSource } from './scoped-source.js';
import { sendConsoleFile } from './static-files.js';
import { createListener } from '../transport/tls.js';

/** A running admin HTTP server. */
export interface AdminServer {
  /** `http://host:port` (`https://` with TLS), as bound. */
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
export async function startAdmin(
  source: AdminSource,
  options: AdminOptions = {},
  log: Logger = silentLogger,
): Promise<AdminServer> {
  return listenAdmin(
    source,
    resolveAdminOptions(options, { principals: source.hasPrincipals }),
    log,
  );
}

/**
 * {@link startAdmin} with options resolved already. Brokers sharing a machine
 * cannot all have the default port, and the lock service matters more than
 * its console: on the default port, a busy one gives way to a free one.
 */
export async function listenAdmin(
  source: AdminSource,
  options: ResolvedAdminOptions,
  log: Logger,
): Promise<AdminServer> {
  try {
    return await listenOn(source, options, log);
  } catch (err) {
    const onDefault = options.port === DEFAULT_ADMIN_OPTIONS.port;
    if (!onDefault || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    log.warn(`admin port ${options.port} is in use; the admin server takes a free one`);
    return listenOn(source, { ...options, port: 0 }, log);
  }
}

async function listenOn(
  source: AdminSource,
  options: ResolvedAdminOptions,
  log: Logger,
): Promise<AdminServer> {
  const admin = new AdminHttpServer(source, options, log);
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
    private readonly log: Logger,
  ) {
    this.auth = new AdminAuth(options.token, source);
    this.metrics = new AdminMetrics(source);
    this.events = new EventStream(source);
    this.server = createListener(options.tls, (req, res) => void this.handle(req, res));
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    const host = this.options.host.includes(':') ? `[${this.options.host}]` : this.options.host;
    return `${this.options.tls ? 'https' : 'http'}://${host}:${this.port}`;
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
        if (this.options.token === null && !this.source.hasPrincipals) {
          this.log.warn(
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
      this.log.error(
        { err, method: req.method, url: req.url },
        'the admin server failed to answer',
      );
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
      // For orchestrators' probes, which carry no credential: they say no more than the role.
      // /healthz is the old name of /livez.
      if (path === '/livez' || path === '/healthz') return sendJson(res, 200, { ok: true });
      if (path === '/readyz') return this.ready(res);
      if (path === '/') return sendConsoleFile(res, 'index.html');
      if (path.startsWith('/console/')) return sendConsoleFile(res, path.slice('/console/'.length));
    }
    const guarded = path === '/metrics' || path.startsWith('/api/');
    if (!guarded) return sendError(res, 'NOT_FOUND', `no route ${req.method} ${path}`);
    const caller = this.auth.identify(req);
    if (caller === 'unauthorized') {
      return sendError(res, 'UNAUTHORIZED', 'the admin API needs Authorization: Bearer <token>');
    }
    if (caller === 'forbidden') {
      return sendError(res, 'FORBIDDEN', 'this principal has no admin rights');
    }
    if (req.method === 'GET' && path === '/metrics') return this.sendMetrics(res);
    if (req.method === 'GET' && path === '/api/events') {
      if (this.events.add(req, res, caller.scope)) return;
      return sendError(res, 'UNAVAILABLE', 'too many event streams are open');
    }
    const route = ROUTES.get(routeKey(req.method ?? '', path));
    if (route === undefined) return sendError(res, 'NOT_FOUND', `no route ${req.method} ${path}`);
    const source = caller.scope === null ? this.source : scopedSource(this.source, caller.scope);
    const answer = route.handle(source, url.searchParams);
    if (req.method === 'POST') {
      // Operators' actions take locks and sessions away from people: say who did what.
      const args = Object.fromEntries(url.searchParams);
      const by = req.socket.remoteAddress;
      this.log.info(
        { action: path, ...args, by, principal: caller.name, answer },
        'operator action',
      );
    }
    sendJson(res, 200, answer);
  }

  /**
   * `/livez` needs nothing but an event loop that answers (a stuck one
   * answers no probe); `/readyz` says whether this broker is a working member
   * of its cluster. A caught-up standby is: it sends clients to the active
   * broker and can take over, so a rolling restart may go on past it.
   */
  private ready(res: ServerResponse): void {
    const reply = this.source.readiness();
    sendJson(res, reply.ready ? 200 : 503, reply);
  }

  private async sendMetrics(res: ServerResponse): Promise<void> {
    const text = await this.metrics.render();
    res.writeHead(200, { 'Content-Type': this.metrics.contentType, 'Cache-Control': 'no-store' });
    res.end(text);
  }
}
