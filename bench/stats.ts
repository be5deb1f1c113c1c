/** Small statistics helpers; all take unsorted samples and leave them alone. */

/** Nearest-rank percentile (`p` in 0..100) of ascending `sorted`; NaN when empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

export interface LatencySummary {
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export function summarize(samples: readonly Float64Array[]): LatencySummary {
  let total = 0;
  for (const s of samples) total += s.length;
  const all = new Float64Array(total);
  let at = 0;
  for (const s of samples) {
    all.set(s, at);
    at += s.length;
  }
  all.sort();
  return {
    count: all.length,
    p50Ms: round(percentile(all, 50), 3),
    p99Ms: round(percentile(all, 99), 3),
    maxMs: round(all.length ? (all[all.length - 1] as number) : NaN, 3),
  };
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
