import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../../server/transport/rate-limit.js';

describe('TokenBucket (on a clock the test moves)', () => {
  it('allows a burst, then the rate, and never saves more than the burst', () => {
    const b = new TokenBucket(10, 3, 0);
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
    const b = new TokenBucket(1_000, 2, 0);
    expect([b.spend(0), b.spend(0), b.spend(0), b.spend(0)]).toEqual([1, 0, -1, -2]);
    // Two tokens' debt takes 2 ms to pay back, and the next frame is in budget again at 3 ms.
    expect(b.spend(2)).toBe(-1);
    expect(b.spend(4)).toBe(0);
  });

  it('does not go wrong when the clock stands still or steps back', () => {
    const b = new TokenBucket(1, 1, 1_000);
    expect(b.take(1_000)).toBe(true);
    expect(b.take(500)).toBe(false);
    expect(b.take(1_000)).toBe(false);
    expect(b.take(2_000)).toBe(true);
  });
});
