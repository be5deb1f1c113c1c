import { InvalidOptionError } from '../shared/errors.js';
import { intOption, type OptionKeys } from '../shared/options.js';

/** How a client reaches the broker and keeps its session. Every field but `url` is optional. */
/**
 * TLS settings for `wss://` from Node, passed to the socket as Node's `tls`
 * options are: PEM text, not file paths. A browser has its own trust store
 * and client certificates; its entry point refuses these.
 */
export interface ClientTlsOptions {
  /** CA certificate(s) the broker's certificate must chain to. Default the system's CAs. */
  ca?: string | Uint8Array | (string | Uint8Array)[];
  /** The client's certificate, for brokers that ask for one. Give `key` with it. */
  cert?: string | Uint8Array;
  /** The client certificate's private key. */
  key?: string | Uint8Array;
}

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
  /**
   * Longest reconnect delay. Default 2,000 ms. While the client holds a lock
   * it redials within a tenth of `sessionTtlMs` instead, if that is shorter,
   * so a failover does not cost it its leases.
   */
  reconnectMaxDelayMs?: number;
  /**
   * How long after an acquire's `timeoutMs` the client gives up on its own if
   * the broker's answer has not come (say, while reconnecting). Default 250 ms.
   */
  timeoutGraceMs?: number;
  /** TLS for `wss://` URLs (Node only). Default none: the system's CAs, no client certificate. */
  tls?: ClientTlsOptions;
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
  readonly tls: ClientTlsOptions | undefined;
}

export const DEFAULT_CLIENT_OPTIONS = Object.freeze({
  sessionTtlMs: 10_000,
  connectTimeoutMs: 10_000,
  reconnectMinDelayMs: 50,
  reconnectMaxDelayMs: 2_000,
  timeoutGraceMs: 250,
});

const CLIENT_KEYS: OptionKeys<ClientOptions> = {
  url: true,
  sessionTtlMs: true,
  name: true,
  authToken: true,
  connectTimeoutMs: true,
  reconnectMinDelayMs: true,
  reconnectMaxDelayMs: true,
  timeoutGraceMs: true,
  tls: true,
};

/**
 * Merges options over the defaults and validates them, naming any bad
 * property. A key the client does not know is refused: a misspelt
 * `sessionTTLMs` silently left at its default is worse than an error.
 */
export function resolveClientOptions(options: ClientOptions): ResolvedClientOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidOptionError('client options must be an object with a url');
  }
  for (const key of Object.keys(options)) {
    if (!Object.hasOwn(CLIENT_KEYS, key)) {
      throw new InvalidOptionError(`${key} is not a client option`);
    }
  }
  const urls = checkUrls(options.url);
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
    tls: checkTls(options.tls),
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

/**
 * The broker URLs, each one a WebSocket would accept: a socket's constructor
 * throws on a malformed URL, which would otherwise surface only as dials
 * failing until `connectTimeoutMs`.
 */
function checkUrls(url: unknown): string[] {
  const urls: unknown[] = typeof url === 'string' ? [url] : Array.isArray(url) ? url : [];
  if (urls.length === 0 || urls.some((u) => typeof u !== 'string' || !/^wss?:\/\//.test(u))) {
    throw new InvalidOptionError('url must be a ws:// or wss:// URL, or a non-empty list of them');
  }
  for (const u of urls as string[]) {
    let parsed: URL;
    try {
      parsed = new URL(u);
    } catch {
      throw new InvalidOptionError(`url ${u} is not a valid URL`);
    }
    // Both the browser's WebSocket and `ws` refuse a fragment.
    if (parsed.hash !== '' || u.includes('#')) {
      throw new InvalidOptionError(`url ${u} must not have a #fragment`);
    }
  }
  return urls as string[];
}

const isPem = (v: unknown): boolean =>
  (typeof v === 'string' && v !== '') || v instanceof Uint8Array;

/** `tls` if well formed: known keys, PEM values, `cert` and `key` together. */
function checkTls(tls: unknown): ClientTlsOptions | undefined {
  if (tls === undefined) return undefined;
  if (typeof tls !== 'object' || tls === null)
    throw new InvalidOptionError('tls must be an object');
  const t = tls as Record<string, unknown>;
  for (const key of Object.keys(t)) {
    if (key !== 'ca' && key !== 'cert' && key !== 'key') {
      throw new InvalidOptionError(`tls.${key} is not an option (ca, cert, key)`);
    }
  }
  const cas = Array.isArray(t.ca) ? t.ca : t.ca === undefined ? [] : [t.ca];
  if (!cas.every(isPem) || (Array.isArray(t.ca) && cas.length === 0)) {
    throw new InvalidOptionError('tls.ca must be PEM text (a string or bytes), or a list of them');
  }
  for (const key of ['cert', 'key'] as const) {
    if (t[key] !== undefined && !isPem(t[key])) {
      throw new InvalidOptionError(`tls.${key} must be PEM text (a string or bytes)`);
    }
  }
  if ((t.cert === undefined) !== (t.key === undefined)) {
    throw new InvalidOptionError('tls.cert and tls.key go together');
  }
  return tls as ClientTlsOptions;
}
