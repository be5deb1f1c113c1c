import { parseInteger } from '../../shared/options.js';

/**
 * How one kind of setting is read: from text (a flag's argument or an
 * environment variable) and from a JSON value (the --config file). Each
 * throws an Error whose message says what was expected, without naming the
 * setting: the caller knows where the value came from and says so.
 */
export interface ValueKind {
  /** What the help shows after the flag: `N`, `URL`, `DURATION`; none for a switch. */
  readonly arg: string | null;
  fromText(text: string): unknown;
  fromJson(value: unknown): unknown;
}

const UNITS_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** `500ms`, `30s`, `2m`, `1h`, `1.5s` in ms; throws on a bare number or another unit. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  if (m === null) {
    throw new Error(
      `${JSON.stringify(text)} is not a duration (a number and a unit: 500ms, 30s, 2m, 1h)`,
    );
  }
  const ms = Math.round(Number(m[1]) * (UNITS_MS[m[2] as string] as number));
  if (!Number.isSafeInteger(ms)) throw new Error(`${text} is too long`);
  return ms;
}

/** A duration in words, for help and messages: `30 s`, `2 m`, `500 ms`. */
export function formatDuration(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms >= 1_000 && ms % 1_000 === 0) return `${ms / 1_000}s`;
  return `${ms}ms`;
}

const typeName = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'a list' : `a ${typeof value}`;

export const textValue = (arg = 'TEXT'): ValueKind => ({
  arg,
  fromText(text) {
    if (text === '') throw new Error('an empty value');
    return text;
  },
  fromJson(value) {
    if (typeof value !== 'string' || value === '') {
      throw new Error(`must be a non-empty string, not ${typeName(value)}`);
    }
    return value;
  },
});

export const integerValue = (arg = 'N'): ValueKind => ({
  arg,
  fromText(text) {
    const n = parseInteger(text.trim());
    if (n === undefined) throw new Error(`${JSON.stringify(text)} is not an integer`);
    return n;
  },
  fromJson(value) {
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
      throw new Error(`must be an integer, not ${typeName(value)}`);
    }
    return value;
  },
});

/** A duration with a unit; in a file too (`"10s"`), so a number cannot be read in the wrong unit. */
export const durationValue = (): ValueKind => ({
  arg: 'DURATION',
  fromText: parseDuration,
  fromJson(value) {
    if (typeof value !== 'string') {
      throw new Error(`must be a duration string like "30s", not ${typeName(value)}`);
    }
    return parseDuration(value);
  },
});

export const choiceValue = (choices: readonly string[], arg = choices.join('|')): ValueKind => {
  const check = (value: unknown): string => {
    if (typeof value !== 'string' || !choices.includes(value)) {
      throw new Error(`must be one of ${choices.join(', ')}, not ${JSON.stringify(value)}`);
    }
    return value;
  };
  return { arg, fromText: check, fromJson: check };
};

/** A switch: given or not on the command line; `true`/`false` (or 1/0, yes/no) elsewhere. */
export const switchValue = (): ValueKind => ({
  arg: null,
  fromText(text) {
    const t = text.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(t)) return true;
    if (['0', 'false', 'no', 'off'].includes(t)) return false;
    throw new Error(`${JSON.stringify(text)} is not true or false`);
  },
  fromJson(value) {
    if (typeof value !== 'boolean')
      throw new Error(`must be true or false, not ${typeName(value)}`);
    return value;
  },
});

/** An absolute URL of one of `schemes` (`ws`, `wss`), kept as given. */
export const urlValue = (schemes: readonly string[]): ValueKind => {
  const check = (value: unknown): string => {
    if (typeof value !== 'string') throw new Error(`must be a URL string, not ${typeName(value)}`);
    const url = URL.parse(value);
    const want = schemes.map((s) => `${s}://`).join(' or ');
    if (url === null || url.hostname === '') throw new Error(`${value} is not a URL (${want}…)`);
    if (!schemes.includes(url.protocol.slice(0, -1))) {
      throw new Error(`${value} is not a ${want} URL`);
    }
    return value;
  };
  return { arg: 'URL', fromText: check, fromJson: check };
};

/** `host:port` (`[::1]:26379`; an empty host is 127.0.0.1): the port is required. */
export const hostPortValue = (): ValueKind => {
  const check = (value: unknown): { host: string; port: number } => {
    if (typeof value !== 'string') {
      throw new Error(`must be a "host:port" string, not ${typeName(value)}`);
    }
    const at = value.lastIndexOf(':');
    const host = at === -1 ? value : value.slice(0, at);
    const portText = at === -1 ? '' : value.slice(at + 1);
    const port = parseInteger(portText);
    if (at === -1 || portText === '' || host.endsWith(':')) {
      throw new Error(
        `${JSON.stringify(value)} has no port: give host:port (e.g. ${host || 'host'}:26379)`,
      );
    }
    if (port === undefined || port < 1 || port > 65_535) {
      throw new Error(`${JSON.stringify(value)}: the port must be an integer from 1 to 65535`);
    }
    const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
    return { host: bare || '127.0.0.1', port };
  };
  return { arg: 'HOST:PORT', fromText: check, fromJson: check };
};
