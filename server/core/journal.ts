/**
 * The log of every state change of a {@link LockTable}, in the order made.
 * A standby that applies the same entries holds the same locks, queues and
 * sessions (leases are not logged: a promoted standby renews them all).
 * Tuples, not objects, because they travel in bulk.
 */
/** Why a holder let go of a lock, or a waiter left its queue ungranted. */
export type EndReason =
  'released' | 'timeout' | 'cancelled' | 'expired' | 'disconnected' | 'forced' | 'failover';

export type JournalEntry =
  /** A session opened: id, hash of its secret, TTL, name, owner (absent in older logs). */
  | readonly ['open', string, string, number, string, string?]
  /** A waiter joined the tail of a queue: session, request, path, strict, timeoutMs or -1. */
  | readonly ['wait', string, number, string, boolean, number]
  /** A lock was granted (from the queue head, or at once): session, request, path, token, strict. */
  | readonly ['grant', string, number, string, number, boolean]
  /** The holder of a path let go: path, why (absent in logs written before reasons). */
  | readonly ['free', string, EndReason?]
  /** A waiter left its queue ungranted: session, request, why, path. */
  | readonly ['drop', string, number, EndReason?, string?]
  /** A session ended; its locks and waits were freed and dropped by entries before this. */
  | readonly ['end', string];
