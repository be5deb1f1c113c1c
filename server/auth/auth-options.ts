import { InvalidOptionError } from '../../shared/errors.js';
import { mergeOptions, stringOption, type OptionKeys } from '../../shared/options.js';
import { isLoopbackHost } from '../admin/admin-options.js';

/** Who may use the lock port. Every field is optional. */
export interface AuthOptions {
  /**
   * JSON file of principals, their token hashes and prefixes (see the README's
   * Security section); read at start, again on SIGHUP. Default none: anyone
   * who reaches the port may lock anything.
   */
  file?: string;
  /** Lets a broker without `file` listen on a host other than loopback. Default false. */
  insecureNoAuth?: boolean;
}

export interface ResolvedAuthOptions {
  /** null: no authentication. */
  readonly file: string | null;
  readonly insecureNoAuth: boolean;
}

export const DEFAULT_AUTH_OPTIONS = Object.freeze({ insecureNoAuth: false });

const AUTH_KEYS: OptionKeys<AuthOptions> = { file: true, insecureNoAuth: true };

/**
 * Merges and checks `options`. A broker other machines can reach, with no
 * credential asked, is an explicit choice: without a file, a host that is not
 * loopback is refused unless `insecureNoAuth` says so.
 */
export function resolveAuthOptions(
  options: AuthOptions | undefined,
  host: string,
): ResolvedAuthOptions {
  const o = mergeOptions('auth', options, AUTH_KEYS, DEFAULT_AUTH_OPTIONS);
  const file = o.file === undefined ? null : stringOption('auth.file', o.file);
  if (typeof o.insecureNoAuth !== 'boolean') {
    throw new InvalidOptionError('auth.insecureNoAuth must be a boolean');
  }
  if (file === null && !o.insecureNoAuth && !isLoopbackHost(host)) {
    throw new InvalidOptionError(
      `host ${host} is not a loopback address: give an auth file (--auth-file) or, to let anyone who reaches it lock anything, --insecure-no-auth`,
    );
  }
  return Object.freeze({ file, insecureNoAuth: o.insecureNoAuth });
}
