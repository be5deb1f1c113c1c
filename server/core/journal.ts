/**
 * The log of every state change of a {@link LockTable}, in the order made.
 * A standby that applies the same entries holds the same locks, queues and
 * sessions (leases are not logged: a promoted standby renews them all).
 * Tuples, not objects, because they travel in bulk.
 */
export type JournalEntry =
  /** A session opened: id, secret, TTL, name. */
  | readonly ['open', string, string, number, string]
  /** A waiter joined the tail of a queue: session, request, path, strict, timeoutMs or -1. */
  | readonly ['wait', string, number, string, boolean, number]
  /** A lock was granted (from the queue head, or at once): session, request, path, token, strict. */
  | readonly ['grant', string, number, string, number, boolean]
  /** The holder of a path let go (release, cancel, session end, force). */
  | readonly ['free', string]
  /** A waiter left its queue ungranted (cancel, timeout, session end): session, request. */
  | readonly ['drop', string, number]
  /** A session ended; its locks and waits were freed and dropped by entries before this. */
  | readonly ['end', string];
