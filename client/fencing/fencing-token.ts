import { InvalidOptionError } from '../../shared/errors.js';

/**
 * The most digits a token can have: `Number.MAX_SAFE_INTEGER` has 16. Longer
 * text is refused before it is parsed, so a hostile header costs nothing.
 */
export const MAX_TOKEN_DIGITS = 16;

/** True for a fencing token as Baton grants them: a positive safe integer. */
export function isFencingToken(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

/**
 * Reads a token from untrusted text (a header, a form field): ASCII digits
 * only, no sign, no spaces, no leading zero, at most 16 digits, a positive
 * safe integer. Returns null for anything else; it never throws.
 */
export function parseFencingToken(text: string): number | null {
  if (text.length === 0 || text.length > MAX_TOKEN_DIGITS) return null;
  // One spelling per number: "007" and "7" must not be two keys for one token anywhere.
  if (!/^[1-9][0-9]*$/.test(text)) return null;
  const token = Number(text);
  return isFencingToken(token) ? token : null;
}

/** Throws `INVALID_OPTION` naming `what` unless `token` is a fencing token. */
export function assertFencingToken(token: unknown, what = 'token'): asserts token is number {
  if (!isFencingToken(token)) {
    // Only a number is echoed back: any other value may be hostile, or have a toString that throws.
    const got = typeof token === 'number' ? String(token) : `a ${typeof token}`;
    throw new InvalidOptionError(`${what} must be a positive safe integer, got ${got}`);
  }
}
