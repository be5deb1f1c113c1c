/** p50, p99 and max of a set of samples, with how many there were; NaN when empty. */
export interface Percentiles {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

/**
 * Nearest-rank percentiles of `samples` (left as they are): the one
 * definition the tests' fault figures and the bench's latencies share.
 */
export function percentiles(samples: Iterable<number>): Percentiles {
  const sorted = Float64Array.from(samples).sort();
  const at = (p: number): number => {
    if (sorted.length === 0) return NaN;
    const rank = Math.ceil((p / 100) * sorted.length);
    return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
  };
  return { count: sorted.length, p50: at(50), p99: at(99), max: at(100) };
}
