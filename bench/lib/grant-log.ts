import { sharedClockMs } from './time.js';

/** Kept entries; the runner only ever asks about the last few seconds. */
const MAX_ENTRIES = 200_000;

/**
 * Scenario F, driver side: every grant of the hot path with its time on the
 * shared clock, so the runner can ask "when was the first grant after my
 * kill?" without comparing clocks across processes' own origins.
 */
export class GrantLog {
  private at: number[] = [];
  private tokens: number[] = [];

  add(token: number): void {
    if (this.at.length >= MAX_ENTRIES) {
      this.at = this.at.slice(MAX_ENTRIES / 2);
      this.tokens = this.tokens.slice(MAX_ENTRIES / 2);
    }
    this.at.push(sharedClockMs());
    this.tokens.push(token);
  }

  /** Grants at or after `sinceMs`: how many, and when the first with a token ≥ `minToken` came. */
  since(sinceMs: number, minToken: number): { count: number; firstAtMs: number | null } {
    const from = this.indexFrom(sinceMs);
    let firstAtMs: number | null = null;
    for (let i = from; i < this.at.length && firstAtMs === null; i++) {
      if ((this.tokens[i] as number) >= minToken) firstAtMs = this.at[i] as number;
    }
    return { count: this.at.length - from, firstAtMs };
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
