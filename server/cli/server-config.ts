import type { Command } from 'commander';
import type { BrokerOptions } from '../broker-options.js';
import { readConfigFile } from './config-file.js';
import {
  describeSource,
  flagName,
  resolveSettings,
  valueOf,
  type Setting,
  type Settings,
} from './flags.js';
import { SERVER_FLAGS } from './server-flags.js';
import { UsageError } from './usage-error.js';

/**
 * The settings of `baton server`: each from its flag, else its variable,
 * else the --config file (itself named by `--config` or `BATON_CONFIG`),
 * else its default.
 */
export function serverSettings(command: Command, env: NodeJS.ProcessEnv): Settings {
  const first = resolveSettings(command, SERVER_FLAGS, env);
  const configFile = valueOf<string>(first, 'config');
  if (configFile === undefined) return first;
  return resolveSettings(command, SERVER_FLAGS, env, readConfigFile(configFile, SERVER_FLAGS));
}

/** Sets `value` at a dotted `path` of `target`, making the parts on the way. */
function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  const last = keys.pop() as string;
  let at = target;
  for (const key of keys) {
    at[key] ??= {};
    at = at[key] as Record<string, unknown>;
  }
  at[last] = value;
}

/** A setting's value as its broker option takes it. */
function optionValue(setting: Setting): unknown {
  // The broker maps prefixes to levels; the flag names strict ones.
  if (setting.def.name === 'strict-prefix') {
    return Object.fromEntries((setting.value as string[]).map((p) => [p, 'strict']));
  }
  return setting.value;
}

/**
 * The broker's options from the settings; those left unset are left out, so
 * the broker's own defaults apply. Throws a {@link UsageError} on a
 * combination no option check would name by its flag.
 */
export function brokerOptionsFrom(settings: Settings): BrokerOptions {
  const options: Record<string, unknown> = {};
  for (const setting of settings.values()) {
    const path = setting.def.option;
    if (path !== undefined && setting.value !== undefined) {
      setPath(options, path, optionValue(setting));
    }
  }
  const o = options as BrokerOptions;
  // The admin server runs unless told not to, as it always has.
  if (valueOf<boolean>(settings, 'no-admin') === true) delete o.admin;
  else o.admin ??= {};
  // Without a Redis address the other Redis settings wait unused (as before).
  if (o.redis?.url === undefined && o.redis?.sentinels === undefined) delete o.redis;
  const tls = o.transport?.tls;
  if (tls !== undefined) {
    if (tls.cert === undefined && tls.key === undefined) {
      // Say where they came from: BATON_TLS_CA may be left over from a shell set up for clients.
      const given = ['tls-ca', 'tls-client-cert']
        .map((name) => settings.get(name) as Setting)
        .filter((setting) => setting.value !== undefined)
        .map(describeSource);
      throw new UsageError(
        `${given.join(' and ')}: a client certificate setting needs --tls-cert and --tls-key`,
      );
    }
    // A CA alone means its certificates are welcome, not yet that they are needed.
    tls.clientCert ??= tls.ca === undefined ? 'none' : 'request';
  }
  return o;
}

/**
 * Puts the setting an option check named in front of its message:
 * `BATON_PORT: transport.port must be an integer from 0 to 65535, got 70000`.
 * The option checks name options (`transport.port`, or for the table's own
 * rules just `maxSessions`); the user set a flag, a variable or a file key.
 */
export function nameTheSetting(settings: Settings, message: string): string {
  const names = new Map<string, Setting | null>();
  const add = (name: string, setting: Setting): void =>
    // A last part two options share (`host`) names neither.
    void names.set(name, names.has(name) ? null : setting);
  for (const setting of settings.values()) {
    const path = setting.def.option;
    if (path === undefined) continue;
    add(path, setting);
    if (path.includes('.')) add(path.slice(path.lastIndexOf('.') + 1), setting);
  }
  let best: [string, Setting] | null = null;
  for (const [name, setting] of names) {
    if (setting === null || !message.startsWith(name)) continue;
    if (!/^($|[\s.:[])/.test(message.slice(name.length))) continue;
    if (best === null || name.length > best[0].length) best = [name, setting];
  }
  return best === null ? message : `${describeSource(best[1])}: ${message}`;
}

const MASK = '****';

/** A value as --print-config shows it: secrets and URL passwords masked. */
function shown(setting: Setting): string {
  const { def, value } = setting;
  if (value === undefined) return def.defaultText ?? (def.kind.arg === null ? 'false' : '-');
  if (def.secret) return MASK;
  const one = (v: unknown): string => {
    if (typeof v === 'object' && v !== null && 'host' in v && 'port' in v) {
      const host = String(v.host);
      return `${host.includes(':') ? `[${host}]` : host}:${String(v.port)}`;
    }
    return typeof v === 'string' ? withoutPassword(v) : String(v);
  };
  return Array.isArray(value) ? value.map(one).join(', ') : one(value);
}

/** `redis://u:****@host` for a URL that carries a password; any other text as is. */
export function withoutPassword(text: string): string {
  const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? URL.parse(text) : null;
  if (url === null || url.password === '') return text;
  url.password = MASK;
  return url.href;
}

function sourceText(setting: Setting): string {
  const { source } = setting;
  switch (source.from) {
    case 'flag':
      return `flag ${flagName(setting.def)}`;
    case 'env':
      return `env ${source.name}`;
    case 'file':
      return `file ${source.file}`;
    case 'default':
      return 'default';
  }
}

/** `--print-config`: one line a setting (name, value, where it came from), secrets masked. */
export function configLines(settings: Settings): string[] {
  const rows = [...settings.values()]
    .filter((s) => s.def.name !== 'print-config')
    .map((s) => [s.def.name, shown(s), sourceText(s)] as const);
  const nameWidth = Math.max(...rows.map(([n]) => n.length));
  const valueWidth = Math.min(48, Math.max(...rows.map(([, v]) => v.length)));
  const line = (n: string, v: string, f: string): string =>
    `${n.padEnd(nameWidth)}  ${v.padEnd(valueWidth)}  ${f}`.trimEnd();
  return [line('SETTING', 'VALUE', 'FROM'), ...rows.map(([n, v, f]) => line(n, v, f))];
}
