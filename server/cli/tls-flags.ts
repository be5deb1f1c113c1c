import type { ClientTlsOptions } from '../../client/client-options.js';
import { readPem } from '../pem.js';
import { valueOf, type FlagDef, type Settings } from './flags.js';
import { UsageError } from './usage-error.js';
import { textValue } from './values.js';

/** The TLS flags of the commands that talk to a broker, for one with a private CA. */
export const TLS_FLAGS: readonly FlagDef[] = [
  {
    name: 'tls-ca',
    kind: textValue('FILE'),
    env: 'BATON_TLS_CA',
    description: "CA the broker's certificate must chain to (a private CA)",
    defaultText: "the system's CAs",
  },
  {
    name: 'tls-cert',
    kind: textValue('FILE'),
    description: 'client certificate, for a broker that asks for one; give --tls-key with it',
  },
  { name: 'tls-key', kind: textValue('FILE'), description: "the client certificate's private key" },
];

/**
 * The PEM files the TLS settings name, read now; undefined when none is
 * given. A file that cannot be read, or a cert without its key, is a usage error.
 */
export function tlsFromSettings(settings: Settings): ClientTlsOptions | undefined {
  const caFile = valueOf<string>(settings, 'tls-ca');
  const certFile = valueOf<string>(settings, 'tls-cert');
  const keyFile = valueOf<string>(settings, 'tls-key');
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new UsageError('--tls-cert and --tls-key go together');
  }
  const read = (flag: string, file: string): string => {
    try {
      return readPem(`--${flag}`, file);
    } catch (err) {
      throw new UsageError((err as Error).message);
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
