import { describe, it } from 'vitest';
import { KILL_ROUNDS, runScenario } from '../helpers/fault-scenario.js';
import { KIND_PATHS, kindKillRounds } from '../helpers/kind-scene.js';

describe('semaphores and read/write locks across broker faults (strict)', () => {
  it(
    `keep their holders and queue order across kill -9 of the active broker, ${KILL_ROUNDS} times`,
    { timeout: 60_000 + KILL_ROUNDS * 15_000 },
    async () => {
      const options = {
        name: 'broker kill -9 with lock kinds',
        level: 'strict',
        paths: KIND_PATHS,
      } as const;
      await runScenario(options, kindKillRounds(KILL_ROUNDS));
    },
  );
});
