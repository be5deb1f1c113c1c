/**
 * A token bucket on the caller's clock: `ratePerSec` tokens flow in, up to
 * `burst`. Plain numbers, no timers and no allocation per call, so it can sit
 * on the hot path of every frame.
 */
export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly ratePerSec: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.at = now;
  }

  /** Takes a token if there is one. */
  take(now: number): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /**
   * Takes a token whether or not there is one, and returns what is left: below
   * zero, the caller is over its rate by that much (its debt), and it pays the
   * debt back at the same rate before it is under the limit again.
   */
  spend(now: number): number {
    this.refill(now);
    this.tokens -= 1;
    return this.tokens;
  }

  private refill(now: number): void {
    const elapsedMs = now - this.at;
    this.at = now;
    if (elapsedMs > 0) {
      this.tokens = Math.min(this.burst, this.tokens + (elapsedMs * this.ratePerSec) / 1_000);
    }
  }
}
