import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffMs, type BackoffPolicy } from '../../shared/backoff.js';

const steady: BackoffPolicy = { minMs: 50, maxMs: 1_000, jitter: 0 };

describe('backoffMs', () => {
  it('doubles from minMs per attempt and stops at maxMs', () => {
    const delays = [0, 1, 2, 3, 4, 5, 6, 50].map((a) => backoffMs(a, steady));
    expect(delays).toEqual([50, 100, 200, 400, 800, 1_000, 1_000, 1_000]);
  });

  it('stays a number however long a loop retries, even from a zero minMs', () => {
    expect(backoffMs(5_000, steady)).toBe(1_000);
    expect(backoffMs(5_000, { minMs: 0, maxMs: 1_000, jitter: 0.5 }, () => 0.5)).toBe(0);
    expect(backoffMs(-1, steady)).toBe(50);
  });

  it('takes off jitter × random of the delay, so random 0 gives the full delay', () => {
    const policy: BackoffPolicy = { minMs: 100, maxMs: 1_000, jitter: 0.5 };
    expect(backoffMs(0, policy, () => 0)).toBe(100);
    expect(backoffMs(0, policy, () => 0.5)).toBe(75);
    expect(backoffMs(1, policy, () => 0.5)).toBe(150);
    expect(backoffMs(9, policy, () => 0.5)).toBe(750);
    expect(backoffMs(0, { ...policy, jitter: 1 }, () => 0.25)).toBe(75);
  });

  it('uses Math.random when given no source, within the jittered range', () => {
    const policy: BackoffPolicy = { minMs: 100, maxMs: 1_000, jitter: 0.5 };
    const seen = Array.from({ length: 200 }, () => backoffMs(2, policy));
    for (const d of seen) expect(d > 200 && d <= 400).toBe(true);
    expect(new Set(seen).size).toBeGreaterThan(1);
  });

  it('keeps every delay in (ceiling × (1 − jitter), ceiling], the ceiling growing to maxMs', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 0, max: 200 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (minMs, extraMs, attempt, jitter, r) => {
          const policy = { minMs, maxMs: minMs + extraMs, jitter };
          const ceiling = Math.min(policy.maxMs, minMs * 2 ** attempt);
          const d = backoffMs(attempt, policy, () => r);
          expect(d).toBeLessThanOrEqual(ceiling);
          expect(d).toBeGreaterThanOrEqual(ceiling * (1 - jitter));
          if (ceiling > 0 && jitter < 1) expect(d).toBeGreaterThan(0);
          // The ceiling never falls as attempts go on.
          expect(backoffMs(attempt + 1, { ...policy, jitter: 0 })).toBeGreaterThanOrEqual(ceiling);
        },
      ),
      { seed: 20_240_610, numRuns: 500 },
    );
  });
});
