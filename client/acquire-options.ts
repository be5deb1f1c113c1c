import { BatonError, InvalidOptionError } from '../shared/errors.js';
import { hasControlChars } from '../shared/control-chars.js';
import { intOption, type OptionKeys } from '../shared/options.js';
import { FRAME_LIMITS, type Consistency, type LockMode } from '../shared/protocol.js';

export interface AcquireOptions {
  /** Give up after this long in the queue (TIMEOUT). Default: wait as long as it takes. */
  timeoutMs?: number;
  /** Aborting it withdraws the acquire (ABORTED, with the signal's reason as `cause`). */
  signal?: AbortSignal;
  /** Durability of the grant; default: the broker's choice for the path. */
  consistency?: Consistency;
  /**
   * A counting semaphore: up to `limit` holders at once, each with its own
   * token, FIFO for the rest. Every acquirer of a path in use must ask for the
   * same limit (else INVALID_OPTION). Default 1.
   */
  limit?: number;
  /**
   * `read` shares the lock with other readers; `write` (the default) holds it
   * alone. A reader that comes after a waiting writer queues behind it.
   */
  mode?: LockMode;
  /**
   * Told to the path's observers (`client.observe`) while this acquire holds
   * it: a leader's address, say. At most 1,024 characters, no control characters.
   */
  value?: string;
  /**
   * Called with the place in the queue (1 = next) and an estimate of the wait
   * (from the path's recent pace of grants; absent before there is one) when
   * the acquire has to wait, and again each time the place moved up by
   * `positionStep`.
   */
  onQueued?: (place: QueuePlace) => void;
  /** How far the place moves before `onQueued` hears again. Default 10. */
  positionStep?: number;
}

/** Where a waiting acquire stands. */
export interface QueuePlace {
  /** 1 = next in line. */
  position: number;
  /** How long it may still wait at the recent pace, ms; absent before the broker has seen one. */
  etaMs?: number;
}

const ACQUIRE_KEYS: OptionKeys<AcquireOptions> = {
  timeoutMs: true,
  signal: true,
  consistency: true,
  limit: true,
  mode: true,
  value: true,
  onQueued: true,
  positionStep: true,
};

/** What no options resolve to; shared, so a plain `acquire(path)` allocates none. */
const NO_OPTIONS: AcquireOptions = Object.freeze({});

/**
 * `options` if well formed, or throws an {@link InvalidOptionError} naming
 * the bad property. A misspelt key (`timeout`) is refused rather than
 * ignored: ignoring it would make the acquire wait for ever.
 */
export function checkAcquireOptions(options: unknown): AcquireOptions {
  if (options === undefined) return NO_OPTIONS;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidOptionError('acquire options must be an object');
  }
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!Object.hasOwn(ACQUIRE_KEYS, key)) {
      throw new InvalidOptionError(
        `${key} is not an acquire option (timeoutMs, signal, consistency, limit, mode, value, onQueued, positionStep)`,
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
  if (o.limit !== undefined) intOption('limit', o.limit, 1, FRAME_LIMITS.maxLimit);
  if (o.mode !== undefined && o.mode !== 'read' && o.mode !== 'write') {
    throw new InvalidOptionError("mode must be 'read' or 'write'");
  }
  if (o.mode === 'read' && typeof o.limit === 'number' && o.limit > 1) {
    throw new InvalidOptionError(`a semaphore (limit ${o.limit}) has no read mode`);
  }
  if (o.value !== undefined) checkValue(o.value);
  if (o.onQueued !== undefined && typeof o.onQueued !== 'function') {
    throw new InvalidOptionError('onQueued must be a function');
  }
  if (o.positionStep !== undefined)
    intOption('positionStep', o.positionStep, 1, FRAME_LIMITS.maxLimit);
  return o as AcquireOptions;
}

/** A holder's value as the broker takes it: a string of at most 1,024 characters, no control characters. */
function checkValue(value: unknown): void {
  if (typeof value !== 'string' || value.length > FRAME_LIMITS.maxValueChars) {
    throw new InvalidOptionError(
      `value must be a string of at most ${FRAME_LIMITS.maxValueChars} characters`,
    );
  }
  if (hasControlChars(value)) throw new InvalidOptionError('value may not hold control characters');
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
