import {
  CONTEND_LARGE_SESSIONS,
  CONTEND_SESSIONS,
  IDLE_SESSIONS,
  REDIS_CONTEND_MAX_SESSIONS,
} from '../lib/config.js';
import { MODE_NAMES, type ModeName } from '../lib/modes.js';
import type { Result } from '../lib/result.js';
import type { Target } from '../lib/rig.js';
import { contention } from './contention.js';
import { cycles } from './cycles.js';
import { handoffLatency } from './handoff.js';
import { idleMemory } from './idle.js';

/** A scenario that runs on any system: `npm run bench` and `bench:peers` both run these. */
export interface Scenario {
  /** What `BATON_BENCH_ONLY` and `BATON_PEERS_ONLY` name it by. */
  id: 'A' | 'B' | 'C' | 'D' | 'E';
  title: string;
  /** Its rows' first cell, also for a failed row, which has no result to take it from. */
  rowTitle: string;
  /**
   * Baton's modes it runs in, in this order. C at 10,000 and E stay embedded
   * only, to keep the runs short.
   */
  modes: readonly ModeName[];
  /** `idleSettleMs`: how long E's sessions sit idle before the RSS is read. */
  run(target: Target, idleSettleMs?: number): Promise<Result>;
}

export const CYCLES: Scenario = {
  id: 'A',
  title: 'A: uncontended cycles',
  rowTitle: 'A uncontended cycles',
  modes: MODE_NAMES,
  run: (target) => cycles(target),
};

export const CONTENDED: Scenario = {
  id: 'B',
  title: `B: ${CONTEND_SESSIONS} on one path`,
  rowTitle: 'B contended path',
  modes: MODE_NAMES,
  run: (target) => contention('B', CONTEND_SESSIONS, target),
};

/** C, one scenario per size, each on a broker of its own. */
export const CONTENDED_LARGE: readonly (Scenario & { sessions: number })[] =
  CONTEND_LARGE_SESSIONS.map((sessions) => ({
    id: 'C',
    sessions,
    title: `C: ${sessions} on one path`,
    rowTitle: 'C contended path',
    modes: sessions <= REDIS_CONTEND_MAX_SESSIONS ? MODE_NAMES : ['embedded'],
    run: (target) => contention('C', sessions, target),
  }));

export const HANDOFF: Scenario = {
  id: 'D',
  title: 'D: handoff latency',
  rowTitle: 'D handoff latency',
  modes: MODE_NAMES,
  run: (target) => handoffLatency(target),
};

export const IDLE: Scenario = {
  id: 'E',
  title: `E: ${IDLE_SESSIONS} idle sessions`,
  rowTitle: 'E idle sessions',
  modes: ['embedded'],
  run: (target, idleSettleMs) => idleMemory(target, idleSettleMs),
};
