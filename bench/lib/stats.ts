import { percentiles } from '../../test/support/percentiles.js';

export interface LatencySummary {
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** p50, p99 and max over every driver's samples, in ms to 3 decimals. */
export function summarize(samples: readonly Float64Array[]): LatencySummary {
  const p = percentiles(samples.flatMap((s) => Array.from(s)));
  return { count: p.count, p50Ms: round(p.p50, 3), p99Ms: round(p.p99, 3), maxMs: round(p.max, 3) };
}

/**
 * Jain's fairness index (Σx)² / (n·Σx²): 1 when every session got the same
 * share, 1/n when one session got everything.
 */
export function jainIndex(counts: ArrayLike<number>): number {
  let sum = 0;
  let squares = 0;
  for (let i = 0; i < counts.length; i++) {
    const x = counts[i] as number;
    sum += x;
    squares += x * x;
  }
  return squares === 0 ? NaN : (sum * sum) / (counts.length * squares);
}

/** Rounds to `digits` decimals; keeps NaN (JSON prints it as null). */
export function round(x: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Uniform random integer in [min, max]. */
export function randomInt(min: number, max: number): number {
  return min + Math.floor(Math.random() * (max - min + 1));
}
