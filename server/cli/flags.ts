import { InvalidArgumentError, Option, type Command } from 'commander';
import { UsageError } from './usage-error.js';
import type { ValueKind } from './values.js';

/**
 * One setting of a command: its flag, environment variable, config-file key
 * and help line all come from this, so they cannot drift apart.
 */
export interface FlagDef {
  /** The long flag without its dashes (`max-sessions`); also the config-file key. */
  readonly name: string;
  /** A one-letter alias (`n` for `-n`). */
  readonly short?: string;
  readonly kind: ValueKind;
  readonly description: string;
  /** What holds when nothing sets it, in words for help and --print-config. Default: nothing. */
  readonly defaultText?: string;
  /** The variable that sets it; none when absent. */
  readonly env?: string;
  /** Each flag adds one value; a comma-separated list in the environment, an array in the file. */
  readonly multiple?: boolean;
  /** With `multiple`: one flag's value may list several, separated by commas. */
  readonly commas?: boolean;
  /** Masked wherever it is printed. */
  readonly secret?: boolean;
  /** Environment and config file only: a value on the command line would show in `ps`. */
  readonly noFlag?: boolean;
  /** Not a key of the config file. */
  readonly noFile?: boolean;
  /** Kept working but left out of the help (an old name). */
  readonly hidden?: boolean;
  /** The help heading it is listed under. */
  readonly group?: string;
  /** The broker option it sets (`transport.port`), for the server's settings. */
  readonly option?: string;
}

/** Where a setting's value came from. */
export type Source =
  | { readonly from: 'flag' }
  | { readonly from: 'env'; readonly name: string }
  | { readonly from: 'file'; readonly file: string }
  | { readonly from: 'default' };

export interface Setting {
  readonly def: FlagDef;
  /** undefined: not set; its default applies. */
  readonly value: unknown;
  readonly source: Source;
}

/** The settings of one command, by flag name. */
export type Settings = ReadonlyMap<string, Setting>;

/** `BATON_MAX_SESSIONS` for `max-sessions`. */
export const envName = (flag: string): string => `BATON_${flag.toUpperCase().replace(/-/g, '_')}`;

/** The flag as the help and messages show it: `--port`. */
export const flagName = (def: FlagDef): string => `--${def.name}`;

/** `(default: 7070; env: BATON_PORT)` after a description. */
function helpLine(def: FlagDef): string {
  const extra = [
    ...(def.multiple ? ['repeatable'] : []),
    ...(def.defaultText === undefined ? [] : [`default: ${def.defaultText}`]),
    ...(def.env === undefined ? [] : [`env: ${def.env}`]),
  ];
  return `${def.description}${extra.length > 0 ? ` (${extra.join('; ')})` : ''}`;
}

/** Adds a commander option for every def that has a flag. */
export function addFlags(command: Command, defs: readonly FlagDef[]): Command {
  for (const def of defs) {
    if (def.noFlag) continue;
    const { arg } = def.kind;
    const flags =
      (def.short ? `-${def.short}, ` : '') + flagName(def) + (arg === null ? '' : ` <${arg}>`);
    const option = new Option(flags, helpLine(def));
    if (arg !== null) {
      option.argParser((text: string, previous: unknown) => {
        const texts = def.commas ? text.split(',').map((t) => t.trim()) : [text];
        let values: unknown[];
        try {
          values = texts.map((t) => def.kind.fromText(t));
        } catch (err) {
          throw new InvalidArgumentError((err as Error).message);
        }
        return def.multiple
          ? [...((previous as unknown[] | undefined) ?? []), ...values]
          : values[0];
      });
    }
    if (def.hidden) option.hideHelp();
    if (def.group) option.helpGroup(def.group);
    command.addOption(option);
  }
  return command;
}

/** The values of a config file, by key, checked already; see {@link readConfigFile}. */
export interface FileValues {
  readonly file: string;
  readonly values: ReadonlyMap<string, unknown>;
}

/**
 * Each setting from the first of: its flag, its environment variable (an
 * empty one counts as unset), the config file, the default.
 */
export function resolveSettings(
  command: Command,
  defs: readonly FlagDef[],
  env: NodeJS.ProcessEnv,
  file: FileValues | null = null,
): Settings {
  const settings = new Map<string, Setting>();
  for (const def of defs) {
    settings.set(def.name, resolveOne(command, def, env, file));
  }
  return settings;
}

function resolveOne(
  command: Command,
  def: FlagDef,
  env: NodeJS.ProcessEnv,
  file: FileValues | null,
): Setting {
  if (!def.noFlag) {
    const key = new Option(flagName(def)).attributeName();
    if (command.getOptionValueSource(key) === 'cli') {
      // A switch is true when given, `--no-admin` included (commander stores false for it).
      const value = def.kind.arg === null ? true : command.getOptionValue(key);
      return { def, value, source: { from: 'flag' } };
    }
  }
  const text = def.env === undefined ? undefined : env[def.env];
  if (def.env !== undefined && text !== undefined && text !== '') {
    const name = def.env;
    try {
      const value = def.multiple
        ? text.split(',').map((part) => def.kind.fromText(part.trim()))
        : def.kind.fromText(text);
      return { def, value, source: { from: 'env', name } };
    } catch (err) {
      throw new UsageError(`${name}: ${(err as Error).message}`);
    }
  }
  if (file !== null && file.values.has(def.name)) {
    return { def, value: file.values.get(def.name), source: { from: 'file', file: file.file } };
  }
  return { def, value: undefined, source: { from: 'default' } };
}

/** Where a setting came from, as messages say it: `--port`, `BATON_PORT`, `port in baton.json`. */
export function describeSource(setting: Setting): string {
  const { source, def } = setting;
  switch (source.from) {
    case 'flag':
      return flagName(def);
    case 'env':
      return source.name;
    case 'file':
      return `"${def.name}" in ${source.file}`;
    case 'default':
      return def.noFlag && def.env !== undefined ? def.env : flagName(def);
  }
}

/** The value of a setting, typed by the caller who made the def. */
export function valueOf<T>(settings: Settings, name: string): T | undefined {
  const setting = settings.get(name);
  if (setting === undefined) throw new Error(`no setting ${name}`);
  return setting.value as T | undefined;
}
