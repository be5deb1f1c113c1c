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
  resolveLockTableOptions,
  type LockTableOptions,
  type ResolvedLockTableOptions,
} from './core/lock-table-options.js';
import {
  resolveRedisMirrorOptions,
  type RedisMirrorOptions,
  type ResolvedRedisMirrorOptions,
} from './mirror/redis-mirror-options.js';
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
}

/** How much any one client, and all of them, may take. Every field is optional. */
export interface LimitOptions extends Pick<
  LockTableOptions,
  'maxSessions' | 'maxLocksPerSession' | 'maxWaitersPerPath'
> {
  /** Largest frame a client may send, in bytes; larger ones close the connection. Default 16 KiB. */
  maxFrameBytes?: number;
  /** Bytes queued to a client that stopped reading before it is cut off. Default 1 MiB. */
  maxBufferedBytes?: number;
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
}

export interface ResolvedTransportOptions {
  readonly host: string;
  readonly port: number;
  readonly advertiseUrl: string | undefined;
  /** Certificate, key and client certificate policy, files already read; null: plain `ws://`. */
  readonly tls: ResolvedTlsOptions | null;
  readonly helloTimeoutMs: number;
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
}

export const DEFAULT_BROKER_OPTIONS = Object.freeze({
  dataDir: '.baton',
  table: Object.freeze({ consistency: 'efficient' as Consistency, tokenBlockSize: 1_000_000 }),
  transport: Object.freeze({ host: '127.0.0.1', port: 7070, helloTimeoutMs: 5_000 }),
  limits: Object.freeze({ maxFrameBytes: 16 * 1024, maxBufferedBytes: 1024 * 1024 }),
});

const BROKER_KEYS: OptionKeys<BrokerOptions> = {
  dataDir: true,
  table: true,
  transport: true,
  limits: true,
  redis: true,
  admin: true,
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
};
const LIMIT_KEYS: OptionKeys<LimitOptions> = {
  maxSessions: true,
  maxLocksPerSession: true,
  maxWaitersPerPath: true,
  maxFrameBytes: true,
  maxBufferedBytes: true,
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
  const { maxFrameBytes, maxBufferedBytes, ...tableLimits } = mergeOptions(
    'limits',
    o.limits,
    LIMIT_KEYS,
    d.limits,
  );
  const t = mergeOptions('transport', o.transport, TRANSPORT_KEYS, d.transport);
  const table = resolveLockTableOptions({ ...tableRules, ...tableLimits, journal: true });
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
  const admin = o.admin ? resolveAdminOptions(o.admin) : null;
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
      host: stringOption('transport.host', t.host),
      port: intOption('transport.port', t.port, 0, 65_535),
      advertiseUrl: t.advertiseUrl,
      tls,
      helloTimeoutMs: intOption('transport.helloTimeoutMs', t.helloTimeoutMs, 1, 600_000),
      // A path of 512 bytes with its frame must fit.
      maxFrameBytes: intOption('limits.maxFrameBytes', maxFrameBytes, 1024, 16 * 1024 * 1024),
      maxBufferedBytes: intOption('limits.maxBufferedBytes', maxBufferedBytes, 1024, 2 ** 30),
    }),
    redis: o.redis ? resolveRedisMirrorOptions(o.redis) : null,
    // The admin server shares the certificate; client certificates stay a
    // lock-port matter (the console is a browser, the admin API has its token).
    admin: admin && tls ? Object.freeze({ ...admin, tls: withoutClientCerts(tls) }) : admin,
  });
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
