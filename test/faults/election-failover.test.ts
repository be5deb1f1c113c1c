import { describe, it } from 'vitest';
import { electionKillRounds } from '../helpers/election-scene.js';
import { KILL_ROUNDS, runScenario } from '../helpers/fault-scenario.js';

describe('leader election across broker faults (strict)', () => {
  it(
    `keeps the leader's term, the candidates' line and the observers told across kill -9 of the active broker, ${KILL_ROUNDS} times`,
    { timeout: 60_000 + KILL_ROUNDS * 15_000 },
    async () => {
      await runScenario(
        { name: 'broker kill -9 with an election', level: 'strict' },
        electionKillRounds(KILL_ROUNDS),
      );
    },
  );
});
