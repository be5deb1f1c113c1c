import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SmallMap } from '../../shared/small-map.js';

type Op =
  { op: 'set'; key: number; value: number } | { op: 'delete'; key: number } | { op: 'clear' };

const ops = fc.array(
  fc.oneof(
    fc.record({ op: fc.constant('set' as const), key: fc.nat(3), value: fc.integer() }),
    fc.record({ op: fc.constant('delete' as const), key: fc.nat(3) }),
    fc.record({ op: fc.constant('clear' as const) }),
  ),
  { maxLength: 40 },
);

describe('SmallMap', () => {
  it('answers as a Map does after any run of sets, deletes and clears', () => {
    fc.assert(
      fc.property(ops, (run: Op[]) => {
        const small = new SmallMap<number, number>();
        const map = new Map<number, number>();
        for (const o of run) {
          if (o.op === 'set') {
            small.set(o.key, o.value);
            map.set(o.key, o.value);
          } else if (o.op === 'delete') {
            expect(small.delete(o.key)).toBe(map.delete(o.key));
          } else {
            small.clear();
            map.clear();
          }
          expect(small.size).toBe(map.size);
          expect([...small.values()]).toEqual([...map.values()]);
          expect([...small]).toEqual([...map]);
          for (let k = 0; k <= 3; k++) {
            expect(small.get(k)).toBe(map.get(k));
            expect(small.has(k)).toBe(map.has(k));
          }
        }
        // Deleting while iterating visits each entry once, as a Map's iteration does.
        const visited = (m: Map<number, number> | SmallMap<number, number>): number[] => {
          const keys: number[] = [];
          for (const [k] of m) keys.push(k, Number(m.delete(k)));
          return keys;
        };
        expect(visited(small)).toEqual(visited(map));
        expect(small.size).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('ends an iteration under way when cleared, as a Map does', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.nat(9), { maxLength: 4 }), (keys: number[]) => {
        const seen = (m: Map<number, number> | SmallMap<number, number>): number[] => {
          for (const k of keys) m.set(k, k);
          const out: number[] = [];
          for (const [k] of m) {
            out.push(k);
            m.clear();
          }
          return out;
        };
        expect(seen(new SmallMap())).toEqual(seen(new Map()));
      }),
      { numRuns: 300 },
    );
  });
});
