import { hasControlChars } from './control-chars.js';

/** The most UTF-8 bytes a lock path may take. */
export const MAX_PATH_BYTES = 512;

// With the `u` flag a proper surrogate pair is one code point, so this finds only lone halves.
const LONE_SURROGATE = /[\ud800-\udfff]/u;

const encoder = new TextEncoder();

/**
 * Checks a lock path against the rules every party applies: a non-empty
 * string of at most {@link MAX_PATH_BYTES} UTF-8 bytes with no control
 * characters. Returns why it is bad, or `null` when it is fine.
 */
export function lockPathProblem(path: unknown): string | null {
  if (typeof path !== 'string') return 'a lock path must be a string';
  if (path.length === 0) return 'a lock path must not be empty';
  // A UTF-16 unit is at most 3 UTF-8 bytes, so short strings skip the encoding.
  if (path.length * 3 > MAX_PATH_BYTES && encoder.encode(path).length > MAX_PATH_BYTES) {
    return `a lock path must be at most ${MAX_PATH_BYTES} UTF-8 bytes`;
  }
  if (hasControlChars(path)) return 'a lock path must not contain control characters';
  if (LONE_SURROGATE.test(path)) return 'a lock path must be well-formed Unicode';
  return null;
}
