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
import {
  CONTEND_RUN_TIMEOUT_MS,
  IDLE_RUN_TIMEOUT_MS,
  PEER_IDLE_SETTLE_MS,
  RUN_TIMEOUT_MS,
} from './config.js';
import { READ_WRITE, SEMAPHORES } from '../scenarios/kinds.js';
import { ELECTIONS } from '../scenarios/leaders.js';
import type { PeerName } from './config.js';
import { field, type Figure } from './report.js';

export interface PeerScenario extends Scenario {
  timeoutMs: number;
  figures: readonly Figure[];
  /** The peers whose client has the primitive; all unless given. */
  peers?: readonly PeerName[];
}

/** The headline figure `label`, read from the JSON field `name`. */
function figure(
  label: string,
  name: string,
  higherIsBetter: boolean,
  digits: number,
  more: Partial<Figure> = {},
): Figure {
  return { label, value: (j) => field(j, name), higherIsBetter, digits, ...more };
}

function contendFigures(id: 'B' | 'C', sessions: number): Figure[] {
  const what = `${id} ${fmt(sessions)} on one path`;
  const handoffs = figure(`${what}: handoffs/s`, 'handoffsPerSec', true, 0);
  // C's second figure. The Redis peers have no queue (theirs "forms" when
  // every session has called acquire), so the best is taken from the peers that queue.
  const formed = figure(`${what}: queue formed in, s`, 'queueFormMs', false, 1, {
    value: (j) => field(j, 'queueFormMs') / 1000,
    peers: ['etcd', 'zookeeper'],
  });
  return id === 'B' ? [handoffs] : [handoffs, formed];
}

const IDLE_LABEL = `E ${fmt(IDLE_SESSIONS)} idle ${PEER_IDLE_SETTLE_MS / 1000} s: KiB RSS/session (growth, MiB)`;

/**
 * S and R: only ZooKeeper has the primitives, as recipes (ours, in
 * clients/zookeeper.ts); `etcd3` has a mutex and an election but no
 * semaphore or read/write lock, nor have the Redis peers.
 */
const KIND_PEERS: readonly PeerName[] = ['zookeeper'];

/** S and R's headline figures: cycles/s; reads/s and the writer's wait. */
function kindFigures(s: (typeof SEMAPHORES)[number] | (typeof READ_WRITE)[number]): Figure[] {
  const what = `${s.rowTitle}, ${fmt(s.sessions)}`;
  if (s.id === 'S') return [figure(`${what}: cycles/s`, 'cyclesPerSec', true, 0)];
  return [
    figure(`${what}: reads/s`, 'readsPerSec', true, 0),
    figure(`${what}: writer wait p99, ms`, 'writeWaitP99Ms', false, 1),
  ];
}

/**
 * L: etcd's election (`etcd3`'s `Election`, Go's recipe), and ZooKeeper's
 * lock recipe run as Curator's LeaderLatch (clients/zookeeper.ts); the Redis
 * peers have none. SF (single-flight) is Baton's alone and not run here.
 */
const ELECTION_PEERS: readonly PeerName[] = ['etcd', 'zookeeper'];

function electionFigures(s: (typeof ELECTIONS)[number]): Figure[] {
  const what = `L ${fmt(s.sessions)} candidates`;
  return [
    figure(`${what}: terms/s`, 'termsPerSec', true, 0),
    figure(`${what}: resign→observer told p50, ms`, 'observerLagP50Ms', false, 2),
    figure(`${what}: resign→observer told p99, ms`, 'observerLagP99Ms', false, 1),
  ];
}

/** C near the end: forming its queues of 1,000 and 10,000 takes the longest. */
export const SCENARIOS: readonly PeerScenario[] = [
  {
    ...CYCLES,
    timeoutMs: RUN_TIMEOUT_MS,
    figures: [figure(`A ${CYCLE_SESSIONS} sessions: cycles/s`, 'cyclesPerSec', true, 0)],
  },
  {
    ...CONTENDED,
    timeoutMs: CONTEND_RUN_TIMEOUT_MS,
    figures: contendFigures('B', CONTEND_SESSIONS),
  },
  {
    ...HANDOFF,
    timeoutMs: RUN_TIMEOUT_MS,
    figures: [figure('D release→grant p50, ms', 'releaseToGrantP50Ms', false, 2)],
  },
  ...CONTENDED_LARGE.map((c) => ({
    ...c,
    timeoutMs: CONTEND_RUN_TIMEOUT_MS,
    figures: contendFigures('C', c.sessions),
  })),
  ...[...SEMAPHORES, ...READ_WRITE].map((s) => ({
    ...s,
    timeoutMs: CONTEND_RUN_TIMEOUT_MS,
    figures: kindFigures(s),
    peers: KIND_PEERS,
  })),
  ...ELECTIONS.map((s) => ({
    ...s,
    timeoutMs: CONTEND_RUN_TIMEOUT_MS,
    figures: electionFigures(s),
    peers: ELECTION_PEERS,
  })),
  {
    ...IDLE,
    run: (target) => IDLE.run(target, PEER_IDLE_SETTLE_MS),
    timeoutMs: IDLE_RUN_TIMEOUT_MS,
    figures: [
      figure(IDLE_LABEL, 'rssPerSessionKiB', false, 1, {
        cell: (j) =>
          `${fmt(field(j, 'rssPerSessionKiB'), 1)} (${fmt(field(j, 'rssGrowthMiB'), 1)})`,
      }),
    ],
  },
];
