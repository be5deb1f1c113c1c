/**
 * The log of every state change of a {@link LockTable}, in the order made.
 * A standby that applies the same entries holds the same locks, queues and
 * sessions (leases are not logged: a promoted standby renews them all).
 * Tuples, not objects, because they travel in bulk.
 */
/** Why a holder let go of a lock, or a waiter left its queue ungranted. */
export type EndReason =
  | 'released'
  | 'timeout'
  | 'cancelled'
  | 'expired'
  | 'disconnected'
  | 'forced'
  | 'failover'
  /** A single-flight waiter left with the outcome of the run it waited for. */
  | 'answered';

/**
 * The optional tail of `wait` and `grant`: the path's limit (absent: 1),
 * 'read' (absent or null: write), the holder's value (a leader's; absent or
 * null: none), 1 for a single-flight waiter. Each is written only when it or
 * a later one is needed.
 */
export type KindFields = readonly [number?, ('read' | null)?, (string | null)?, 1?];

export type JournalEntry =
  /** A session opened: id, hash of its secret, TTL, name, owner (absent in older logs). */
  | readonly ['open', string, string, number, string, string?]
  /**
   * A waiter joined the tail of a queue: session, request, path, strict,
   * timeoutMs or -1, then {@link KindFields}.
   */
  | readonly ['wait', string, number, string, boolean, number, ...KindFields]
  /**
   * A lock was granted (from the queue head, or at once): session, request,
   * path, token, strict, then {@link KindFields}.
   */
  | readonly ['grant', string, number, string, number, boolean, ...KindFields]
  /**
   * A holder of a path let go: path, why (absent in logs written before
   * reasons), its token (absent when it was the path's only possible holder).
   */
  | readonly ['free', string, EndReason?, number?]
  /** A waiter left its queue ungranted: session, request, why, path. */
  | readonly ['drop', string, number, EndReason?, string?]
  /** A session ended; its locks and waits were freed and dropped by entries before this. */
  | readonly ['end', string];

/**
 * Whether holds of this kind may have company on their path (a semaphore's
 * permits, readers). Their `free` entry names its token, since the path
 * alone does not say which holder let go; a mutex's or a writer's does not.
 * `limit` and `mode` as a `grant` entry's {@link KindFields} carry them.
 */
export function holdsMayShare(
  limit: number | undefined,
  mode: 'read' | 'write' | null | undefined,
): boolean {
  return (limit ?? 1) > 1 || mode === 'read';
}
