/**
 * Milliseconds on CLOCK_MONOTONIC. `process.hrtime` reads the kernel's
 * monotonic clock, which every process on one Linux host shares, so a
 * driver's grant time and the runner's kill time can be subtracted directly —
 * unlike `performance.now()`, whose zero is each process's own start.
 */
export function sharedClockMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Kept entries; the runner only ever asks about the last few seconds. */
const MAX_ENTRIES = 200_000;

interface Query {
  afterMs: number;
  minToken: number;
  resolve: (hit: { atMs: number; token: number } | null) => void;
}

/**
 * Scenario F, driver side: every grant of the hot path with its time on the
 * shared clock, so the runner can ask "when was the first grant after my
 * kill?" without clocks ever being compared across processes' own origins.
 */
export class GrantLog {
  private at: number[] = [];
  private tokens: number[] = [];
  private readonly queries = new Set<Query>();

  add(token: number): void {
    const atMs = sharedClockMs();
    if (this.at.length >= MAX_ENTRIES) {
      this.at = this.at.slice(MAX_ENTRIES / 2);
      this.tokens = this.tokens.slice(MAX_ENTRIES / 2);
    }
    this.at.push(atMs);
    this.tokens.push(token);
    for (const q of this.queries) {
      if (atMs >= q.afterMs && token >= q.minToken) {
        this.queries.delete(q);
        q.resolve({ atMs, token });
      }
    }
  }

  /** The first grant at or after `afterMs` with a token ≥ `minToken`: logged already, or the next one. */
  firstAfter(
    afterMs: number,
    minToken: number,
    timeoutMs: number,
  ): Promise<{ atMs: number; token: number } | null> {
    for (let i = this.indexFrom(afterMs); i < this.at.length; i++) {
      const token = this.tokens[i] as number;
      if (token >= minToken) return Promise.resolve({ atMs: this.at[i] as number, token });
    }
    return new Promise((resolve) => {
      const q: Query = { afterMs, minToken, resolve };
      this.queries.add(q);
      setTimeout(() => {
        if (this.queries.delete(q)) resolve(null);
      }, timeoutMs);
    });
  }

  /** Grants logged at or after `sinceMs`. */
  countSince(sinceMs: number): number {
    return this.at.length - this.indexFrom(sinceMs);
  }

  /** First index whose time is ≥ `ms`; times only grow, so a binary search. */
  private indexFrom(ms: number): number {
    let lo = 0;
    let hi = this.at.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.at[mid] as number) < ms) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
