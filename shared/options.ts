/**
 * The one way options are merged and checked, on both sides. Every check
 * throws an {@link InvalidOptionError} that names the property. (Frames from
 * the network have their own guards: they are on the hot path.)
 */
import { InvalidOptionError } from './errors.js';

const hasOwn = Object.prototype.hasOwnProperty;

/** True for a safe integer in [min, max]. */
export function isIntIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max;
}

/** `value` if it is an integer in [min, max]; otherwise throws naming `name`. */
export function intOption(name: string, value: unknown, min: number, max: number): number {
  if (!isIntIn(value, min, max)) {
    throw new InvalidOptionError(
      `${name} must be an integer from ${min} to ${max}, got ${String(value)}`,
    );
  }
  return value;
}

/** `value` if it is a non-empty string; otherwise throws naming `name`. */
export function stringOption(name: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') {
    throw new InvalidOptionError(`${name} must be a non-empty string`);
  }
  return value;
}

/** `value` if it is one of `allowed`; otherwise throws naming `name`. */
export function oneOfOption<T extends string>(
  name: string,
  value: unknown,
  allowed: readonly T[],
): T {
  if (!(allowed as readonly unknown[]).includes(value)) {
    throw new InvalidOptionError(`${name} must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}

/** The integer a decimal text spells (digits, an optional leading minus); undefined otherwise. */
export function parseInteger(text: string): number | undefined {
  if (!/^-?\d+$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Every key an options part has, so a misspelt or misplaced one is refused rather than ignored. */
export type OptionKeys<T> = Readonly<Record<keyof T, true>>;

/**
 * `given` over `defaults`; a key left undefined keeps its default. `part`
 * prefixes the names in errors (`transport.port`); a key the part does not
 * have is refused.
 */
export function mergeOptions<T extends object, D extends Partial<T>>(
  part: string,
  given: T | undefined,
  keys: OptionKeys<T>,
  defaults: D,
): T & { readonly [K in keyof D]-?: Exclude<D[K], undefined> } {
  if (given !== undefined && (typeof given !== 'object' || given === null)) {
    throw new InvalidOptionError(`${part || 'options'} must be an object`);
  }
  const merged: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(given ?? {})) {
    if (!hasOwn.call(keys, key)) {
      throw new InvalidOptionError(`${optionName(part, key)} is not an option`);
    }
    if (value !== undefined) merged[key] = value;
  }
  return merged as T & { readonly [K in keyof D]-?: Exclude<D[K], undefined> };
}

/** `part.key`, or `key` at the top level. */
export function optionName(part: string, key: string): string {
  return part ? `${part}.${key}` : key;
}
