// The standby's watch of the lease and the dataset, on plain numbers.
import { describe, expect, it } from 'vitest';
import { HolderWatch } from '../../../server/mirror/leadership.js';

const LEASE = 1_000;

describe('HolderWatch', () => {
  it('says a generation is missing only after it was missing for the whole wait', () => {
    const w = new HolderWatch(LEASE);
    expect(w.generationMissing(0, 1_500)).toBe(false);
    expect(w.generationMissing(1_499, 1_500)).toBe(false);
    expect(w.generationMissing(1_500, 1_500)).toBe(true);
  });

  it('starts the wait again once a generation is seen', () => {
    const w = new HolderWatch(LEASE);
    w.generationMissing(0, 1_500);
    w.generationSeen();
    expect(w.generationMissing(1_600, 1_500)).toBe(false);
    expect(w.generationMissing(3_100, 1_500)).toBe(true);
  });

  it('starts the wait again after Redis was away: what happened meanwhile was not seen', () => {
    const w = new HolderWatch(LEASE);
    expect(w.generationMissing(0, 1_500)).toBe(false);
    // A leader may seed, and Redis restart empty, while the looks fail.
    w.unreachable();
    w.reachable(1_200);
    expect(w.generationMissing(1_200, 1_500)).toBe(false);
    expect(w.generationMissing(2_600, 1_500)).toBe(false);
    expect(w.generationMissing(2_700, 1_500)).toBe(true);
  });

  it('makes a standby wait a lease before taking a lease that lapsed while Redis was away', () => {
    const w = new HolderWatch(LEASE);
    w.unreachable();
    w.reachable(500);
    expect(w.mayTake(1_499)).toBe(false);
    expect(w.mayTake(1_500)).toBe(true);
  });
});
