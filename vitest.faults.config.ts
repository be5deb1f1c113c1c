import { defineConfig } from 'vitest/config';

/**
 * `npm run test:faults`: every fault scenario, repeated (BATON_FAULT_ROUNDS,
 * default 20), broker kill -9 50 times per level (BATON_KILL_ROUNDS), and the
 * frame fuzz at full size (BATON_FUZZ_FRAMES, default 100,000), and the abuse
 * run at full size (BATON_ABUSE_FULL).
 */
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts', 'test/faults-long/**/*.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 60_000,
    // One scenario at a time: each runs brokers, Redis and a workload on two cores.
    maxWorkers: 1,
    env: {
      BATON_FAULT_ROUNDS: process.env.BATON_FAULT_ROUNDS ?? '20',
      BATON_KILL_ROUNDS: process.env.BATON_KILL_ROUNDS ?? '50',
      // test/faults/fuzz.test.ts: frames sent to a broker process (`npm test` sends 3,000).
      BATON_FUZZ_FRAMES: process.env.BATON_FUZZ_FRAMES ?? '100000',
      // test/faults/abuse.test.ts: the floods at full size, figures in test-artifacts/abuse.json.
      BATON_ABUSE_FULL: process.env.BATON_ABUSE_FULL ?? '1',
    },
  },
});
