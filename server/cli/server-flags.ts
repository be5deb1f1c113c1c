import { DEFAULT_ADMIN_OPTIONS } from '../admin/admin-options.js';
import { DEFAULT_BROKER_OPTIONS } from '../broker-options.js';
import { DEFAULT_LOCK_TABLE_OPTIONS } from '../core/lock-table-options.js';
import { LOG_LEVELS } from '../log.js';
import { DEFAULT_REDIS_MIRROR_OPTIONS } from '../mirror/redis-mirror-options.js';
import { envName, type FlagDef } from './flags.js';
import {
  choiceValue,
  durationValue,
  formatDuration,
  hostPortValue,
  integerValue,
  switchValue,
  textValue,
  urlValue,
  type ValueKind,
} from './values.js';

/** How long `baton server` waits for Redis at start before it gives up. */
export const DEFAULT_REDIS_CONNECT_TIMEOUT_MS = 10_000;

type Def = Omit<FlagDef, 'env' | 'group'>;

const file = (): ValueKind => textValue('FILE');
const int = (): ValueKind => integerValue('N');
const table = DEFAULT_LOCK_TABLE_OPTIONS;
const limits = DEFAULT_BROKER_OPTIONS.limits;
const redis = DEFAULT_REDIS_MIRROR_OPTIONS;

/** Every group of `baton server` settings, in help order; each gets `BATON_<NAME>` as its variable. */
const GROUPS: readonly (readonly [string, readonly Def[]])[] = [
  [
    'Lock port:',
    [
      {
        name: 'host',
        kind: textValue('HOST'),
        option: 'transport.host',
        description: 'interface to listen on for clients',
        defaultText: DEFAULT_BROKER_OPTIONS.transport.host,
      },
      {
        name: 'port',
        kind: int(),
        option: 'transport.port',
        description: 'port to listen on; 0 picks a free one',
        defaultText: String(DEFAULT_BROKER_OPTIONS.transport.port),
      },
      {
        name: 'advertise-url',
        kind: urlValue(['ws', 'wss']),
        option: 'transport.advertiseUrl',
        description: 'the URL standbys send clients to for this broker',
        defaultText: 'ws(s)://host:port as bound',
      },
      {
        name: 'allowed-origin',
        kind: textValue('ORIGIN'),
        multiple: true,
        option: 'transport.allowedOrigins',
        description: 'an origin (https://app.example) whose pages may open a WebSocket; * for any',
        defaultText: 'pages of the host the client dialled',
      },
      {
        name: 'tls-cert',
        kind: file(),
        option: 'transport.tls.cert',
        description:
          'serve wss:// (and the admin server https://) with this certificate (PEM); give --tls-key with it',
        defaultText: 'none: plain ws://',
      },
      {
        name: 'tls-key',
        kind: file(),
        option: 'transport.tls.key',
        description: "the certificate's private key (PEM)",
      },
      {
        name: 'tls-ca',
        kind: file(),
        option: 'transport.tls.ca',
        description: 'CA that client certificates must chain to',
      },
      {
        name: 'tls-client-cert',
        kind: choiceValue(['none', 'request', 'require']),
        option: 'transport.tls.clientCert',
        description: 'ask clients for a certificate',
        defaultText: 'request with --tls-ca, else none',
      },
    ],
  ],
  [
    'Locks:',
    [
      {
        name: 'data-dir',
        kind: textValue('DIR'),
        option: 'dataDir',
        description: 'where the embedded mode keeps its token mark',
        defaultText: DEFAULT_BROKER_OPTIONS.dataDir,
      },
      {
        name: 'session-ttl-ms',
        kind: int(),
        option: 'table.defaultSessionTtlMs',
        description: 'session TTL of a client that asks for none',
        defaultText: String(table.defaultSessionTtlMs),
      },
      {
        name: 'max-session-ttl-ms',
        kind: int(),
        option: 'table.maxSessionTtlMs',
        description: 'longest session TTL a client may ask for',
        defaultText: String(table.maxSessionTtlMs),
      },
      {
        name: 'lock-delay-ms',
        kind: int(),
        option: 'table.lockDelayMs',
        description: 'how long a lock whose holder vanished stays ungranted',
        defaultText: String(table.lockDelayMs),
      },
      {
        name: 'consistency',
        kind: choiceValue(['efficient', 'strict']),
        option: 'table.consistency',
        description: 'level of an acquire that names none',
        defaultText: DEFAULT_BROKER_OPTIONS.table.consistency,
      },
      {
        name: 'strict-prefix',
        kind: textValue('PREFIX'),
        multiple: true,
        option: 'table.consistencyByPrefix',
        description: 'paths under this prefix are strict',
        defaultText: 'none',
      },
    ],
  ],
  [
    'Redis (hot standbys and failover):',
    [
      {
        name: 'redis',
        kind: urlValue(['redis', 'rediss']),
        option: 'redis.url',
        description: 'mirror to this Redis: redis://host:port, rediss:// for TLS',
        defaultText: 'none: the embedded mode',
      },
      {
        name: 'redis-sentinels',
        kind: hostPortValue(),
        multiple: true,
        commas: true,
        option: 'redis.sentinels',
        description: 'a Sentinel to ask for the primary (several: repeat, or commas between them)',
      },
      {
        name: 'redis-name',
        kind: textValue('NAME'),
        option: 'redis.sentinelName',
        description: "the primary's name at the Sentinels",
      },
      {
        name: 'redis-user',
        kind: textValue('NAME'),
        option: 'redis.username',
        description: 'ACL user',
        defaultText: 'default',
      },
      {
        name: 'redis-password',
        kind: textValue('PASSWORD'),
        secret: true,
        noFlag: true,
        option: 'redis.password',
        description: 'Redis password; no flag, so that it stays out of ps',
      },
      {
        name: 'redis-tls-ca',
        kind: file(),
        option: 'redis.tlsCa',
        description: "CA the Redis server's certificate must chain to (rediss://)",
      },
      {
        name: 'redis-tls-cert',
        kind: file(),
        option: 'redis.tlsCert',
        description: 'client certificate for Redis; give --redis-tls-key with it',
      },
      {
        name: 'redis-tls-key',
        kind: file(),
        option: 'redis.tlsKey',
        description: 'its private key',
      },
      {
        name: 'cluster',
        kind: textValue('NAME'),
        option: 'redis.cluster',
        description: 'brokers with the same name form one cluster',
        defaultText: redis.cluster,
      },
      {
        name: 'leader-lease-ms',
        kind: int(),
        option: 'redis.leaderLeaseMs',
        description: "TTL of the active broker's lease",
        defaultText: String(redis.leaderLeaseMs),
      },
      {
        name: 'wait-replicas',
        kind: int(),
        option: 'redis.waitReplicas',
        description: 'replicas that must confirm a strict grant (WAIT)',
        defaultText: String(redis.waitReplicas),
      },
      {
        name: 'redis-connect-timeout',
        kind: durationValue(),
        description: 'give up starting (exit 3) when Redis does not answer by then',
        defaultText: formatDuration(DEFAULT_REDIS_CONNECT_TIMEOUT_MS),
      },
    ],
  ],
  [
    'Admin server (API, metrics, console):',
    [
      {
        name: 'admin-host',
        kind: textValue('HOST'),
        option: 'admin.host',
        description: 'interface to listen on; without a token only a loopback one',
        defaultText: DEFAULT_ADMIN_OPTIONS.host,
      },
      {
        name: 'admin-port',
        kind: int(),
        option: 'admin.port',
        description: 'port to listen on; 0 picks a free one',
        defaultText: String(DEFAULT_ADMIN_OPTIONS.port),
      },
      {
        name: 'admin-token',
        kind: textValue('TOKEN'),
        secret: true,
        option: 'admin.token',
        description: 'bearer token the admin API requires',
        defaultText: 'none',
      },
      { name: 'no-admin', kind: switchValue(), description: 'run no admin server' },
    ],
  ],
  [
    'Access:',
    [
      {
        name: 'auth-file',
        kind: file(),
        option: 'auth.file',
        description: 'principals, their token hashes and prefixes (JSON); re-read on SIGHUP',
        defaultText: 'none: no authentication',
      },
      {
        name: 'insecure-no-auth',
        kind: switchValue(),
        option: 'auth.insecureNoAuth',
        description: 'listen on a non-loopback host without an auth file',
      },
    ],
  ],
  [
    'Limits:',
    [
      {
        name: 'max-sessions',
        kind: int(),
        option: 'limits.maxSessions',
        description: 'sessions in all',
        defaultText: String(table.maxSessions),
      },
      {
        name: 'max-sessions-per-owner',
        kind: int(),
        option: 'limits.maxSessionsPerOwner',
        description: 'sessions of one principal (or address)',
        defaultText: String(table.maxSessionsPerOwner),
      },
      {
        name: 'max-locks-per-owner',
        kind: int(),
        option: 'limits.maxLocksPerOwner',
        description: 'locks held and waited for by one owner',
        defaultText: String(table.maxLocksPerOwner),
      },
      {
        name: 'max-detached-ms',
        kind: int(),
        option: 'limits.maxDetachedMs',
        description: 'how long a disconnected session is kept at most',
        defaultText: String(table.maxDetachedMs),
      },
      {
        name: 'max-table-bytes',
        kind: int(),
        option: 'limits.maxTableBytes',
        description: 'memory budget of the lock table',
        defaultText: 'a quarter of the heap limit',
      },
      {
        name: 'max-connections',
        kind: int(),
        option: 'limits.maxConnections',
        description: 'open client connections in all',
        defaultText: 'the open-files limit less 256',
      },
      {
        name: 'max-connections-per-address',
        kind: int(),
        option: 'limits.maxConnectionsPerAddress',
        description: 'open connections from one address',
        defaultText: String(limits.maxConnectionsPerAddress),
      },
      {
        name: 'hello-rate',
        kind: int(),
        option: 'limits.helloRatePerSec',
        description: 'new or resumed sessions a second from one address',
        defaultText: String(limits.helloRatePerSec),
      },
      {
        name: 'hello-burst',
        kind: int(),
        option: 'limits.helloBurst',
        description: 'hellos one address may send at once',
        defaultText: String(limits.helloBurst),
      },
      {
        name: 'frame-rate',
        kind: int(),
        option: 'limits.frameRatePerSec',
        description: 'frames a second on one connection',
        defaultText: String(limits.frameRatePerSec),
      },
      {
        name: 'frame-burst',
        kind: int(),
        option: 'limits.frameBurst',
        description: 'frames one connection may send at once',
        defaultText: String(limits.frameBurst),
      },
    ],
  ],
  [
    'Logging and configuration:',
    [
      {
        name: 'log-level',
        kind: choiceValue(LOG_LEVELS, 'LEVEL'),
        description: `least level logged: ${LOG_LEVELS.join(', ')}`,
        defaultText: 'info',
      },
      {
        name: 'log-format',
        kind: choiceValue(['json', 'pretty']),
        description: 'JSON lines, or lines for people',
        defaultText: 'pretty on a terminal, else json',
      },
      {
        name: 'config',
        kind: file(),
        noFile: true,
        description: 'read settings from this JSON file (keys: the flag names)',
      },
      {
        name: 'print-config',
        kind: switchValue(),
        noFile: true,
        description: 'print the settings, where each came from, and exit',
      },
    ],
  ],
];

/** Settings that are about this run, not the broker: no variable for them. */
const NO_ENV = new Set(['print-config']);

/** Every setting of `baton server`: flags, variables, config keys and help, in one table. */
export const SERVER_FLAGS: readonly FlagDef[] = GROUPS.flatMap(([group, defs]) =>
  defs.map((def) => ({
    ...def,
    group,
    ...(!NO_ENV.has(def.name) && { env: envName(def.name) }),
  })),
);
