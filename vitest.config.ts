import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The long fault runs are `npm run test:faults` (vitest.faults.config.ts).
    exclude: ['test/faults-long/**', 'node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests start real processes; two cores do not like many at once.
    maxWorkers: 2,
  },
});
