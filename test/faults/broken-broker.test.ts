// `npm test` proves the checker on every run: the cheapest broken broker must be caught.
// test/faults-long/broken-brokers.test.ts proves every variant under `npm run test:faults`.
import { describe, expect, it } from 'vitest';
import { BROKEN_PROOFS, runProof } from '../helpers/broken-proofs.js';

const proof = BROKEN_PROOFS.find((p) => p.variant === 'eager-standby')!;

describe('the fault suite', () => {
  it(`catches ${proof.variant}: ${proof.breaks}`, { timeout: 60_000 }, async () => {
    const { caught, brokerOutput } = await runProof(proof);
    if (Object.keys(caught).length === 0) console.log(brokerOutput);
    expect(caught, `none of ${proof.catches.join(', ')} tripped`).not.toEqual({});
  });
});
