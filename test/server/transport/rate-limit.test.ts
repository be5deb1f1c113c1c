import { describe, expect, it } from 'vitest';
import { TokenRate } from '../../../server/transport/rate-limit.js';

/** A bucket of `rate` as a caller keeps it, with the two calls the broker makes. */
function bucketOf(rate: TokenRate, now: number) {
  let bucket = rate.full(now);
  return {
    /** Takes a token if there is one (as a hello does). */
    take(at: number): boolean {
      if (rate.tokens(bucket, at) < 1) return false;
      bucket = rate.spend(bucket, at);
      return true;
    },
    /** Takes a token whether or not there is one, and returns what is left (as a frame does). */
    spend(at: number): number {
      bucket = rate.spend(bucket, at);
      return rate.tokens(bucket, at);
    },
  };
}

describe('TokenRate (on a clock the test moves)', () => {
  it('allows a burst, then the rate, and never saves more than the burst', () => {
    const b = bucketOf(new TokenRate(10, 3), 0);
    expect([b.take(0), b.take(0), b.take(0), b.take(0)]).toEqual([true, true, true, false]);
    // 10 a second: one token every 100 ms.
    expect(b.take(99)).toBe(false);
    expect(b.take(100)).toBe(true);
    expect(b.take(100)).toBe(false);
    // An hour idle fills it to the burst, no more.
    const later = 3_600_000;
    expect([b.take(later), b.take(later), b.take(later), b.take(later)]).toEqual([
      true,
      true,
      true,
      false,
    ]);
  });

  it('counts spending past the rate as debt, paid back at the rate', () => {
    const b = bucketOf(new TokenRate(1_000, 2), 0);
    expect([b.spend(0), b.spend(0), b.spend(0), b.spend(0)]).toEqual([1, 0, -1, -2]);
    // Two tokens' debt takes 2 ms to pay back, and the next frame is in budget again at 3 ms.
    expect(b.spend(2)).toBe(-1);
    expect(b.spend(4)).toBe(0);
  });

  it('saves no more than the burst across a pause, also while in debt', () => {
    const b = bucketOf(new TokenRate(1_000, 2), 0);
    for (let i = 0; i < 5; i++) b.spend(0);
    // 3 tokens in debt at 0 ms: a minute later the bucket is full again, and only full.
    expect([b.spend(60_000), b.spend(60_000), b.spend(60_000)]).toEqual([1, 0, -1]);
  });

  it('does not go wrong when the clock stands still or steps back', () => {
    const b = bucketOf(new TokenRate(1, 1), 1_000);
    expect(b.take(1_000)).toBe(true);
    expect(b.take(500)).toBe(false);
    expect(b.take(1_000)).toBe(false);
    expect(b.take(2_000)).toBe(true);
  });

  it('limits nothing at an unlimited rate or burst', () => {
    for (const rate of [new TokenRate(Infinity, 5), new TokenRate(5, Infinity)]) {
      const b = bucketOf(rate, 0);
      for (let i = 0; i < 1_000; i++) expect(b.take(0) && b.spend(0) >= 0).toBe(true);
    }
  });
});
