import { InvalidOptionError } from '../shared/errors.js';
import type { Consistency } from '../shared/protocol.js';
import {
  resolveRedisMirrorOptions,
  type RedisMirrorOptions,
  type ResolvedRedisMirrorOptions,
} from './mirror/redis-mirror-options.js';
import {
  requireInt,
  resolveLockTableOptions,
  withoutUndefined,
  type LockTableOptions,
  type ResolvedLockTableOptions,
} from './core/lock-table-options.js';

/** How a broker listens and where it keeps its state. Every field is optional. */
export interface BrokerOptions extends LockTableOptions {
  /** Interface to listen on. Default `127.0.0.1`. */
  host?: string;
  /** Port to listen on; 0 picks a free one. Default 7070. */
  port?: number;
  /** Where the embedded default keeps its token mark. Default `.baton` in the working dir. */
  dataDir?: string;
  /** Largest frame a client may send, in bytes; larger ones close the connection. Default 16 KiB. */
  maxFrameBytes?: number;
  /** Bytes queued to a client that stopped reading before it is cut off. Default 1 MiB. */
  maxBufferedBytes?: number;
  /** A connection that has not said hello by then is closed. Default 5,000 ms. */
  helloTimeoutMs?: number;
  /** Tokens reserved per durable write. Default 1,000,000. */
  tokenBlockSize?: number;
  /** Mirror to Redis, with hot standbys and failover. Default none: the embedded mode. */
  redis?: RedisMirrorOptions;
  /** The URL standbys send clients to for this broker. Default `ws://host:port` as bound. */
  advertiseUrl?: string;
  /** Level of an acquire that names none and matches no prefix. Default `efficient`. */
  consistency?: Consistency;
  /** Levels by path prefix; the longest matching prefix wins. Default none. */
  consistencyByPrefix?: Record<string, Consistency>;
}

export interface ResolvedBrokerOptions {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly maxFrameBytes: number;
  readonly maxBufferedBytes: number;
  readonly helloTimeoutMs: number;
  readonly tokenBlockSize: number;
  readonly table: ResolvedLockTableOptions;
  readonly redis: ResolvedRedisMirrorOptions | null;
  readonly advertiseUrl: string | undefined;
  readonly consistency: Consistency;
  readonly consistencyByPrefix: readonly (readonly [string, Consistency])[];
}

export const DEFAULT_BROKER_OPTIONS = Object.freeze({
  host: '127.0.0.1',
  port: 7070,
  dataDir: '.baton',
  maxFrameBytes: 16 * 1024,
  maxBufferedBytes: 1024 * 1024,
  helloTimeoutMs: 5_000,
  tokenBlockSize: 1_000_000,
});

/** Merges `options` over the defaults and validates them, naming any bad property. */
export function resolveBrokerOptions(options: BrokerOptions = {}): ResolvedBrokerOptions {
  const { host, port, dataDir, maxFrameBytes, maxBufferedBytes, helloTimeoutMs, tokenBlockSize } = {
    ...DEFAULT_BROKER_OPTIONS,
    ...withoutUndefined(options),
  };
  if (typeof host !== 'string' || host === '') {
    throw new InvalidOptionError('host must be a non-empty string');
  }
  if (typeof dataDir !== 'string' || dataDir === '') {
    throw new InvalidOptionError('dataDir must be a non-empty string');
  }
  requireInt('port', port, 0, 65_535);
  // A path of 512 bytes with its frame must fit.
  requireInt('maxFrameBytes', maxFrameBytes, 1024, 16 * 1024 * 1024);
  requireInt('maxBufferedBytes', maxBufferedBytes, 1024, 1024 * 1024 * 1024);
  requireInt('helloTimeoutMs', helloTimeoutMs, 1, 600_000);
  const table = resolveLockTableOptions(options);
  // The table asks for a new block at its low-water mark; a block no larger
  // than that would have it asking on every grant.
  requireInt('tokenBlockSize', tokenBlockSize, table.tokenLowWater * 2, 2 ** 40);
  const consistency = options.consistency ?? 'efficient';
  const byPrefix = Object.entries(options.consistencyByPrefix ?? {});
  for (const [prefix, level] of [['', consistency] as const, ...byPrefix]) {
    if (level !== 'efficient' && level !== 'strict') {
      throw new InvalidOptionError(`consistency for '${prefix}' must be 'efficient' or 'strict'`);
    }
  }
  const advertiseUrl = options.advertiseUrl;
  if (advertiseUrl !== undefined && !/^wss?:\/\//.test(advertiseUrl)) {
    throw new InvalidOptionError('advertiseUrl must be a ws:// or wss:// URL');
  }
  return Object.freeze({
    redis: options.redis ? resolveRedisMirrorOptions(options.redis) : null,
    advertiseUrl,
    consistency,
    consistencyByPrefix: byPrefix,
    host,
    port,
    dataDir,
    maxFrameBytes,
    maxBufferedBytes,
    helloTimeoutMs,
    tokenBlockSize,
    table,
  });
}
