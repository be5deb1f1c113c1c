// `npm test` proves the checker on every run: a broken broker must be caught. `low-tokens` is the
// steadiest cheap proof (one kill -9, ~9 s); `extra-permit`, `reader-beside-writer` and
// `readers-overtake` prove the rules of semaphores and read/write locks (one kill -9 each, ~8 s);
// `forget-flights` proves the single-flight run count (one kill -9, ~9 s);
// test/faults-long/broken-brokers.test.ts proves every variant under `npm run test:faults`.
import { describe, expect, it } from 'vitest';
import { BROKEN_PROOFS, runProof } from '../helpers/broken-proofs.js';

const CHEAP = [
  'low-tokens',
  'extra-permit',
  'reader-beside-writer',
  'readers-overtake',
  'forget-flights',
];

describe('the fault suite', () => {
  for (const proof of BROKEN_PROOFS.filter((p) => CHEAP.includes(p.variant))) {
    it(`catches ${proof.variant}: ${proof.breaks}`, { timeout: 60_000 }, async () => {
      const { caught, brokerOutput } = await runProof(proof);
      if (Object.keys(caught).length === 0) console.log(brokerOutput);
      expect(caught, `none of ${proof.catches.join(', ')} tripped`).not.toEqual({});
    });
  }
});
