// @ts-check
// A sliding window of timed samples for the charts: points older than the
// window fall off, and so do the oldest past a fixed count, so a console
// left open for days holds no more than a few minutes of points.

/**
 * Samples of a few series taken together, oldest first. A null value is a
 * gap (the stream was down): the chart breaks its line there.
 */
export class Samples {
  /**
   * @param {{ series: number, windowMs: number, capacity: number }} options
   *   `series`: values per sample; `capacity`: points kept at most, whatever their age
   */
  constructor({ series, windowMs, capacity }) {
    this.windowMs = windowMs;
    this.capacity = capacity;
    /** @type {number[]} wall-clock ms */
    this.times = [];
    /** @type {(number | null)[][]} one array per series, aligned with `times` */
    this.values = Array.from({ length: series }, () => []);
  }

  get length() {
    return this.times.length;
  }

  /**
   * Adds a sample at `at` (ms); a sample older than the newest is dropped,
   * so the times stay in order.
   * @param {number} at
   * @param {readonly (number | null)[]} values one per series
   */
  push(at, values) {
    const last = this.times.at(-1);
    if (last !== undefined && at < last) return;
    this.times.push(at);
    this.values.forEach((column, i) => column.push(values[i] ?? null));
    this.trim(at);
  }

  /**
   * A break in the lines at `at`, when the samples stop being continuous.
   * @param {number} at
   */
  gap(at) {
    const open = this.times.length > 0 && this.values.some((column) => column.at(-1) !== null);
    if (open)
      this.push(
        at,
        this.values.map(() => null),
      );
  }

  /**
   * Drops what is older than the window at `now`, or past the capacity.
   * @param {number} now
   */
  trim(now) {
    const cutoff = now - this.windowMs;
    let drop = Math.max(0, this.times.length - this.capacity);
    while (drop < this.times.length && (this.times[drop] ?? 0) < cutoff) drop++;
    if (drop === 0) return;
    this.times.splice(0, drop);
    for (const column of this.values) column.splice(0, drop);
  }

  /**
   * The largest value of series `i`, 0 when it has none.
   * @param {number} i
   */
  max(i) {
    let max = 0;
    for (const v of this.values[i] ?? []) if (v !== null && v > max) max = v;
    return max;
  }

  /**
   * The newest value of series `i`; null when none (or a gap).
   * @param {number} i
   */
  last(i) {
    return this.values[i]?.at(-1) ?? null;
  }
}
