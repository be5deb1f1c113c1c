/** How a retry loop waits between attempts. */
export interface BackoffPolicy {
  /** The delay before the first retry (attempt 0), before jitter. */
  readonly minMs: number;
  /** The longest delay, before jitter: the doubling stops here. */
  readonly maxMs: number;
  /**
   * The share of each delay taken off at random, from 0 (none) to 1: 0.5
   * spreads a delay `d` over (d/2, d]. Jitter only ever shortens a delay, so
   * `maxMs` stays a bound; it keeps many retrying parties from moving in step.
   */
  readonly jitter: number;
}

/**
 * The delay before retry `attempt` (counted from 0): `minMs` doubled per
 * attempt up to `maxMs`, less up to `jitter` of itself. Pure: the random
 * source, a function returning a number in [0, 1), is injectable.
 */
export function backoffMs(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const { minMs, maxMs, jitter } = policy;
  // A capped exponent keeps `0 * 2 ** attempt` a number in a loop that retries for ever.
  const ceilingMs = Math.min(maxMs, minMs * 2 ** Math.min(Math.max(0, attempt), 64));
  return ceilingMs * (1 - jitter * random());
}
