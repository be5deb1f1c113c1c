import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SmallMap } from '../../../server/core/small-map.js';

type Op = { op: 'set'; key: number; value: number } | { op: 'delete'; key: number };

const ops = fc.array(
  fc.oneof(
    fc.record({ op: fc.constant('set' as const), key: fc.nat(3), value: fc.integer() }),
    fc.record({ op: fc.constant('delete' as const), key: fc.nat(3) }),
  ),
  { maxLength: 40 },
);

describe('SmallMap', () => {
  it('answers as a Map does after any run of sets and deletes', () => {
    fc.assert(
      fc.property(ops, (run: Op[]) => {
        const small = new SmallMap<number, number>();
        const map = new Map<number, number>();
        for (const o of run) {
          if (o.op === 'set') {
            small.set(o.key, o.value);
            map.set(o.key, o.value);
          } else {
            expect(small.delete(o.key)).toBe(map.delete(o.key));
          }
          expect(small.size).toBe(map.size);
          expect([...small.values()]).toEqual([...map.values()]);
          for (let k = 0; k <= 3; k++) {
            expect(small.get(k)).toBe(map.get(k));
            expect(small.has(k)).toBe(map.has(k));
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
