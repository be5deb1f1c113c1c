import { InvalidOptionError } from '../../shared/errors.js';
import { intOption, mergeOptions, type OptionKeys } from '../../shared/options.js';

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
  /** Most sessions one owner (principal, or client address) may have at once. Default 10,000. */
  maxSessionsPerOwner?: number;
  /** Most locks all sessions of one owner may hold and wait for together. Default 50,000. */
  maxLocksPerOwner?: number;
  /**
   * Longest a session may live without a connection, whatever TTL it asked
   * for: its lease ends at `min(lastSeen + TTL, detached + maxDetachedMs)`.
   * Default 30,000 ms.
   */
  maxDetachedMs?: number;
  /**
   * Memory budget of the table, in estimated bytes (sessions, locks, waiters,
   * paths: see table-bytes.ts); a hello or an acquire past it is refused.
   * Default 256 MiB (the broker sizes it from the heap limit).
   */
  maxTableBytes?: number;
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
  maxSessionsPerOwner: 10_000,
  maxLocksPerOwner: 50_000,
  maxDetachedMs: 30_000,
  maxTableBytes: 256 * 1024 * 1024,
  lockDelayMs: 0,
  tokenLowWater: 10_000,
  journal: false,
});

const LOCK_TABLE_KEYS: OptionKeys<LockTableOptions> = {
  defaultSessionTtlMs: true,
  minSessionTtlMs: true,
  maxSessionTtlMs: true,
  maxSessions: true,
  maxLocksPerSession: true,
  maxWaitersPerPath: true,
  maxSessionsPerOwner: true,
  maxLocksPerOwner: true,
  maxDetachedMs: true,
  maxTableBytes: true,
  lockDelayMs: true,
  tokenLowWater: true,
  journal: true,
};

/** Merges `options` over the defaults and validates the result. */
export function resolveLockTableOptions(options: LockTableOptions = {}): ResolvedLockTableOptions {
  const o = mergeOptions('', options, LOCK_TABLE_KEYS, DEFAULT_LOCK_TABLE_OPTIONS);
  // A lower ceiling lowers the default with it rather than making it invalid.
  const ttlDefault =
    options.defaultSessionTtlMs ?? Math.min(o.defaultSessionTtlMs, o.maxSessionTtlMs);
  if (typeof o.journal !== 'boolean') throw new InvalidOptionError('journal must be a boolean');
  const day = 86_400_000;
  const minSessionTtlMs = intOption('minSessionTtlMs', o.minSessionTtlMs, 1, day);
  const maxSessionTtlMs = intOption('maxSessionTtlMs', o.maxSessionTtlMs, minSessionTtlMs, day);
  return Object.freeze({
    minSessionTtlMs,
    maxSessionTtlMs,
    defaultSessionTtlMs: intOption(
      'defaultSessionTtlMs',
      ttlDefault,
      minSessionTtlMs,
      maxSessionTtlMs,
    ),
    maxSessions: intOption('maxSessions', o.maxSessions, 1, 10_000_000),
    maxLocksPerSession: intOption('maxLocksPerSession', o.maxLocksPerSession, 1, 1_000_000),
    maxWaitersPerPath: intOption('maxWaitersPerPath', o.maxWaitersPerPath, 1, 10_000_000),
    maxSessionsPerOwner: intOption('maxSessionsPerOwner', o.maxSessionsPerOwner, 1, 10_000_000),
    maxLocksPerOwner: intOption('maxLocksPerOwner', o.maxLocksPerOwner, 1, 1_000_000_000),
    maxDetachedMs: intOption('maxDetachedMs', o.maxDetachedMs, 1, day),
    maxTableBytes: intOption('maxTableBytes', o.maxTableBytes, 1024, 2 ** 50),
    lockDelayMs: intOption('lockDelayMs', o.lockDelayMs, 0, day),
    tokenLowWater: intOption('tokenLowWater', o.tokenLowWater, 1, 1_000_000_000),
    journal: o.journal,
  });
}
