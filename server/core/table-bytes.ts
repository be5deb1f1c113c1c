/**
 * What the table's memory budget counts: an estimate of the heap a session, a
 * lock and a request (a hold or a waiter) keep alive, so that a flood is
 * refused (`LIMIT_EXCEEDED`) before the process runs out of heap.
 *
 * Measured with `node --expose-gc bench/table-bytes.mjs` (heap used per
 * 100,000, after a full GC, Node 20.20): a hold on its own 8-char path 278
 * bytes, on a 400-char path 680 (the path is one byte a char when Latin-1), a
 * waiter 149, a session 819. The constants round these up and count a path at
 * two bytes a UTF-16 unit, so the estimate runs 1.3 to 1.7 times the heap
 * really used: the budget errs on the safe side.
 */

/** A session: its object, its two maps, its id, hash and name. */
export const SESSION_BYTES = 1_000;

/** A request in the table: a hold (object, entries in the session's maps) or a waiter. */
export const REQUEST_BYTES = 200;

/** A lock's own state and its entry in the table's map, without its path. */
export const LOCK_BYTES = 150;

/** The bytes a lock on `path` is counted for: its state and its path string. */
export function lockBytes(path: string): number {
  return LOCK_BYTES + 16 + 2 * path.length;
}
