/**
 * The scenarios of `npm run bench:peers`: Baton's own scenario functions,
 * each with the Baton modes it runs in and its headline figures for the
 * side-by-side table.
 */
import {
  CONTEND_LARGE_SESSIONS,
  CONTEND_SESSIONS,
  CYCLE_SESSIONS,
  IDLE_SESSIONS,
  REDIS_CONTEND_MAX_SESSIONS,
} from '../lib/config.js';
import { MODE_NAMES, type ModeName } from '../lib/modes.js';
import { fmt, type Result } from '../lib/result.js';
import { contention } from '../scenarios/contention.js';
import { cycles } from '../scenarios/cycles.js';
import { handoffLatency } from '../scenarios/handoff.js';
import { idleMemory } from '../scenarios/idle.js';
import { field, type Figure } from './comparison.js';
import {
  CONTEND_RUN_TIMEOUT_MS,
  IDLE_RUN_TIMEOUT_MS,
  PEER_IDLE_SETTLE_MS,
  RUN_TIMEOUT_MS,
} from './config.js';
import type { System } from './systems.js';

export interface PeerScenario {
  /** What `BATON_PEERS_ONLY` names it by. */
  id: string;
  title: string;
  /** Its rows' first cell, also for a failed row, which has no result to take it from. */
  rowTitle: string;
  timeoutMs: number;
  /**
   * Baton's modes in it: those `npm run bench` runs it in (C at 10,000 and
   * E embedded only), so both runs cover the same modes.
   */
  modes: readonly ModeName[];
  figures: readonly Figure[];
  run: (system: System) => Promise<Result>;
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
 */
export const SCENARIOS: readonly PeerScenario[] = [
  {
    id: 'A',
    title: 'A: uncontended cycles',
    rowTitle: 'A uncontended cycles',
    timeoutMs: RUN_TIMEOUT_MS,
    modes: MODE_NAMES,
    figures: [
      {
        label: `A ${CYCLE_SESSIONS} sessions: cycles/s`,
        higherIsBetter: true,
        value: (j) => field(j, 'cyclesPerSec'),
        digits: 0,
      },
    ],
    run: (s) => cycles(s.target),
  },
  {
    id: 'B',
    title: `B: ${CONTEND_SESSIONS} on one path`,
    rowTitle: 'B contended path',
    timeoutMs: CONTEND_RUN_TIMEOUT_MS,
    modes: MODE_NAMES,
    figures: contendFigures('B', CONTEND_SESSIONS),
    run: (s) => contention('B', CONTEND_SESSIONS, s.target),
  },
  {
    id: 'D',
    title: 'D: handoff latency',
    rowTitle: 'D handoff latency',
    timeoutMs: RUN_TIMEOUT_MS,
    modes: MODE_NAMES,
    figures: [
      {
        label: 'D release→grant p50, ms',
        higherIsBetter: false,
        value: (j) => field(j, 'releaseToGrantP50Ms'),
        digits: 2,
      },
    ],
    run: (s) => handoffLatency(s.target),
  },
  // C near the end: forming its queues of 1,000 and 10,000 takes the longest.
  ...CONTEND_LARGE_SESSIONS.map((n): PeerScenario => ({
    id: 'C',
    title: `C: ${n} on one path`,
    rowTitle: 'C contended path',
    timeoutMs: CONTEND_RUN_TIMEOUT_MS,
    modes: n <= REDIS_CONTEND_MAX_SESSIONS ? MODE_NAMES : ['embedded'],
    figures: contendFigures('C', n),
    run: (s) => contention('C', n, s.target),
  })),
  {
    id: 'E',
    title: `E: ${IDLE_SESSIONS} idle sessions`,
    rowTitle: 'E idle sessions',
    timeoutMs: IDLE_RUN_TIMEOUT_MS,
    modes: ['embedded'],
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
    run: (s) => idleMemory(s.target, PEER_IDLE_SETTLE_MS),
  },
];
