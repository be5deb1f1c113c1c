/**
 * Total readers for the fields of a decoded, untrusted frame. A decoded value
 * can be anything msgpackr returns: a plain object with keys such as
 * `toString` or `constructor`, a list, a bigint, NaN, binary, a `Date`, a
 * `Set`, an `Error`. Every reader checks `typeof` before it uses a value and
 * never converts one with `String()` or a template (a map with a `toString`
 * key makes that throw). The only thing thrown is {@link FrameShapeError}, and
 * the guards in `protocol.ts` catch it.
 */

/** Why a frame was refused; thrown by the readers, caught by the guards. */
export class FrameShapeError extends Error {
  override name = 'FrameShapeError';
}

/** Refuses the frame being read. */
export function fail(message: string): never {
  throw new FrameShapeError(message);
}

/** A decoded msgpack map. */
export type Fields = Readonly<Record<string, unknown>>;

/**
 * True for a plain object, the only thing a msgpack map decodes to. Lists,
 * binary and extension values (`Date`, `Set`, `Error`, typed arrays…) have
 * another prototype and are not frames.
 */
export function isFields(value: unknown): value is Fields {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

// Taken once, so that a later change to Object.prototype cannot change it.
const hasOwn = Object.prototype.hasOwnProperty;

/**
 * The field `key` of `m`, or undefined. Only own properties count: if
 * anything in the process ever set `Object.prototype.t`, an empty map must
 * still not read as a frame.
 */
export function field(m: Fields, key: string): unknown {
  return hasOwn.call(m, key) ? m[key] : undefined;
}

/** An integer in [min, max] (safe, so never NaN, ±Infinity or a bigint). */
export function safeInt(
  v: unknown,
  name: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    fail(`'${name}' must be an integer from ${min} to ${max}`);
  }
  // One zero: -0 goes on the wire as 0 and must not compare unequal after a round trip.
  return v === 0 ? 0 : v;
}

/** Like {@link safeInt}; absent (undefined or nil) gives undefined. */
export function optionalInt(
  v: unknown,
  name: string,
  min: number,
  max: number,
): number | undefined {
  return v === undefined || v === null ? undefined : safeInt(v, name, min, max);
}

/** A string of at most `maxChars` UTF-16 units. */
export function str(v: unknown, name: string, maxChars: number): string {
  if (typeof v !== 'string' || v.length > maxChars) {
    fail(`'${name}' must be a string of at most ${maxChars} characters`);
  }
  return v;
}

/** Like {@link str}; absent (undefined or nil) gives undefined. */
export function optionalStr(v: unknown, name: string, maxChars: number): string | undefined {
  return v === undefined || v === null ? undefined : str(v, name, maxChars);
}

/** A boolean; absent (undefined or nil) gives undefined. */
export function optionalFlag(v: unknown, name: string): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') fail(`'${name}' must be a boolean`);
  return v;
}

/** How many characters of a client's string an error message repeats. */
const SHOWN_CHARS = 32;

/**
 * Names a decoded value for an error message without converting it: a
 * string is quoted (and cut short), anything else is named by its kind.
 */
export function describeValue(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v.length > SHOWN_CHARS ? `${v.slice(0, SHOWN_CHARS)}…` : v);
    case 'number':
    case 'boolean':
    case 'undefined':
      return `${v}`;
    case 'bigint':
      return 'a bigint';
    default:
      if (v === null) return 'nil';
      if (Array.isArray(v)) return 'a list';
      if (v instanceof Uint8Array) return 'binary';
      return isFields(v) ? 'a map' : 'an extension value';
  }
}
