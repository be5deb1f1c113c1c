import {
  markdownTable,
  runLine,
  writeReadmeBlock,
  type Columns,
  type RunInfo,
} from '../lib/report.js';
import type { Row } from '../lib/result.js';
import { COMPARISON_COLUMNS } from './comparison.js';
import { PEER_NAMES, type PeerName } from './config.js';
import type { PeerVersions } from './versions.js';

/** The baseline's columns, with the system in the mode's place and its server in the broker's. */
export const PEER_COLUMNS: Columns = [
  ['scenario', 'Scenario'],
  ['mode', 'System'],
  ['sessions', 'Sessions'],
  ['throughput', 'Throughput'],
  ['latency', 'Latency p50 / p99 / max'],
  ['other', 'Fairness and more'],
  ['brokerCpu', 'Server CPU (other load)'],
  ['driver', 'Drivers'],
];

/** What each system is, in one line of the versions table. */
const RECIPES: Record<PeerName | 'baton', string> = {
  baton:
    'modes embedded, redis-efficient, redis-strict (bench/lib/modes.ts); FIFO queue, pushed grants, fencing tokens',
  redlock: 'redlock on one Redis, retry 10 ± 5 ms forever; no fencing, no FIFO',
  'redis-setnx':
    'SET NX PX + retry 10 ± 5 ms, release by compare-and-delete Lua; no fencing, no FIFO',
  etcd: 'Go `concurrency.Mutex` recipe: lease, create revision, watch the predecessor',
  zookeeper: 'ephemeral-sequential znodes, watch the predecessor',
};

/** Replaces the peers block of bench/README.md: versions, the side-by-side table, then every row. */
export function writePeersReadme(
  rows: readonly Row[],
  comparison: readonly Row[],
  versions: Record<PeerName | 'baton', PeerVersions>,
  info: RunInfo,
): Promise<string> {
  const versionRows: Row[] = (['baton', ...PEER_NAMES] as const).map((p) => ({
    scenario: p,
    mode: versions[p].server,
    sessions: versions[p].client,
    throughput: RECIPES[p],
    latency: '',
    other: '',
    brokerCpu: '',
    driver: '',
  }));
  return writeReadmeBlock('<!-- peers:start -->', '<!-- peers:end -->', [
    runLine(info, 'npm run bench:peers'),
    '',
    markdownTable(versionRows, [
      ['scenario', 'System'],
      ['mode', 'Server'],
      ['sessions', 'Client'],
      ['throughput', 'Recipe'],
    ]),
    '',
    markdownTable(comparison, COMPARISON_COLUMNS),
    '',
    markdownTable(rows, PEER_COLUMNS),
  ]);
}
