import { InvalidOptionError } from '../shared/errors.js';
import { intOption } from '../shared/options.js';

/** How a client reaches the broker and keeps its session. Every field but `url` is optional. */
export interface ClientOptions {
  /** Broker URL, or several: the client moves on to the next when one cannot be reached. */
  url: string | string[];
  /** Session TTL to ask for; the broker may clamp it. Default 10,000 ms. */
  sessionTtlMs?: number;
  /** A name shown to operators beside the session. Default none. */
  name?: string;
  /**
   * The principal's token, for a broker with an auth file; sent in every
   * hello (the Node entry also sends it as `Authorization: Bearer` at
   * upgrade). Not `token`: a lease's `token` is its fencing token. Default none.
   */
  authToken?: string;
  /** How long `connect` waits for its first session before it gives up. Default 10,000 ms. */
  connectTimeoutMs?: number;
  /** First reconnect delay; it doubles up to `reconnectMaxDelayMs`, with jitter. Default 50 ms. */
  reconnectMinDelayMs?: number;
  /** Longest reconnect delay. Default 2,000 ms. */
  reconnectMaxDelayMs?: number;
  /**
   * How long after an acquire's `timeoutMs` the client gives up on its own if
   * the broker's answer has not come (say, while reconnecting). Default 250 ms.
   */
  timeoutGraceMs?: number;
}

export interface ResolvedClientOptions {
  readonly urls: readonly string[];
  readonly sessionTtlMs: number;
  readonly name: string | undefined;
  readonly authToken: string | undefined;
  readonly connectTimeoutMs: number;
  readonly reconnectMinDelayMs: number;
  readonly reconnectMaxDelayMs: number;
  readonly timeoutGraceMs: number;
}

export const DEFAULT_CLIENT_OPTIONS = Object.freeze({
  sessionTtlMs: 10_000,
  connectTimeoutMs: 10_000,
  reconnectMinDelayMs: 50,
  reconnectMaxDelayMs: 2_000,
  timeoutGraceMs: 250,
});

/** Merges options over the defaults and validates them, naming any bad property. */
export function resolveClientOptions(options: ClientOptions): ResolvedClientOptions {
  const urls = typeof options.url === 'string' ? [options.url] : [...(options.url ?? [])];
  if (urls.length === 0 || urls.some((u) => typeof u !== 'string' || !/^wss?:\/\//.test(u))) {
    throw new InvalidOptionError('url must be a ws:// or wss:// URL, or a non-empty list of them');
  }
  const pick = <K extends keyof typeof DEFAULT_CLIENT_OPTIONS>(key: K): number =>
    intOption(key, options[key] ?? DEFAULT_CLIENT_OPTIONS[key], 0, 86_400_000);
  const resolved = {
    urls,
    sessionTtlMs: pick('sessionTtlMs'),
    name: options.name,
    authToken: options.authToken,
    connectTimeoutMs: pick('connectTimeoutMs'),
    reconnectMinDelayMs: pick('reconnectMinDelayMs'),
    reconnectMaxDelayMs: pick('reconnectMaxDelayMs'),
    timeoutGraceMs: pick('timeoutGraceMs'),
  };
  if (resolved.sessionTtlMs < 100)
    throw new InvalidOptionError('sessionTtlMs must be at least 100');
  if (resolved.reconnectMaxDelayMs < resolved.reconnectMinDelayMs) {
    throw new InvalidOptionError('reconnectMaxDelayMs must be at least reconnectMinDelayMs');
  }
  if (
    resolved.name !== undefined &&
    (typeof resolved.name !== 'string' || resolved.name.length > 128)
  ) {
    throw new InvalidOptionError('name must be a string of at most 128 characters');
  }
  const { authToken } = resolved;
  // One word of at most 512 characters: it travels in a header and in a bounded hello field.
  if (
    authToken !== undefined &&
    (typeof authToken !== 'string' || !/^[\x21-\x7e]{1,512}$/.test(authToken))
  ) {
    throw new InvalidOptionError(
      'authToken must be 1 to 512 printable ASCII characters without spaces',
    );
  }
  return Object.freeze(resolved);
}
