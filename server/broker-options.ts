import { InvalidOptionError } from '../shared/errors.js';
import {
  intOption,
  mergeOptions,
  oneOfOption,
  stringOption,
  type OptionKeys,
} from '../shared/options.js';
import type { Consistency } from '../shared/protocol.js';
import {
  resolveAdminOptions,
  type AdminOptions,
  type ResolvedAdminOptions,
} from './admin/admin-options.js';
import {
  resolveAuthOptions,
  type AuthOptions,
  type ResolvedAuthOptions,
} from './auth/auth-options.js';
import {
  resolveLockTableOptions,
  type LockTableOptions,
  type ResolvedLockTableOptions,
} from './core/lock-table-options.js';
import {
  resolveRedisMirrorOptions,
  type RedisMirrorOptions,
  type ResolvedRedisMirrorOptions,
} from './mirror/redis-mirror-options.js';
import { heapLimitBytes, openFilesLimit, SPARE_FILES } from './system-limits.js';
import type { AdmissionLimits } from './transport/admission.js';
import {
  resolveTlsOptions,
  withoutClientCerts,
  type ResolvedTlsOptions,
  type TlsOptions,
} from './transport/tls.js';

/** The rules of the lock table. Every field is optional. */
export interface BrokerTableOptions extends Pick<
  LockTableOptions,
  'defaultSessionTtlMs' | 'minSessionTtlMs' | 'maxSessionTtlMs' | 'lockDelayMs' | 'tokenLowWater'
> {
  /** Level of an acquire that names none and matches no prefix. Default `efficient`. */
  consistency?: Consistency;
  /** Levels by path prefix; the longest matching prefix wins. Default none. */
  consistencyByPrefix?: Record<string, Consistency>;
  /** Tokens reserved per durable write. Default 1,000,000. */
  tokenBlockSize?: number;
}

/** Where a broker listens for clients. Every field is optional. */
export interface TransportOptions {
  /** Interface to listen on. Default `127.0.0.1`. */
  host?: string;
  /** Port to listen on; 0 picks a free one. Default 7070. */
  port?: number;
  /** The URL standbys send clients to for this broker. Default `ws://host:port` as bound (`wss://` with `tls`). */
  advertiseUrl?: string;
  /**
   * Serve `wss://` (and the admin server `https://`) with this certificate,
   * and optionally ask clients for theirs. Default none: plain `ws://`.
   */
  tls?: TlsOptions;
  /** A connection that has not said hello by then is closed. Default 5,000 ms. */
  helloTimeoutMs?: number;
  /**
   * Origins (`https://app.example.com`) whose pages may open a WebSocket to
   * the broker; `*` is any. An upgrade with another `Origin` header is
   * refused (403); one without (not a browser) passes. Default: pages served
   * from the host the client dialled only (Origin's host equals Host).
   */
  allowedOrigins?: string[];
}

/**
 * How much any one client, and all of them, may take. Every field is
 * optional. An owner is the session's principal with auth, its client
 * address without. Quotas and the budget refuse with `LIMIT_EXCEEDED`, rates
 * with `RATE_LIMITED`.
 */
export interface LimitOptions extends Pick<
  LockTableOptions,
  | 'maxSessions'
  | 'maxLocksPerSession'
  | 'maxWaitersPerPath'
  | 'maxSessionsPerOwner'
  | 'maxLocksPerOwner'
  | 'maxDetachedMs'
  | 'maxTableBytes'
> {
  /** Largest frame a client may send, in bytes; larger ones close the connection. Default 16 KiB. */
  maxFrameBytes?: number;
  /** Bytes queued to a client that stopped reading before it is cut off. Default 1 MiB. */
  maxBufferedBytes?: number;
  /**
   * Open client connections in all; sockets past it are refused at once, so
   * the admin port and open sessions keep their file descriptors. Default:
   * the open-files limit less 256 (at least half of it), at most 50,000
   * (10,000 where the limit cannot be read).
   */
  maxConnections?: number;
  /** Open connections from one client address. Default 10,000. */
  maxConnectionsPerAddress?: number;
  /** Hellos (new or resumed sessions) a second from one client address. Default 500. */
  helloRatePerSec?: number;
  /** Hellos one address may send at once before the rate applies. Default 10,000. */
  helloBurst?: number;
  /** Frames a second on one connection; acquires past it fail with `RATE_LIMITED`. Default 5,000. */
  frameRatePerSec?: number;
  /** Frames one connection may send at once; a connection a whole burst past the rate is closed (4009). Default 10,000. */
  frameBurst?: number;
}

/** A broker, part by part. Every field is optional. */
export interface BrokerOptions {
  /** Where the embedded default keeps its token mark. Default `.baton` in the working dir. */
  dataDir?: string;
  table?: BrokerTableOptions;
  transport?: TransportOptions;
  limits?: LimitOptions;
  /** Mirror to Redis, with hot standbys and failover. Default none: the embedded mode. */
  redis?: RedisMirrorOptions;
  /** Serve the admin HTTP API, metrics and console beside the broker. Default none. */
  admin?: AdminOptions;
  /** Principals, their credentials and prefixes. Default none: no authentication. */
  auth?: AuthOptions;
}

export interface ResolvedTransportOptions extends Readonly<AdmissionLimits> {
  readonly host: string;
  readonly port: number;
  readonly advertiseUrl: string | undefined;
  /** Certificate, key and client certificate policy, files already read; null: plain `ws://`. */
  readonly tls: ResolvedTlsOptions | null;
  readonly helloTimeoutMs: number;
  /** null: same host only. */
  readonly allowedOrigins: readonly string[] | null;
  readonly maxFrameBytes: number;
  readonly maxBufferedBytes: number;
}

export interface ResolvedBrokerOptions {
  readonly dataDir: string;
  /** The core's own options, limits included; always journaled (history and mirror are made from it). */
  readonly table: ResolvedLockTableOptions;
  readonly consistency: Consistency;
  readonly consistencyByPrefix: readonly (readonly [string, Consistency])[];
  readonly tokenBlockSize: number;
  /** Listening, and the per-connection limits the gateway enforces. */
  readonly transport: ResolvedTransportOptions;
  readonly redis: ResolvedRedisMirrorOptions | null;
  readonly admin: ResolvedAdminOptions | null;
  readonly auth: ResolvedAuthOptions;
}

export const DEFAULT_BROKER_OPTIONS = Object.freeze({
  dataDir: '.baton',
  table: Object.freeze({ consistency: 'efficient' as Consistency, tokenBlockSize: 1_000_000 }),
  transport: Object.freeze({ host: '127.0.0.1', port: 7070, helloTimeoutMs: 5_000 }),
  limits: Object.freeze({
    maxFrameBytes: 16 * 1024,
    maxBufferedBytes: 1024 * 1024,
    maxConnectionsPerAddress: 10_000,
    helloRatePerSec: 500,
    helloBurst: 10_000,
    frameRatePerSec: 5_000,
    frameBurst: 10_000,
  }),
});

/**
 * `maxConnections` when none is given: below the open-files limit by what
 * the broker needs for itself, so a flood of sockets meets the cap before
 * the limit (past which even the admin port could not accept).
 */
export function defaultMaxConnections(openFiles = openFilesLimit()): number {
  if (openFiles === null) return 10_000;
  // Under a tiny limit, half of it rather than next to nothing (the start-up warning says so).
  const spared = Math.max(openFiles - SPARE_FILES, Math.floor(openFiles / 2));
  return Math.max(1, Math.min(50_000, spared));
}

/**
 * `maxTableBytes` when none is given: a quarter of the heap limit. The
 * budget's estimate runs 1.3 to 1.7 times the heap really used (see
 * core/table-bytes.ts), so the table stays under a fifth of the heap and the
 * rest is left to connections, frames in flight and the mirror's batches.
 */
export function defaultMaxTableBytes(heapBytes = heapLimitBytes()): number {
  return Math.floor(heapBytes / 4);
}

const BROKER_KEYS: OptionKeys<BrokerOptions> = {
  dataDir: true,
  table: true,
  transport: true,
  limits: true,
  redis: true,
  admin: true,
  auth: true,
};
const TABLE_KEYS: OptionKeys<BrokerTableOptions> = {
  defaultSessionTtlMs: true,
  minSessionTtlMs: true,
  maxSessionTtlMs: true,
  lockDelayMs: true,
  tokenLowWater: true,
  consistency: true,
  consistencyByPrefix: true,
  tokenBlockSize: true,
};
const TRANSPORT_KEYS: OptionKeys<TransportOptions> = {
  host: true,
  port: true,
  advertiseUrl: true,
  tls: true,
  helloTimeoutMs: true,
  allowedOrigins: true,
};
const LIMIT_KEYS: OptionKeys<LimitOptions> = {
  maxSessions: true,
  maxLocksPerSession: true,
  maxWaitersPerPath: true,
  maxSessionsPerOwner: true,
  maxLocksPerOwner: true,
  maxDetachedMs: true,
  maxTableBytes: true,
  maxFrameBytes: true,
  maxBufferedBytes: true,
  maxConnections: true,
  maxConnectionsPerAddress: true,
  helloRatePerSec: true,
  helloBurst: true,
  frameRatePerSec: true,
  frameBurst: true,
};

const LEVELS: readonly Consistency[] = ['efficient', 'strict'];

/** Merges `options` over the defaults part by part and validates them, naming any bad property. */
export function resolveBrokerOptions(options: BrokerOptions = {}): ResolvedBrokerOptions {
  const d = DEFAULT_BROKER_OPTIONS;
  const o = mergeOptions('', options, BROKER_KEYS, { dataDir: d.dataDir });
  const { consistency, consistencyByPrefix, tokenBlockSize, ...tableRules } = mergeOptions(
    'table',
    o.table,
    TABLE_KEYS,
    d.table,
  );
  const {
    maxFrameBytes,
    maxBufferedBytes,
    maxConnections,
    maxConnectionsPerAddress,
    helloRatePerSec,
    helloBurst,
    frameRatePerSec,
    frameBurst,
    ...tableLimits
  } = mergeOptions('limits', o.limits, LIMIT_KEYS, d.limits);
  const t = mergeOptions('transport', o.transport, TRANSPORT_KEYS, d.transport);
  const table = resolveLockTableOptions({
    ...tableRules,
    ...tableLimits,
    maxTableBytes: tableLimits.maxTableBytes ?? defaultMaxTableBytes(),
    journal: true,
  });
  const host = stringOption('transport.host', t.host);
  const auth = resolveAuthOptions(o.auth, host);
  const byPrefix = Object.entries(consistencyByPrefix ?? {});
  for (const [prefix, level] of byPrefix) {
    oneOfOption(`table.consistencyByPrefix['${prefix}']`, level, LEVELS);
  }
  if (t.advertiseUrl !== undefined && !/^wss?:\/\//.test(t.advertiseUrl)) {
    throw new InvalidOptionError('transport.advertiseUrl must be a ws:// or wss:// URL');
  }
  const tls = t.tls === undefined ? null : resolveTlsOptions('transport.tls', t.tls);
  // Behind a proxy that ends TLS, a plain broker may advertise wss://; a TLS one never ws://.
  if (tls !== null && t.advertiseUrl?.startsWith('ws://')) {
    throw new InvalidOptionError('transport.advertiseUrl must be wss:// when transport.tls is set');
  }
  const admin = o.admin ? resolveAdminOptions(o.admin, { principals: auth.file !== null }) : null;
  return Object.freeze({
    dataDir: stringOption('dataDir', o.dataDir),
    table,
    consistency: oneOfOption('table.consistency', consistency, LEVELS),
    consistencyByPrefix: byPrefix,
    // The table asks for a new block at its low-water mark; a block no larger
    // than that would have it asking on every grant.
    tokenBlockSize: intOption(
      'table.tokenBlockSize',
      tokenBlockSize,
      table.tokenLowWater * 2,
      2 ** 40,
    ),
    transport: Object.freeze({
      host,
      port: intOption('transport.port', t.port, 0, 65_535),
      advertiseUrl: t.advertiseUrl,
      tls,
      helloTimeoutMs: intOption('transport.helloTimeoutMs', t.helloTimeoutMs, 1, 600_000),
      allowedOrigins: resolveOrigins(t.allowedOrigins),
      // A path of 512 bytes with its frame must fit.
      maxFrameBytes: intOption('limits.maxFrameBytes', maxFrameBytes, 1024, 16 * 1024 * 1024),
      maxBufferedBytes: intOption('limits.maxBufferedBytes', maxBufferedBytes, 1024, 2 ** 30),
      maxConnections: intOption(
        'limits.maxConnections',
        maxConnections ?? defaultMaxConnections(),
        1,
        10_000_000,
      ),
      maxConnectionsPerAddress: intOption(
        'limits.maxConnectionsPerAddress',
        maxConnectionsPerAddress,
        1,
        10_000_000,
      ),
      helloRatePerSec: intOption('limits.helloRatePerSec', helloRatePerSec, 1, 10_000_000),
      helloBurst: intOption('limits.helloBurst', helloBurst, 1, 10_000_000),
      frameRatePerSec: intOption('limits.frameRatePerSec', frameRatePerSec, 1, 10_000_000),
      frameBurst: intOption('limits.frameBurst', frameBurst, 1, 10_000_000),
    }),
    redis: o.redis ? resolveRedisMirrorOptions(o.redis) : null,
    // Principals with admin rights are a credential too. The admin server
    // shares the certificate; client certificates stay a lock-port matter.
    admin: admin && tls ? Object.freeze({ ...admin, tls: withoutClientCerts(tls) }) : admin,
    auth,
  });
}

/** Origins as browsers send them (`scheme://host[:port]`, lower case), or `*`. */
function resolveOrigins(origins: unknown): readonly string[] | null {
  if (origins === undefined) return null;
  const name = 'transport.allowedOrigins';
  if (!Array.isArray(origins)) throw new InvalidOptionError(`${name} must be a list of origins`);
  return Object.freeze(
    origins.map((o: unknown) => {
      if (o === '*') return o;
      const url = typeof o === 'string' ? URL.parse(o) : null;
      if (url === null || url.origin === 'null' || url.href.replace(/\/$/, '') !== url.origin) {
        throw new InvalidOptionError(
          `${name}: ${String(o)} is not an origin (scheme://host[:port], or *)`,
        );
      }
      return url.origin;
    }),
  );
}

/** The level an acquire of `path` gets: the asked one, else the longest matching prefix's, else the default. */
export function levelFor(
  options: ResolvedBrokerOptions,
  path: string,
  asked: Consistency | undefined,
): Consistency {
  if (asked) return asked;
  let best = '';
  let level = options.consistency;
  for (const [prefix, l] of options.consistencyByPrefix) {
    if (path.startsWith(prefix) && prefix.length >= best.length) {
      best = prefix;
      level = l;
    }
  }
  return level;
}
