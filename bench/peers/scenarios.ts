/**
 * The scenarios of `npm run bench:peers`: Baton's own (bench/scenarios/catalog.ts),
 * each with its bound and its headline figures for the side-by-side table.
 */
import { CONTEND_SESSIONS, CYCLE_SESSIONS, IDLE_SESSIONS } from '../lib/config.js';
import { fmt } from '../lib/report.js';
import {
  CONTENDED,
  CONTENDED_LARGE,
  CYCLES,
  HANDOFF,
  IDLE,
  type Scenario,
} from '../scenarios/catalog.js';
import { field, type Figure } from './report.js';
import {
  CONTEND_RUN_TIMEOUT_MS,
  IDLE_RUN_TIMEOUT_MS,
  PEER_IDLE_SETTLE_MS,
  RUN_TIMEOUT_MS,
} from './config.js';

export interface PeerScenario extends Scenario {
  /** A run with no result by then fails as stalled, so one stuck system cannot hang the run. */
  timeoutMs: number;
  figures: readonly Figure[];
}

function contendFigures(id: 'B' | 'C', sessions: number): Figure[] {
  const what = `${id} ${fmt(sessions)} on one path`;
  const handoffs: Figure = {
    label: `${what}: handoffs/s`,
    higherIsBetter: true,
    value: (j) => field(j, 'handoffsPerSec'),
    digits: 0,
  };
  // C's second figure: "plus the time to form the queue". The Redis peers
  // have none (theirs is "every session has called acquire"), so the best
  // is taken from the peers that queue.
  const formed: Figure = {
    label: `${what}: queue formed in, s`,
    higherIsBetter: false,
    value: (j) => field(j, 'queueFormMs') / 1000,
    digits: 1,
    peers: ['etcd', 'zookeeper'],
  };
  return id === 'B' ? [handoffs] : [handoffs, formed];
}

/**
 * Each scenario runs for every system back to back (Baton's modes, then the
 * peers), so the systems of one scenario meet about the same machine load.
 * C near the end: forming its queues of 1,000 and 10,000 takes the longest.
 */
export const SCENARIOS: readonly PeerScenario[] = [
  {
    ...CYCLES,
    timeoutMs: RUN_TIMEOUT_MS,
    figures: [
      {
        label: `A ${CYCLE_SESSIONS} sessions: cycles/s`,
        higherIsBetter: true,
        value: (j) => field(j, 'cyclesPerSec'),
        digits: 0,
      },
    ],
  },
  {
    ...CONTENDED,
    timeoutMs: CONTEND_RUN_TIMEOUT_MS,
    figures: contendFigures('B', CONTEND_SESSIONS),
  },
  {
    ...HANDOFF,
    timeoutMs: RUN_TIMEOUT_MS,
    figures: [
      {
        label: 'D release→grant p50, ms',
        higherIsBetter: false,
        value: (j) => field(j, 'releaseToGrantP50Ms'),
        digits: 2,
      },
    ],
  },
  ...CONTENDED_LARGE.map((c) => ({
    ...c,
    timeoutMs: CONTEND_RUN_TIMEOUT_MS,
    figures: contendFigures('C', c.sessions),
  })),
  {
    ...IDLE,
    // Every system of the side-by-side run sits idle as long (config.ts).
    run: (target) => IDLE.run(target, PEER_IDLE_SETTLE_MS),
    timeoutMs: IDLE_RUN_TIMEOUT_MS,
    figures: [
      {
        label: `E ${fmt(IDLE_SESSIONS)} idle ${PEER_IDLE_SETTLE_MS / 1000} s: KiB RSS/session (growth, MiB)`,
        higherIsBetter: false,
        value: (j) => field(j, 'rssPerSessionKiB'),
        cell: (j) =>
          `${fmt(field(j, 'rssPerSessionKiB'), 1)} (${fmt(field(j, 'rssGrowthMiB'), 1)})`,
        digits: 1,
      },
    ],
  },
];
