import { isIP } from 'node:net';
import { InvalidOptionError } from '../../shared/errors.js';
import { intOption, mergeOptions, stringOption, type OptionKeys } from '../../shared/options.js';
import type { ResolvedTlsOptions } from '../transport/tls.js';

/** Where the admin HTTP server listens and who may use it. Every field is optional. */
export interface AdminOptions {
  /** Interface to listen on. Default `127.0.0.1`; without a `token` only a loopback address. */
  host?: string;
  /** Port to listen on; 0 picks a free one. Default 7071. */
  port?: number;
  /** Bearer credential that `/api/*` and `/metrics` require. Default none. */
  token?: string;
}

export interface ResolvedAdminOptions {
  readonly host: string;
  readonly port: number;
  /** null: no credential, and the server is bound to loopback. */
  readonly token: string | null;
  /** Serve `https://` with the broker's certificate (`transport.tls`); null: plain `http://`. */
  readonly tls: ResolvedTlsOptions | null;
}

export const DEFAULT_ADMIN_OPTIONS = Object.freeze({
  host: '127.0.0.1',
  port: 7071,
});

/** True for names and addresses that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (bare === 'localhost' || bare === '::1') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return /^::ffff:127\.[\d.]+$/i.test(bare);
}

const ADMIN_KEYS: OptionKeys<AdminOptions> = { host: true, port: true, token: true };

/**
 * Merges `options` over the defaults and validates them, naming any bad
 * property (`admin.port`). `principals`: the broker has an auth file, whose
 * principals with admin rights are a credential too.
 */
export function resolveAdminOptions(
  options: AdminOptions = {},
  { principals = false }: { principals?: boolean } = {},
): ResolvedAdminOptions {
  const o = mergeOptions('admin', options, ADMIN_KEYS, DEFAULT_ADMIN_OPTIONS);
  const host = stringOption('admin.host', o.host);
  const port = intOption('admin.port', o.port, 0, 65_535);
  const token = o.token ?? null;
  // A bearer token travels in a header as one word.
  if (token !== null && (typeof token !== 'string' || !/^\S+$/.test(token))) {
    throw new InvalidOptionError('admin.token must be a non-empty string without spaces');
  }
  // Force-release and end-session are one request away: without a credential,
  // only local users may reach them.
  if (token === null && !principals && !isLoopbackHost(host)) {
    throw new InvalidOptionError(
      `host ${host} is not a loopback address: the admin API needs a token (or an auth file) to listen there`,
    );
  }
  return Object.freeze({ host, port, token, tls: null });
}
