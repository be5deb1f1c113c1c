import { InvalidOptionError } from '../../shared/errors.js';
import { intOption, mergeOptions, type OptionKeys } from '../../shared/options.js';
import { readPem } from '../pem.js';

/** How a broker uses Redis. Give `url`, or `sentinels` with `sentinelName`. */
export interface RedisMirrorOptions {
  /**
   * `redis://host:port` of a single Redis or a primary; `rediss://` for TLS.
   * It may carry `user:password@`, but `password` keeps it off the command line.
   */
  url?: string;
  /** Sentinels to ask for the primary of `sentinelName`. */
  sentinels?: { host: string; port: number }[];
  sentinelName?: string;
  /** ACL user (Redis 6+). Default the one in `url`, else `default`. Not both. */
  username?: string;
  /** Password (`requirepass`, or the ACL user's). Default the one in `url`, else none. Not both. Never logged. */
  password?: string;
  /**
   * CA certificate (file path or PEM) the Redis server's TLS certificate must
   * chain to, for `rediss://` with a private CA. Default the system's CAs.
   */
  tlsCa?: string;
  /** Client certificate (file or PEM) for a Redis with `tls-auth-clients yes`; give `tlsKey` with it. */
  tlsCert?: string;
  /** Its private key (file or PEM, unencrypted). Never logged. */
  tlsKey?: string;
  /** Key prefix. Default `baton`. */
  keyPrefix?: string;
  /** The hash tag of every key; brokers with the same one form one cluster. Default `main`. */
  cluster?: string;
  /** TTL of the leader lease; renewed every third of it. Default 2,000 ms. */
  leaderLeaseMs?: number;
  /** Replicas that must confirm (`WAIT`) before a strict grant or token block counts. Default 0. */
  waitReplicas?: number;
  /** How long `WAIT` may take. Default 500 ms. */
  waitTimeoutMs?: number;
  /** Entries between snapshots. Default 10,000. */
  snapshotEveryEntries?: number;
  /** Entries kept in memory while Redis is away before they are replaced by a snapshot. Default 100,000. */
  maxBacklogEntries?: number;
  /**
   * How long changes nobody waits for (efficient grants, releases) gather
   * before they are appended, so a busy broker makes a few appends a
   * millisecond instead of one per change. A strict grant or a new session
   * cuts it short. 0 appends every turn of the loop. Default 2 ms.
   */
  appendLingerMs?: number;
}

export interface ResolvedRedisMirrorOptions {
  readonly url: string;
  readonly sentinels: readonly { host: string; port: number }[];
  readonly sentinelName: string;
  readonly username: string | undefined;
  /** Not enumerable, so no log line of the options can show it. */
  readonly password: string | undefined;
  /** The CA's PEM, read at start; null: the system's CAs. */
  readonly tlsCa: string | null;
  /** Client certificate and key PEM, read at start; null: none shown. The key is not enumerable. */
  readonly tlsClient: { readonly cert: string; readonly key: string } | null;
  readonly keyPrefix: string;
  readonly cluster: string;
  readonly leaderLeaseMs: number;
  readonly waitReplicas: number;
  readonly waitTimeoutMs: number;
  readonly snapshotEveryEntries: number;
  readonly maxBacklogEntries: number;
  readonly appendLingerMs: number;
}

export const DEFAULT_REDIS_MIRROR_OPTIONS = Object.freeze({
  keyPrefix: 'baton',
  cluster: 'main',
  leaderLeaseMs: 2_000,
  waitReplicas: 0,
  waitTimeoutMs: 500,
  snapshotEveryEntries: 10_000,
  maxBacklogEntries: 100_000,
  appendLingerMs: 2,
});

const REDIS_KEYS: OptionKeys<RedisMirrorOptions> = {
  url: true,
  sentinels: true,
  sentinelName: true,
  username: true,
  password: true,
  tlsCa: true,
  tlsCert: true,
  tlsKey: true,
  keyPrefix: true,
  cluster: true,
  leaderLeaseMs: true,
  waitReplicas: true,
  waitTimeoutMs: true,
  snapshotEveryEntries: true,
  maxBacklogEntries: true,
  appendLingerMs: true,
};

/** Merges `o` over the defaults and validates them, naming any bad property (`redis.url`). */
export function resolveRedisMirrorOptions(o: RedisMirrorOptions): ResolvedRedisMirrorOptions {
  const r = mergeOptions('redis', o, REDIS_KEYS, {
    ...DEFAULT_REDIS_MIRROR_OPTIONS,
    url: '',
    sentinels: [],
    sentinelName: '',
  });
  if (r.sentinels.length === 0 && !/^rediss?:\/\//.test(r.url)) {
    throw new InvalidOptionError('redis.url must be a redis:// URL, or give redis.sentinels');
  }
  if (r.sentinels.length > 0 && !r.sentinelName) {
    throw new InvalidOptionError('redis.sentinelName is required with redis.sentinels');
  }
  if (!/^[\w.-]+$/.test(r.keyPrefix) || !/^[\w.-]+$/.test(r.cluster)) {
    throw new InvalidOptionError('redis.keyPrefix and redis.cluster take letters, digits, . _ -');
  }
  for (const key of ['username', 'password'] as const) {
    if (r[key] !== undefined && (typeof r[key] !== 'string' || r[key] === '')) {
      throw new InvalidOptionError(`redis.${key} must be a non-empty string`);
    }
  }
  const tlsCa = r.tlsCa === undefined ? null : readPem('redis.tlsCa', r.tlsCa);
  const tlsClient = redisClientCert(r.tlsCert, r.tlsKey);
  for (const [key, given] of [
    ['tlsCa', tlsCa],
    ['tlsCert', tlsClient],
  ] as const) {
    if (given !== null && r.sentinels.length > 0) {
      throw new InvalidOptionError(`redis.${key} is not supported with redis.sentinels yet`);
    }
    if (given !== null && !r.url.startsWith('rediss://')) {
      throw new InvalidOptionError(`redis.${key} needs a rediss:// URL`);
    }
  }
  const int = (key: keyof typeof DEFAULT_REDIS_MIRROR_OPTIONS, min: number, max: number): number =>
    intOption(`redis.${key}`, r[key], min, max);
  const inUrl = URL.parse(r.url);
  if ((inUrl?.username || inUrl?.password) && (r.username || r.password)) {
    // ioredis would quietly prefer the URL's: say so instead.
    throw new InvalidOptionError(
      'give the Redis user and password either in redis.url or as redis.username/redis.password, not both',
    );
  }
  const resolved: Omit<ResolvedRedisMirrorOptions, 'password'> = {
    url: r.url,
    sentinels: r.sentinels,
    sentinelName: r.sentinelName,
    username: r.username,
    tlsCa,
    tlsClient,
    keyPrefix: r.keyPrefix,
    cluster: r.cluster,
    leaderLeaseMs: int('leaderLeaseMs', 300, 600_000),
    waitReplicas: int('waitReplicas', 0, 100),
    waitTimeoutMs: int('waitTimeoutMs', 1, 60_000),
    snapshotEveryEntries: int('snapshotEveryEntries', 1, 100_000_000),
    maxBacklogEntries: int('maxBacklogEntries', 1, 100_000_000),
    appendLingerMs: int('appendLingerMs', 0, 1_000),
  };
  Object.defineProperty(resolved, 'password', { value: r.password, enumerable: false });
  return Object.freeze(resolved) as ResolvedRedisMirrorOptions;
}

/** The client certificate and key for Redis, read now; the key kept out of printouts. */
function redisClientCert(
  certOption: string | undefined,
  keyOption: string | undefined,
): ResolvedRedisMirrorOptions['tlsClient'] {
  if (certOption === undefined && keyOption === undefined) return null;
  if (certOption === undefined || keyOption === undefined) {
    throw new InvalidOptionError('redis.tlsCert and redis.tlsKey go together');
  }
  const pair = { cert: readPem('redis.tlsCert', certOption) } as { cert: string; key: string };
  Object.defineProperty(pair, 'key', {
    value: readPem('redis.tlsKey', keyOption),
    enumerable: false,
  });
  return Object.freeze(pair);
}
