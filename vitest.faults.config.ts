import { defineConfig } from 'vitest/config';

/**
 * `npm run test:faults`: every fault scenario, repeated (BATON_FAULT_ROUNDS,
 * default 20), and broker kill -9 50 times per level (BATON_KILL_ROUNDS).
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
    },
  },
});
