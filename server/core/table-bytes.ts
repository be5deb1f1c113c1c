/**
 * What the table's memory budget counts: an estimate of the heap a lock and a
 * request (a hold or a waiter) keep alive, so that a flood of acquires is
 * refused (`LIMIT_EXCEEDED`) before the process runs out of heap. Measured
 * with `node --expose-gc bench/table-bytes.mjs` (heap used per 100,000
 * requests, after a full GC, on Node 20): see that script for the figures.
 * The constants round the measurement up: the budget errs on the safe side.
 */

/** A request in the table: a hold (object, entries in the session's maps) or a waiter. */
export const REQUEST_BYTES = 400;

/** A lock's own state and its entry in the table's map, without its path. */
export const LOCK_BYTES = 250;

/** The bytes a lock on `path` is counted for: its state and its path (two bytes a UTF-16 unit, plus a header). */
export function lockBytes(path: string): number {
  return LOCK_BYTES + 16 + 2 * path.length;
}
