import { parseArgs } from 'node:util';
import { oneOfOption, parseInteger } from '../../shared/options.js';
import type { Consistency } from '../../shared/protocol.js';
import type { AdminOptions } from '../admin/admin-options.js';
import { createBroker } from '../broker.js';
import type { LimitOptions } from '../broker-options.js';
import { createLogger, LOG_LEVELS, type Logger } from '../log.js';
import type { RedisMirrorOptions } from '../mirror/redis-mirror-options.js';
import type { ClientCertMode, TlsOptions } from '../transport/tls.js';

const SERVE_USAGE = `usage: baton server [--host 127.0.0.1] [--port 7070] [--data-dir DIR]
  [--session-ttl-ms N] [--max-session-ttl-ms N] [--lock-delay-ms N]
  [--consistency efficient|strict] [--strict-prefix P]...
  [--redis URL | --redis-sentinels H:P,H:P --redis-name NAME] [--cluster NAME]
  [--redis-user NAME] [--redis-tls-ca FILE] [--redis-tls-cert FILE --redis-tls-key FILE]
  (Redis password: BATON_REDIS_PASSWORD)
  [--leader-lease-ms N] [--wait-replicas N] [--advertise-url URL]
  [--tls-cert FILE --tls-key FILE] [--tls-ca FILE] [--tls-client-cert none|request|require]
  [--admin-port 7071] [--admin-host 127.0.0.1] [--admin-token T] [--no-admin]
  [--auth-file FILE | --insecure-no-auth] [--allowed-origin ORIGIN]...
  [--max-sessions N] [--max-sessions-per-owner N] [--max-locks-per-owner N]
  [--max-detached-ms N] [--max-table-bytes N] [--max-connections N]
  [--max-connections-per-address N] [--hello-rate N] [--hello-burst N]
  [--frame-rate N] [--frame-burst N]
  [--log-level info|warn|error|debug|silent] [--log-format json|pretty]`;

/** An integer flag's value; its range is checked with the options. */
function intFlag(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = parseInteger(value);
  if (n === undefined) throw new Error(`--${name} takes an integer, got ${value}`);
  return n;
}

type Flags = Record<string, string | string[] | boolean | undefined>;

/** JSON lines on stderr; pretty ones when a person watches it, or when asked. */
function loggerFor(v: Flags): Logger {
  const format = v['log-format'] as string | undefined;
  if (format !== undefined && format !== 'json' && format !== 'pretty') {
    throw new Error(`--log-format takes json or pretty, got ${format}`);
  }
  const level = (v['log-level'] as string | undefined) ?? 'info';
  return createLogger({
    level: oneOfOption('--log-level', level, LOG_LEVELS),
    ...(format !== undefined && { pretty: format === 'pretty' }),
  });
}

function redisFlags(v: Flags): RedisMirrorOptions | undefined {
  const url = v.redis as string | undefined;
  const sentinels = v['redis-sentinels'] as string | undefined;
  if (url === undefined && sentinels === undefined) return undefined;
  const options: RedisMirrorOptions = {
    url,
    sentinelName: v['redis-name'] as string | undefined,
    cluster: v.cluster as string | undefined,
    username: v['redis-user'] as string | undefined,
    // Only from the environment: a flag would show the password to anyone running `ps`.
    password: process.env.BATON_REDIS_PASSWORD || undefined,
    tlsCa: v['redis-tls-ca'] as string | undefined,
    tlsCert: v['redis-tls-cert'] as string | undefined,
    tlsKey: v['redis-tls-key'] as string | undefined,
    leaderLeaseMs: intFlag(v['leader-lease-ms'] as string | undefined, 'leader-lease-ms'),
    waitReplicas: intFlag(v['wait-replicas'] as string | undefined, 'wait-replicas'),
  };
  if (sentinels !== undefined) {
    options.sentinels = sentinels.split(',').map((hp) => {
      const [host, port] = hp.split(':');
      return { host: host || '127.0.0.1', port: Number(port) };
    });
  }
  return options;
}

/** Integer flags of `limits`, by flag name. */
const LIMIT_FLAGS = {
  'max-sessions': 'maxSessions',
  'max-sessions-per-owner': 'maxSessionsPerOwner',
  'max-locks-per-owner': 'maxLocksPerOwner',
  'max-detached-ms': 'maxDetachedMs',
  'max-table-bytes': 'maxTableBytes',
  'max-connections': 'maxConnections',
  'max-connections-per-address': 'maxConnectionsPerAddress',
  'hello-rate': 'helloRatePerSec',
  'hello-burst': 'helloBurst',
  'frame-rate': 'frameRatePerSec',
  'frame-burst': 'frameBurst',
} as const satisfies Record<string, keyof LimitOptions>;

function limitFlags(v: Flags): LimitOptions {
  const limits: LimitOptions = {};
  for (const [flag, key] of Object.entries(LIMIT_FLAGS)) {
    const n = intFlag(v[flag] as string | undefined, flag);
    if (n !== undefined) limits[key] = n;
  }
  return limits;
}

/** The lock port's TLS from the flags; undefined without --tls-cert and --tls-key. */
function tlsFlags(v: Flags): TlsOptions | undefined {
  const cert = v['tls-cert'] as string | undefined;
  const key = v['tls-key'] as string | undefined;
  const ca = v['tls-ca'] as string | undefined;
  const clientCert = v['tls-client-cert'] as ClientCertMode | undefined;
  if (cert === undefined && key === undefined) {
    if (ca !== undefined || clientCert !== undefined) {
      throw new Error('--tls-ca and --tls-client-cert need --tls-cert and --tls-key');
    }
    return undefined;
  }
  // A CA alone means its certificates are welcome, not yet that they are needed.
  return { cert, key, ca, clientCert: clientCert ?? (ca === undefined ? 'none' : 'request') };
}

/** The admin server's options from the flags; undefined with --no-admin. */
function adminFlags(v: Flags): AdminOptions | undefined {
  if (v['no-admin']) return undefined;
  return {
    host: v['admin-host'] as string | undefined,
    port: intFlag(v['admin-port'] as string | undefined, 'admin-port'),
    // An empty variable is as good as none.
    token: (v['admin-token'] as string | undefined) ?? (process.env.BATON_ADMIN_TOKEN || undefined),
  };
}

/** `baton server`: runs a broker, and its admin server, until SIGTERM or SIGINT. */
export async function serve(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      'session-ttl-ms': { type: 'string' },
      'max-session-ttl-ms': { type: 'string' },
      'lock-delay-ms': { type: 'string' },
      consistency: { type: 'string' },
      'strict-prefix': { type: 'string', multiple: true },
      redis: { type: 'string' },
      'redis-sentinels': { type: 'string' },
      'redis-name': { type: 'string' },
      'redis-user': { type: 'string' },
      'redis-tls-ca': { type: 'string' },
      'redis-tls-cert': { type: 'string' },
      'redis-tls-key': { type: 'string' },
      cluster: { type: 'string' },
      'leader-lease-ms': { type: 'string' },
      'wait-replicas': { type: 'string' },
      'advertise-url': { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'tls-ca': { type: 'string' },
      'tls-client-cert': { type: 'string' },
      'admin-port': { type: 'string' },
      'admin-host': { type: 'string' },
      'admin-token': { type: 'string' },
      'no-admin': { type: 'boolean' },
      'auth-file': { type: 'string' },
      'insecure-no-auth': { type: 'boolean' },
      'allowed-origin': { type: 'string', multiple: true },
      ...Object.fromEntries(Object.keys(LIMIT_FLAGS).map((f) => [f, { type: 'string' as const }])),
      'log-level': { type: 'string' },
      'log-format': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(SERVE_USAGE);
    return 0;
  }
  const strictPrefixes = values['strict-prefix'] ?? [];
  const broker = await createBroker(
    {
      dataDir: values['data-dir'],
      table: {
        defaultSessionTtlMs: intFlag(values['session-ttl-ms'], 'session-ttl-ms'),
        maxSessionTtlMs: intFlag(values['max-session-ttl-ms'], 'max-session-ttl-ms'),
        lockDelayMs: intFlag(values['lock-delay-ms'], 'lock-delay-ms'),
        consistency: values.consistency as Consistency | undefined,
        consistencyByPrefix: Object.fromEntries(strictPrefixes.map((p) => [p, 'strict' as const])),
      },
      transport: {
        host: values.host,
        port: intFlag(values.port, 'port'),
        advertiseUrl: values['advertise-url'],
        allowedOrigins: values['allowed-origin'],
        tls: tlsFlags(values),
      },
      auth: {
        file: values['auth-file'],
        insecureNoAuth: values['insecure-no-auth'] ?? false,
      },
      limits: limitFlags(values),
      redis: redisFlags(values),
      admin: adminFlags(values),
    },
    { logger: loggerFor(values) },
  );
  console.log(`baton listening on ${broker.url} (${broker.role})`);
  if (broker.adminUrl) console.log(`console: ${broker.adminUrl}/`);
  return new Promise<number>((resolve) => {
    // A planned stop hands the lead to a standby at once rather than letting the lease lapse.
    // The broker logs how a reload went; a bad file leaves the old principals in force.
    const reload = (): void => void broker.reloadAuth();
    const stop = (): void => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      process.off('SIGHUP', reload);
      broker.handOver().then(
        () => resolve(0),
        () => resolve(1),
      );
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    // Without an auth file SIGHUP keeps its default (ends the process), as before.
    if (broker.access) process.on('SIGHUP', reload);
  });
}
