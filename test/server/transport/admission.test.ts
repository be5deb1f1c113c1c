import { describe, expect, it } from 'vitest';
import { Admission, admissionLimits } from '../../../server/transport/admission.js';

const limits = admissionLimits({
  maxConnectionsPerAddress: 2,
  helloRatePerSec: 1,
  helloBurst: 2,
  frameRatePerSec: 10,
  frameBurst: 5,
});

/** One connection's frames as the gateway counts them: a spend, then the balance. */
function frameSpender(a: Admission): (now: number) => number {
  const rate = a.frameRate;
  let bucket = rate.full(0);
  return (now) => {
    bucket = rate.spend(bucket, now);
    return rate.tokens(bucket, now);
  };
}

describe('Admission', () => {
  it('counts connections per address, and frees a place when one closes', () => {
    const a = new Admission(limits);
    expect([a.admit('10.0.0.1'), a.admit('10.0.0.1'), a.admit('10.0.0.1')]).toEqual([
      true,
      true,
      false,
    ]);
    expect(a.admit('10.0.0.2')).toBe(true);
    a.release('10.0.0.1');
    expect(a.admit('10.0.0.1')).toBe(true);
    expect(a.admit('10.0.0.1')).toBe(false);
  });

  it('rates hellos per address', () => {
    const a = new Admission(limits);
    const hellos = (at: number) => [a.helloAllowed('h', at), a.helloAllowed('h', at)];
    expect([...hellos(0), a.helloAllowed('other', 0)]).toEqual([true, true, true]);
    expect(a.helloAllowed('h', 999)).toBe(false);
    expect(hellos(1_000)).toEqual([true, false]);
  });

  it('calls a connection a flood once it is a whole burst in debt', () => {
    const a = new Admission(limits);
    const spend = frameSpender(a);
    let balance = 0;
    for (let i = 0; i < 10; i++) balance = spend(0);
    expect([balance, a.flooding(balance)]).toEqual([-5, false]);
    balance = spend(0);
    expect(a.flooding(balance)).toBe(true);
  });

  it('limits nothing it was not given', () => {
    const a = new Admission(admissionLimits({}));
    for (let i = 0; i < 1_000; i++) expect(a.admit('h') && a.helloAllowed('h', 0)).toBe(true);
    const spend = frameSpender(a);
    for (let i = 0; i < 1_000; i++) expect(a.flooding(spend(0))).toBe(false);
  });

  it('remembers at most 10,000 hello buckets, forgetting the oldest', () => {
    const a = new Admission(limits);
    a.helloAllowed('first', 0);
    a.helloAllowed('first', 0);
    expect(a.helloAllowed('first', 0)).toBe(false);
    for (let i = 0; i < 10_000; i++) a.helloAllowed(`addr-${i}`, 0);
    // Forgotten: a fresh burst.
    expect(a.helloAllowed('first', 0)).toBe(true);
  });
});
