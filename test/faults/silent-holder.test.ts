import { describe, it } from 'vitest';
import type { Consistency } from '../../shared/protocol.js';
import { silentHolderRounds } from '../helpers/fault-bodies.js';
import { ROUNDS, runScenario } from '../helpers/fault-scenario.js';

describe.each<Consistency>(['strict', 'efficient'])('a holder that dies (%s)', (level) => {
  it(
    'has its lock granted to the waiter within TTL + 1 s of its death',
    { timeout: 60_000 + ROUNDS * 10_000 },
    async () => {
      // A broker that never expires a silent session fails here (`lateFrees`).
      const rounds = Math.max(1, Math.floor(ROUNDS / 3));
      await runScenario({ name: 'silent holder', level }, silentHolderRounds(rounds));
    },
  );
});
