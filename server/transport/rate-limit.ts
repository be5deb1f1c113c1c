/**
 * A token-bucket rate on the caller's clock: `ratePerSec` tokens flow in, up
 * to `burst`. The bucket itself is one number the caller keeps, the time at
 * which it is (or was) empty: it holds `min(burst, (now - emptyAt) × rate)`
 * tokens at `now` (GCRA's form of a token bucket). One number rather than an
 * object with tokens and a time: a connection keeps its bucket in a field, so
 * 10,000 idle connections are not 10,000 more objects. No timers and no
 * allocation per call, so it can sit on the hot path of every frame.
 */
export class TokenRate {
  /** How long one token takes to flow in; 0 at an unlimited rate. */
  private readonly msPerToken: number;

  constructor(
    readonly ratePerSec: number,
    readonly burst: number,
  ) {
    this.msPerToken = Number.isFinite(ratePerSec) ? 1_000 / ratePerSec : 0;
  }

  /** A full bucket at `now`. */
  full(now: number): number {
    // An unlimited rate never drains a bucket; its number is never read.
    return this.msPerToken === 0 ? 0 : now - this.burst * this.msPerToken;
  }

  /** The tokens in `bucket` at `now`: at most `burst`; below zero, the debt of a caller over its rate. */
  tokens(bucket: number, now: number): number {
    if (this.msPerToken === 0) return this.burst;
    return Math.min(this.burst, (now - bucket) / this.msPerToken);
  }

  /**
   * `bucket` with a token taken at `now`, whether or not there was one: in
   * debt, the caller pays it back at the same rate before it is under the
   * limit again. A clock that steps back gives no token back.
   */
  spend(bucket: number, now: number): number {
    if (this.msPerToken === 0) return bucket;
    // A full bucket saves nothing more: the tokens it had at most, then one fewer.
    return Math.max(bucket, this.full(now)) + this.msPerToken;
  }
}
