// Each deliberately broken broker must be caught by the scenario that claims to catch it.
import { describe, expect, it } from 'vitest';
import { BROKEN_PROOFS, runProof } from '../helpers/broken-proofs.js';

describe('the fault suite catches deliberately broken brokers', () => {
  for (const proof of BROKEN_PROOFS) {
    it(
      `${proof.variant} (${proof.breaks}): caught by ${proof.scenario} (${proof.level})`,
      { timeout: 120_000 },
      async () => {
        const { caught, brokerOutput } = await runProof(proof);
        if (Object.keys(caught).length === 0) console.log(brokerOutput);
        expect(caught, `none of ${proof.catches.join(', ')} tripped`).not.toEqual({});
      },
    );
  }
});
