import type { ClientTlsOptions } from '../../client/client-options.js';
import { readPem } from '../pem.js';

/** The TLS flags `baton run` and `baton status` share, for a broker with a private CA. */
export const TLS_FLAG_OPTIONS = {
  'tls-ca': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
} as const;

export const TLS_FLAG_USAGE = '[--tls-ca FILE] [--tls-cert FILE --tls-key FILE]';

/** A flag's file that cannot be read, or a cert without its key: the user's to fix. */
export class TlsFlagError extends Error {
  override name = 'TlsFlagError';
}

/**
 * The PEM files the flags name, read now; undefined when none is given.
 * `BATON_TLS_CA` stands in for `--tls-ca`.
 */
export function tlsFromFlags(values: {
  'tls-ca'?: string;
  'tls-cert'?: string;
  'tls-key'?: string;
}): ClientTlsOptions | undefined {
  const caFile = values['tls-ca'] ?? (process.env.BATON_TLS_CA || undefined);
  const certFile = values['tls-cert'];
  const keyFile = values['tls-key'];
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new TlsFlagError('--tls-cert and --tls-key go together');
  }
  const read = (flag: string, file: string): string => {
    try {
      return readPem(`--${flag}`, file);
    } catch (err) {
      throw new TlsFlagError((err as Error).message);
    }
  };
  const tls: ClientTlsOptions = {};
  if (caFile !== undefined) tls.ca = read('tls-ca', caFile);
  if (certFile !== undefined && keyFile !== undefined) {
    tls.cert = read('tls-cert', certFile);
    tls.key = read('tls-key', keyFile);
  }
  return Object.keys(tls).length === 0 ? undefined : tls;
}
