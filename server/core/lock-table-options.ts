import { InvalidOptionError } from '../../shared/errors.js';

/** Rules and limits of a {@link LockTable}. Every field is optional. */
export interface LockTableOptions {
  /** TTL a session gets when its hello names none. Default 10,000 ms, or `maxSessionTtlMs` when lower. */
  defaultSessionTtlMs?: number;
  /** Shortest TTL a client may ask for; shorter asks are raised to it. Default 200 ms. */
  minSessionTtlMs?: number;
  /** Longest TTL a client may ask for; longer asks are lowered to it. Default 600,000 ms. */
  maxSessionTtlMs?: number;
  /** Most sessions alive at once; a hello past it is refused. Default 100,000. */
  maxSessions?: number;
  /** Most locks one session may hold and wait for together. Default 1,024. */
  maxLocksPerSession?: number;
  /** Most waiters in the queue of one path. Default 100,000. */
  maxWaitersPerPath?: number;
  /**
   * How long a lock whose holder's session expired (rather than released it)
   * stays ungranted, for holders that are paused rather than dead. Default 0.
   */
  lockDelayMs?: number;
  /** Ask for a new token block when fewer than this many remain. Default 10,000. */
  tokenLowWater?: number;
  /** Keep a journal of every state change for a mirror to take. Default false. */
  journal?: boolean;
}

export type ResolvedLockTableOptions = Readonly<Required<LockTableOptions>>;

export const DEFAULT_LOCK_TABLE_OPTIONS: ResolvedLockTableOptions = Object.freeze({
  defaultSessionTtlMs: 10_000,
  minSessionTtlMs: 200,
  maxSessionTtlMs: 600_000,
  maxSessions: 100_000,
  maxLocksPerSession: 1_024,
  maxWaitersPerPath: 100_000,
  lockDelayMs: 0,
  tokenLowWater: 10_000,
  journal: false,
});

/** Checks that `value` is an integer in range, naming the property when not. */
export function requireInt(name: string, value: number, min: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidOptionError(`${name} must be an integer from ${min} to ${max}, got ${value}`);
  }
}

/** Merges `options` over the defaults and validates the result. */
export function resolveLockTableOptions(options: LockTableOptions = {}): ResolvedLockTableOptions {
  // Only the table's own keys: callers pass wider option objects.
  const o: Required<LockTableOptions> = { ...DEFAULT_LOCK_TABLE_OPTIONS };
  const given = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (given[key] !== undefined) (o as Record<string, unknown>)[key] = given[key];
  }
  // A lower ceiling lowers the default with it rather than making it invalid.
  if (given.defaultSessionTtlMs === undefined && o.maxSessionTtlMs < o.defaultSessionTtlMs) {
    o.defaultSessionTtlMs = o.maxSessionTtlMs;
  }
  if (typeof o.journal !== 'boolean') throw new InvalidOptionError('journal must be a boolean');
  const day = 86_400_000;
  requireInt('minSessionTtlMs', o.minSessionTtlMs, 1, day);
  requireInt('maxSessionTtlMs', o.maxSessionTtlMs, o.minSessionTtlMs, day);
  requireInt('defaultSessionTtlMs', o.defaultSessionTtlMs, o.minSessionTtlMs, o.maxSessionTtlMs);
  requireInt('maxSessions', o.maxSessions, 1, 10_000_000);
  requireInt('maxLocksPerSession', o.maxLocksPerSession, 1, 1_000_000);
  requireInt('maxWaitersPerPath', o.maxWaitersPerPath, 1, 10_000_000);
  requireInt('lockDelayMs', o.lockDelayMs, 0, day);
  requireInt('tokenLowWater', o.tokenLowWater, 1, 1_000_000_000);
  return Object.freeze(o);
}

/** Drops keys whose value is `undefined`, so spreading them keeps defaults. */
export function withoutUndefined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(options).filter(([, v]) => v !== undefined),
  ) as Partial<T>;
}
