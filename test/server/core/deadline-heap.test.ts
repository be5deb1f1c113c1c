import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeadlineHeap, type Timed } from '../../../server/core/deadline-heap.js';

interface Item extends Timed {
  id: number;
}

function item(id: number, deadline: number): Item {
  return { id, deadline, heapIndex: -1 };
}

function drain(heap: DeadlineHeap<Item>): number[] {
  const out: number[] = [];
  for (let x = heap.pop(); x; x = heap.pop()) out.push(x.deadline);
  return out;
}

describe('DeadlineHeap', () => {
  it('is empty at first', () => {
    const heap = new DeadlineHeap<Item>();
    expect(heap.size).toBe(0);
    expect(heap.peek()).toBeUndefined();
    expect(heap.pop()).toBeUndefined();
  });

  it('pops items in deadline order and resets their heapIndex', () => {
    const heap = new DeadlineHeap<Item>();
    const items = [5, 3, 9, 1, 7, 3].map((d, i) => item(i, d));
    for (const x of items) heap.push(x);
    expect(heap.size).toBe(6);
    expect(heap.peek()?.deadline).toBe(1);
    expect(drain(heap)).toEqual([1, 3, 3, 5, 7, 9]);
    expect(items.every((x) => x.heapIndex === -1)).toBe(true);
  });

  it('refuses an item that is already in a heap', () => {
    const heap = new DeadlineHeap<Item>();
    const x = item(1, 10);
    heap.push(x);
    expect(() => heap.push(x)).toThrow(/already in a heap/);
    expect(() => new DeadlineHeap<Item>().push(x)).toThrow(/already in a heap/);
    expect(heap.size).toBe(1);
  });

  it('removes an arbitrary item, the root and the last one', () => {
    const heap = new DeadlineHeap<Item>();
    const items = [10, 20, 30, 40, 50, 60, 70].map((d, i) => item(i, d));
    for (const x of items) heap.push(x);
    heap.remove(items[3]!); // an inner node
    heap.remove(items[0]!); // the root
    heap.remove(items[6]!); // the last slot
    expect(items[3]!.heapIndex).toBe(-1);
    expect(heap.size).toBe(4);
    expect(drain(heap)).toEqual([20, 30, 50, 60]);
  });

  it('moves the replacement up when it is smaller than the removed item’s parent', () => {
    // The pushes leave 70 under 50 and 8 in the last slot, from the other
    // subtree: removing 70 puts 8 in its place, and 8 must rise above 50.
    const heap = new DeadlineHeap<Item>();
    const items = [1, 50, 5, 60, 70, 7, 8, 61, 62, 71, 72, 9, 10, 11, 6].map((d, i) => item(i, d));
    for (const x of items) heap.push(x);
    const eight = items.find((x) => x.deadline === 8)!;
    expect(eight.heapIndex).toBe(14);
    heap.remove(items.find((x) => x.deadline === 70)!);
    expect(eight.heapIndex).toBe(1);
    expect(heap.size).toBe(14);
    expect(drain(heap)).toEqual([1, 5, 6, 7, 8, 9, 10, 11, 50, 60, 61, 62, 71, 72]);
  });

  it('ignores removal of an item it does not hold', () => {
    const heap = new DeadlineHeap<Item>();
    const other = new DeadlineHeap<Item>();
    const mine = item(1, 1);
    const theirs = item(2, 2);
    heap.push(mine);
    other.push(theirs);
    heap.remove(theirs); // theirs.heapIndex is 0, but slot 0 holds another item
    heap.remove(item(3, 3)); // never pushed
    expect(heap.size).toBe(1);
    expect(theirs.heapIndex).toBe(0);
    expect(other.peek()).toBe(theirs);
    heap.remove(mine);
    heap.remove(mine); // twice is harmless
    expect(heap.size).toBe(0);
  });

  type Op =
    | { op: 'push'; deadline: number }
    | { op: 'pop' }
    | { op: 'remove'; pick: number }
    | { op: 'repush'; pick: number };

  const opArb: fc.Arbitrary<Op> = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        op: fc.constant('push' as const),
        deadline: fc.integer({ min: 0, max: 50 }),
      }),
    },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('pop' as const) }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('remove' as const), pick: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('repush' as const), pick: fc.nat() }) },
  );

  it('agrees with a sorted array under random push, pop and remove', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 200 }), (ops) => {
        const heap = new DeadlineHeap<Item>();
        let model: Item[] = []; // sorted by deadline
        const removed: Item[] = [];
        let nextId = 0;
        const insert = (x: Item): void => {
          heap.push(x);
          model.push(x);
          model.sort((a, b) => a.deadline - b.deadline);
        };
        for (const o of ops) {
          if (o.op === 'push') {
            insert(item(nextId++, o.deadline));
          } else if (o.op === 'pop') {
            const top = heap.pop();
            expect(top?.deadline).toBe(model[0]?.deadline);
            if (top) {
              expect(model).toContain(top);
              model = model.filter((x) => x !== top);
              removed.push(top);
            }
          } else if (o.op === 'remove' && model.length > 0) {
            const victim = model[o.pick % model.length]!;
            heap.remove(victim);
            model = model.filter((x) => x !== victim);
            removed.push(victim);
          } else if (o.op === 'repush' && removed.length > 0) {
            // An item that left the heap may come back with a new deadline.
            const back = removed.splice(o.pick % removed.length, 1)[0]!;
            back.deadline = (back.deadline * 7 + 3) % 51;
            insert(back);
          }
          expect(heap.size).toBe(model.length);
          expect(heap.peek()?.deadline).toBe(model[0]?.deadline);
          expect(removed.every((x) => x.heapIndex === -1)).toBe(true);
          expect(model.every((x) => x.heapIndex >= 0 && x.heapIndex < model.length)).toBe(true);
          expect(new Set(model.map((x) => x.heapIndex)).size).toBe(model.length);
        }
        expect(drain(heap)).toEqual(model.map((x) => x.deadline));
      }),
      { seed: 0x5eed_4ea9, numRuns: 300 },
    );
  });
});
