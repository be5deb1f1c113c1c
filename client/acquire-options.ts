import { BatonError, InvalidOptionError } from '../shared/errors.js';
import { intOption, type OptionKeys } from '../shared/options.js';
import { FRAME_LIMITS, type Consistency } from '../shared/protocol.js';

export interface AcquireOptions {
  /** Give up after this long in the queue (TIMEOUT). Default: wait as long as it takes. */
  timeoutMs?: number;
  /** Aborting it withdraws the acquire (ABORTED, with the signal's reason as `cause`). */
  signal?: AbortSignal;
  /** Durability of the grant; default: the broker's choice for the path. */
  consistency?: Consistency;
}

const ACQUIRE_KEYS: OptionKeys<AcquireOptions> = {
  timeoutMs: true,
  signal: true,
  consistency: true,
};

/**
 * `options` if well formed, or throws an {@link InvalidOptionError} naming
 * the bad property. A misspelt key (`timeout`) is refused rather than
 * ignored: ignoring it would make the acquire wait for ever.
 */
export function checkAcquireOptions(options: unknown): AcquireOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidOptionError('acquire options must be an object');
  }
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!Object.hasOwn(ACQUIRE_KEYS, key)) {
      throw new InvalidOptionError(
        `${key} is not an acquire option (timeoutMs, signal, consistency)`,
      );
    }
  }
  if (o.timeoutMs !== undefined) intOption('timeoutMs', o.timeoutMs, 0, FRAME_LIMITS.maxTimeoutMs);
  if (o.signal !== undefined && !isSignal(o.signal)) {
    throw new InvalidOptionError('signal must be an AbortSignal');
  }
  if (o.consistency !== undefined && o.consistency !== 'efficient' && o.consistency !== 'strict') {
    throw new InvalidOptionError("consistency must be 'efficient' or 'strict'");
  }
  return o as AcquireOptions;
}

/** Duck-typed: a signal from another realm or a polyfill is still a signal. */
function isSignal(value: unknown): value is AbortSignal {
  const s = value as Partial<AbortSignal> | null;
  return (
    typeof s === 'object' &&
    s !== null &&
    typeof s.aborted === 'boolean' &&
    typeof s.addEventListener === 'function' &&
    typeof s.removeEventListener === 'function'
  );
}

/** The ABORTED error for an acquire whose signal fired; the signal's reason is its `cause`. */
export function abortedError(path: string, signal: AbortSignal): BatonError {
  return new BatonError('ABORTED', `acquire of ${path} was aborted`, { cause: signal.reason });
}
