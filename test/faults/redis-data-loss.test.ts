import { describe, it } from 'vitest';
import type { Consistency } from '../../shared/protocol.js';
import { dataLossRounds } from '../helpers/data-loss.js';
import { ROUNDS, runScenario } from '../helpers/fault-scenario.js';
import { dataLossOptions, LOSS_KINDS, type LossKind } from '../helpers/loss-kinds.js';

const LEVELS: Consistency[] = ['strict', 'efficient'];
/** Rounds of each kind of loss: 1 in `npm test`, 6 under `npm run test:faults`. */
const LOSS_ROUNDS = Math.max(1, Math.floor(ROUNDS / 3));

/** Runs `kinds`, `rounds` times each, in one cluster; every finding fails the test. */
async function run(name: string, level: Consistency, kinds: LossKind[], rounds: number) {
  const { options, rig } = dataLossOptions(name, level);
  await runScenario(options, dataLossRounds(rig, kinds, rounds));
}

describe.each(LEVELS)('Redis losing data (%s)', (level) => {
  if (LOSS_ROUNDS === 1) {
    // `npm test`: every kind once, one after another in one cluster (one start-up, not seven).
    it(
      'comes through each kind of loss once: FLUSHALL, single keys, restarted empty, rewound, with the active dead, a lagging replica',
      { timeout: 120_000 },
      async () => {
        await run('redis data loss, each kind once', level, LOSS_KINDS, 1);
      },
    );
    return;
  }
  for (const kind of LOSS_KINDS) {
    it(
      `comes through ${kind.name}, ${LOSS_ROUNDS} times`,
      { timeout: 60_000 + LOSS_ROUNDS * 20_000 },
      async () => {
        await run(`redis data loss: ${kind.name}`, level, [kind], LOSS_ROUNDS);
      },
    );
  }
});
