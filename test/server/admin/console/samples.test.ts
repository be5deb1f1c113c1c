import { describe, expect, test } from 'vitest';

// Browser JavaScript that touches no DOM: Node runs it as it is (see sse-parser.test.ts).
interface SamplesLike {
  readonly length: number;
  times: number[];
  values: (number | null)[][];
  push(at: number, values: readonly (number | null)[]): void;
  gap(at: number): void;
  trim(now: number): void;
  max(i: number): number;
  last(i: number): number | null;
}
const moduleUrl = new URL('../../../../server/admin/console/samples.js', import.meta.url).href;
const { Samples } = (await import(moduleUrl)) as {
  Samples: new (o: { series: number; windowMs: number; capacity: number }) => SamplesLike;
};

describe('the charts’ samples', () => {
  test('keep the window: older points fall off as new ones come', () => {
    const s = new Samples({ series: 2, windowMs: 1_000, capacity: 100 });
    for (let at = 0; at <= 3_000; at += 100) s.push(at, [at, -at]);
    expect(s.times[0]).toBe(2_000);
    expect(s.times.at(-1)).toBe(3_000);
    expect(s.length).toBe(11);
    expect(s.values[0]).toHaveLength(11);
    expect(s.values[1]).toHaveLength(11);
    expect(s.last(0)).toBe(3_000);
    expect(s.max(0)).toBe(3_000);
    // Without new points, time alone empties it.
    s.trim(10_000);
    expect(s.length).toBe(0);
    expect(s.max(0)).toBe(0);
    expect(s.last(0)).toBeNull();
  });

  test('keep at most their capacity, however fast points come', () => {
    const s = new Samples({ series: 1, windowMs: 60_000, capacity: 50 });
    for (let i = 0; i < 10_000; i++) s.push(i, [i % 7]);
    expect(s.length).toBe(50);
    expect(s.values[0]).toHaveLength(50);
    expect(s.times[0]).toBe(9_950);
    expect(s.max(0)).toBe(6);
  });

  test('break the lines once at a gap, and drop a point older than the newest', () => {
    const s = new Samples({ series: 2, windowMs: 60_000, capacity: 100 });
    s.gap(0); // nothing to break yet
    expect(s.length).toBe(0);
    s.push(10, [1, 2]);
    s.gap(20);
    s.gap(30); // already broken
    s.push(40, [3]);
    s.push(35, [9, 9]);
    expect(s.times).toEqual([10, 20, 40]);
    expect(s.values).toEqual([
      [1, null, 3],
      [2, null, null],
    ]);
    expect(s.max(0)).toBe(3);
    expect(s.last(1)).toBeNull();
  });
});
