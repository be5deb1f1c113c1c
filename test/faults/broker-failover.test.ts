import { describe, it } from 'vitest';
import type { Consistency } from '../../shared/protocol.js';
import { controlRounds, killRounds, sigstopRounds } from '../helpers/fault-bodies.js';
import { KILL_ROUNDS, ROUNDS, runScenario } from '../helpers/fault-scenario.js';

const LEVELS: Consistency[] = ['strict', 'efficient'];
const TIMEOUT = 60_000 + ROUNDS * 15_000;

describe.each(LEVELS)('active broker faults (%s)', (level) => {
  it(
    `survives kill -9 of the active broker, ${KILL_ROUNDS} times`,
    { timeout: 60_000 + KILL_ROUNDS * 12_000 },
    async () => {
      await runScenario({ name: 'broker kill -9', level }, killRounds(KILL_ROUNDS));
    },
  );

  it(
    'never lets a broker paused past its lease grant after it wakes',
    { timeout: TIMEOUT },
    async () => {
      const rounds = Math.max(1, Math.floor(ROUNDS / 2));
      await runScenario({ name: 'broker SIGSTOP', level }, sigstopRounds(rounds));
    },
  );

  it(
    'control: no takeover and no overlap while brokers are healthy and pause briefly',
    { timeout: TIMEOUT },
    async () => {
      await runScenario({ name: 'no fault', level }, controlRounds(ROUNDS));
    },
  );
});
