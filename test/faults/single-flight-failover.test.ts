import { describe, it } from 'vitest';
import { KILL_ROUNDS, runScenario } from '../helpers/fault-scenario.js';
import { flightKillRounds } from '../helpers/flight-scene.js';

describe('single-flight across broker and runner faults (strict)', () => {
  it(
    `runs fn once for all waiters across kill -9 of the active broker, and again only when the runner dies, ${KILL_ROUNDS} times`,
    { timeout: 60_000 + KILL_ROUNDS * 20_000 },
    async () => {
      await runScenario(
        { name: 'broker kill -9 with single-flight', level: 'strict' },
        flightKillRounds(KILL_ROUNDS),
      );
    },
  );
});
