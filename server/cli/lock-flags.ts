import type { ClientTlsOptions } from '../../client/client-options.js';
import { DEFAULT_CLIENT_OPTIONS } from '../../client/client-options.js';
import { valueOf, type FlagDef, type Settings } from './flags.js';
import { TLS_FLAGS, tlsFromSettings } from './tls-flags.js';
import { UsageError } from './usage-error.js';
import {
  durationValue,
  formatDuration,
  integerValue,
  switchValue,
  textValue,
  urlValue,
} from './values.js';

export const DEFAULT_BROKER_URL = 'ws://127.0.0.1:7070';
const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

/** The flags of `baton run` and `baton lock`: where the broker is, and how to take the lock. */
export const LOCK_FLAGS: readonly FlagDef[] = [
  {
    name: 'url',
    kind: urlValue(['ws', 'wss']),
    multiple: true,
    commas: true,
    env: 'BATON_URL',
    description: 'broker URL; several (repeated, or with commas) to fail over between them',
    defaultText: DEFAULT_BROKER_URL,
  },
  {
    name: 'auth-token',
    kind: textValue('TOKEN'),
    env: 'BATON_AUTH_TOKEN',
    secret: true,
    description: "a principal's token, for a broker with an auth file",
  },
  ...TLS_FLAGS,
  {
    name: 'nonblock',
    short: 'n',
    kind: switchValue(),
    description: 'take the lock only if it is free now; exit 3 at once if it is held',
  },
  {
    name: 'timeout',
    kind: durationValue(),
    description: 'give up (exit 3) after waiting this long in the queue: 500ms, 30s, 2m',
    defaultText: 'wait as long as it takes',
  },
  { name: 'timeout-ms', kind: integerValue('MS'), hidden: true, description: '--timeout in ms' },
  { name: 'strict', kind: switchValue(), description: "ask for the 'strict' consistency level" },
  {
    name: 'session-ttl',
    kind: durationValue(),
    description: 'session TTL to ask for: the lock is freed this long after this process is gone',
    defaultText: formatDuration(DEFAULT_CLIENT_OPTIONS.sessionTtlMs),
  },
  {
    name: 'session-ttl-ms',
    kind: integerValue('MS'),
    hidden: true,
    description: '--session-ttl in ms',
  },
  {
    name: 'connect-timeout',
    kind: durationValue(),
    description: 'give up (exit 5) when no broker gives a session by then',
    defaultText: formatDuration(DEFAULT_CONNECT_TIMEOUT_MS),
  },
];

/** What `baton run` and `baton lock` were asked, checked. */
export interface LockRequest {
  urls: string[];
  authToken: string | undefined;
  tls: ClientTlsOptions | undefined;
  nonblock: boolean;
  /** undefined: wait as long as it takes. */
  timeoutMs: number | undefined;
  strict: boolean;
  sessionTtlMs: number | undefined;
  connectTimeoutMs: number;
}

/** A duration given by its new flag or its old `-ms` one, not both. */
function eitherOf(settings: Settings, name: string): number | undefined {
  const value = valueOf<number>(settings, name);
  const old = valueOf<number>(settings, `${name}-ms`);
  if (value !== undefined && old !== undefined) {
    throw new UsageError(`give --${name} or --${name}-ms, not both`);
  }
  return value ?? old;
}

export function lockRequestFrom(settings: Settings): LockRequest {
  const nonblock = valueOf<boolean>(settings, 'nonblock') === true;
  const timeoutMs = eitherOf(settings, 'timeout');
  if (timeoutMs !== undefined && timeoutMs < 0)
    throw new UsageError('--timeout-ms must be 0 or more');
  if (nonblock && timeoutMs !== undefined) {
    throw new UsageError('-n/--nonblock does not wait: give it or --timeout, not both');
  }
  const sessionTtlMs = eitherOf(settings, 'session-ttl');
  if (sessionTtlMs !== undefined && sessionTtlMs < 100) {
    throw new UsageError('--session-ttl must be at least 100ms');
  }
  return {
    urls: valueOf<string[]>(settings, 'url') ?? [DEFAULT_BROKER_URL],
    authToken: valueOf<string>(settings, 'auth-token'),
    tls: tlsFromSettings(settings),
    nonblock,
    timeoutMs,
    strict: valueOf<boolean>(settings, 'strict') === true,
    sessionTtlMs,
    connectTimeoutMs: valueOf<number>(settings, 'connect-timeout') ?? DEFAULT_CONNECT_TIMEOUT_MS,
  };
}
