import type { AdminTarget } from './admin-http.js';
import { valueOf, type FlagDef, type Settings } from './flags.js';
import { TLS_FLAGS, tlsFromSettings } from './tls-flags.js';
import { textValue, urlValue } from './values.js';

export const DEFAULT_ADMIN_URL = 'http://127.0.0.1:7071';

/** The flags of the commands that use the admin API: status, locks, release. */
export const ADMIN_FLAGS: readonly FlagDef[] = [
  {
    name: 'admin-url',
    kind: urlValue(['http', 'https']),
    env: 'BATON_ADMIN_URL',
    description: "the broker's admin server",
    defaultText: DEFAULT_ADMIN_URL,
  },
  {
    name: 'auth-token',
    kind: textValue('TOKEN'),
    env: 'BATON_AUTH_TOKEN',
    secret: true,
    description:
      'the admin token, or the token of a principal with admin rights; BATON_ADMIN_TOKEN works too',
  },
  {
    name: 'token',
    kind: textValue('TOKEN'),
    hidden: true,
    description: 'old name of --auth-token',
  },
  ...TLS_FLAGS,
];

export function adminTargetFrom(settings: Settings, env: NodeJS.ProcessEnv): AdminTarget {
  return {
    base: valueOf<string>(settings, 'admin-url') ?? DEFAULT_ADMIN_URL,
    // Flags before variables, the old flag included; an empty variable is as good as none.
    token:
      (settings.get('auth-token')?.source.from === 'flag'
        ? valueOf<string>(settings, 'auth-token')
        : undefined) ??
      valueOf<string>(settings, 'token') ??
      valueOf<string>(settings, 'auth-token') ??
      (env.BATON_ADMIN_TOKEN || undefined),
    tls: tlsFromSettings(settings),
  };
}
