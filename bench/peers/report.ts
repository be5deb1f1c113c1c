import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import {
  markdownTable,
  runLine,
  writeReadmeBlock,
  type Columns,
  type RunInfo,
} from '../lib/report.js';
import { repoPath } from '../lib/paths.js';
import type { Row } from '../lib/result.js';
import { COMPARISON_COLUMNS } from './comparison.js';
import { PEER_NAMES, type PeerName } from './config.js';
import { BINARIES } from './servers.js';

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

/** First line of a command's output (stdout, else stderr: `java -version` prints there), or why not. */
function firstLine(command: string, args: string[]): string {
  const r = spawnSync(command, args, { encoding: 'utf8' });
  if (r.error) return 'not installed';
  if (r.status !== 0) return 'unknown';
  const out = r.stdout.trim() || r.stderr.trim();
  return out.split('\n')[0]?.trim() || 'unknown';
}

/** The `version` of a package.json below the repo root. */
function packageVersion(path: string): string {
  try {
    return (JSON.parse(readFileSync(repoPath(path), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** The installed version of an npm package: Baton's own, or (`peers`) of the peers' package. */
function npmVersion(name: string, peers = false): string {
  return packageVersion(`${peers ? 'bench/peers/' : ''}node_modules/${name}/package.json`);
}

function debVersion(pkg: string): string {
  return firstLine('dpkg-query', ['-W', '-f', '${Version}', pkg]);
}

export interface PeerVersions {
  server: string;
  client: string;
}

function redisVersion(): string {
  return firstLine(BINARIES.redis, ['--version']).replace(/ sha=.*$/, '');
}

/**
 * Baton as measured: its version and the commit the build came from
 * ("-dirty" when the tree had changes), and the Redis of its Redis modes.
 */
export function batonVersions(): PeerVersions {
  const commit = firstLine('git', ['-C', repoPath(''), 'describe', '--always', '--dirty']);
  return {
    server: `Baton ${packageVersion('package.json')} (${commit}); Redis modes on ${redisVersion()}`,
    client: `Baton's Node client, ws ${npmVersion('ws')}`,
  };
}

/** Server and client library versions of each peer, as installed on this machine. */
export function peerVersions(): Record<PeerName, PeerVersions> {
  const redisServer = redisVersion();
  const ioredis = `ioredis ${npmVersion('ioredis')}`;
  const etcd = firstLine(BINARIES.etcd, ['--version']);
  const java = firstLine(BINARIES.java, ['-version']);
  return {
    redlock: { server: redisServer, client: `redlock ${npmVersion('redlock', true)}, ${ioredis}` },
    'redis-setnx': { server: redisServer, client: ioredis },
    etcd: {
      server: `${etcd} (Debian etcd-server ${debVersion('etcd-server')})`,
      client: `etcd3 ${npmVersion('etcd3', true)}, @grpc/grpc-js ${npmVersion('@grpc/grpc-js', true)}`,
    },
    zookeeper: {
      server: `ZooKeeper (Debian zookeeper ${debVersion('zookeeper')}) on ${java}`,
      client: `node-zookeeper-client ${npmVersion('node-zookeeper-client', true)}`,
    },
  };
}
