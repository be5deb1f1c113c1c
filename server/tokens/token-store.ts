/** A block of fencing tokens `[start, limit)` that no broker will ever hand out again. */
export interface TokenBlock {
  start: number;
  limit: number;
}

/**
 * Where fencing-token reservations are made durable. A reservation starts
 * above the stored mark, above `issuedUpTo` and at or above a wall-clock floor
 * in microseconds, so tokens cannot go backwards even if the store lost data.
 */
export interface TokenStore {
  reserve(issuedUpTo: number, count: number): Promise<TokenBlock>;
  close(): Promise<void>;
}

/** The start of the next block: the largest of the three floors. */
export function blockStart(storedMark: number, issuedUpTo: number, wallClockMs: number): number {
  return Math.max(storedMark, issuedUpTo + 1, Math.floor(wallClockMs * 1000), 1);
}
