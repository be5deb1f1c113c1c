import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { acquireAll, type Acquirer } from '../../client/lease-set.js';
import type { Lease } from '../../client/lease.js';

// acquireAll's two promises over random concurrent requests, against an
// in-memory lock service with a FIFO queue per path: every request ends (no
// deadlock, however the sets overlap and in whatever order they are given),
// and each ends holding all of its paths or none of them.

/** A FIFO lock service: `refused` paths fail their acquire, as a timeout would. */
class Locks {
  readonly held = new Map<string, string>();
  private readonly queues = new Map<string, (() => void)[]>();

  constructor(private readonly refused: ReadonlySet<string>) {}

  acquirer(owner: string): Acquirer {
    return {
      now: () => 0,
      acquire: (path) => {
        if (this.refused.has(path)) return Promise.reject(new Error(`${path} refused`));
        return new Promise<Lease>((resolve) => {
          const grant = () => {
            this.held.set(path, owner);
            resolve(this.lease(path, owner));
          };
          if (!this.held.has(path)) return grant();
          const q = this.queues.get(path) ?? [];
          q.push(grant);
          this.queues.set(path, q);
        });
      },
    };
  }

  private lease(path: string, owner: string): Lease {
    let released = false;
    const release = async () => {
      if (released) return;
      released = true;
      if (this.held.get(path) !== owner)
        throw new Error(`${owner} released ${path} it did not hold`);
      this.held.delete(path);
      this.queues.get(path)?.shift()?.();
    };
    return { path, token: 1, signal: new AbortController().signal, release } as unknown as Lease;
  }
}

const PATHS = ['a', 'b', 'c', 'd', 'e'];
const setArb = fc.uniqueArray(fc.constantFrom(...PATHS, 'refused'), { minLength: 1, maxLength: 4 });

describe('acquireAll over random concurrent sets', () => {
  it('always ends, each request with all of its paths or none', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(setArb, { minLength: 2, maxLength: 6 }), async (sets) => {
        const locks = new Locks(new Set(['refused']));
        const outcomes = await Promise.all(
          sets.map(async (paths, i) => {
            const owner = `c${i}`;
            try {
              const set = await acquireAll(locks.acquirer(owner), paths, {});
              // Holding all of them at once.
              for (const p of paths) expect(locks.held.get(p)).toBe(owner);
              await new Promise((r) => setTimeout(r, 0));
              await set.release();
              return 'all';
            } catch {
              // Gave up: none of its paths is still its own.
              for (const [p, o] of locks.held) expect([p, o]).not.toEqual([p, owner]);
              return 'none';
            }
          }),
        );
        expect(outcomes).toEqual(sets.map((s) => (s.includes('refused') ? 'none' : 'all')));
        expect(locks.held.size).toBe(0);
      }),
      { seed: 2_026_120, numRuns: 200 },
    );
  });
});
