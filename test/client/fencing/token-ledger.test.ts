import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TokenLedger, type Admission } from '../../../client/fencing/index.js';

/** A ledger that forgets a dropped resource entirely: the bug the floor prevents. */
class ForgetfulLedger extends TokenLedger {
  private readonly kept = new Map<string, number>();
  override admit(resource: string, token: number): Admission {
    const newest = this.kept.get(resource) ?? 0;
    if (token < newest) return { admitted: false, newest };
    this.kept.delete(resource);
    this.kept.set(resource, token);
    if (this.kept.size > this.maxResources) this.kept.delete(this.kept.keys().next().value!);
    return { admitted: true, newest: token };
  }
}

type Step = [resource: number, token: number];
const steps = fc.array(fc.tuple(fc.nat(7), fc.integer({ min: 1, max: 60 })), { maxLength: 80 });

/** The fencing rule, against an unbounded record: no resource admits a token below one it admitted. */
function admitsStale(ledger: TokenLedger, run: Step[]): string | null {
  const newest = new Map<number, number>();
  for (const [resource, token] of run) {
    const { admitted } = ledger.admit(`r${resource}`, token);
    const before = newest.get(resource) ?? 0;
    if (admitted && token < before) return `r${resource} admitted ${token} after ${before}`;
    if (admitted) newest.set(resource, token);
  }
  return null;
}

const SEED = 1313;

describe('TokenLedger', () => {
  it('admits the first token, larger and equal ones, and refuses smaller ones', () => {
    const ledger = new TokenLedger(10);
    expect(ledger.admit('a', 5)).toEqual({ admitted: true, newest: 5 });
    expect(ledger.admit('a', 5)).toEqual({ admitted: true, newest: 5 });
    expect(ledger.admit('a', 4)).toEqual({ admitted: false, newest: 5 });
    expect(ledger.admit('b', 1)).toEqual({ admitted: true, newest: 1 });
    expect(ledger.newestOf('a')).toBe(5);
  });

  it('drops the least recently admitted resource past its bound, and its token becomes the floor', () => {
    const ledger = new TokenLedger(2);
    ledger.admit('a', 50);
    ledger.admit('b', 10);
    ledger.admit('a', 51); // a is now the most recent
    ledger.admit('c', 20); // b goes
    expect(ledger.size).toBe(2);
    expect(ledger.newestOf('b')).toBeUndefined();
    expect(ledger.floor).toBe(10);
    expect(ledger.admit('b', 9)).toEqual({ admitted: false, newest: 10 });
    // The price: a resource never seen is held to the floor too.
    expect(ledger.admit('new', 9).admitted).toBe(false);
    expect(ledger.admit('b', 10).admitted).toBe(true);
  });

  it('never admits a stale token however resources are dropped (property, fixed seed)', () => {
    for (const max of [1, 2, 3, 100]) {
      fc.assert(
        fc.property(steps, (run) => admitsStale(new TokenLedger(max), run) === null),
        { seed: SEED, numRuns: 500 },
      );
    }
  });

  it('the same property catches a ledger that forgets dropped resources', () => {
    const details = fc.check(
      fc.property(steps, (run) => admitsStale(new ForgetfulLedger(2), run) === null),
      { seed: SEED, numRuns: 500 },
    );
    expect(details.failed).toBe(true);
  });

  it('needs a positive integer bound', () => {
    for (const max of [0, -1, 1.5, NaN]) expect(() => new TokenLedger(max)).toThrow(/maxResources/);
  });
});
