/**
 * The tables of `npm run bench:peers`: the side-by-side table (per scenario,
 * each system's headline figure and how each Baton mode compares with the
 * best peer in the same run), the versions measured, and the README block.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { MODE_NAMES } from '../lib/broker.js';
import { repoPath } from '../lib/config.js';
import {
  fmt,
  markdownTable,
  runLine,
  writeReadmeBlock,
  type Columns,
  type Result,
  type RunInfo,
  type Row,
} from '../lib/report.js';
import { PEER_NAMES, type PeerName } from './config.js';
import { BINARIES } from './servers.js';

type Json = Result['json'];

/** A scenario's headline figure. */
export interface Figure {
  /** The first cell of its rows, e.g. "A 100 sessions: cycles/s". */
  label: string;
  /** Throughput: higher is better; latency, memory and time: lower. */
  higherIsBetter: boolean;
  /** The figure in the scenario's JSON line; NaN when it has none. */
  value(json: Json): number;
  /** Its cell, when more than the value with `digits` decimals. */
  cell?(json: Json): string;
  digits: number;
  /** The peers whose figure means what Baton's does, to pick the best from; all unless given. */
  peers?: readonly PeerName[];
}

/** A JSON field of a result as a number (NaN when absent or null). */
export function field(json: Json, name: string): number {
  const v = json[name];
  return typeof v === 'number' ? v : NaN;
}

/** What one scenario gave each system that ran it: its JSON line, or null when it failed. */
export interface ScenarioOutcome {
  figures: readonly Figure[];
  results: ReadonlyMap<string, Json | null>;
}

type ComparisonRow = Record<
  'figure' | 'mode' | 'baton' | 'floor' | PeerName | 'vsFloor' | 'vsBest',
  string
>;

export const COMPARISON_COLUMNS: Columns<ComparisonRow> = [
  ['figure', 'Scenario, figure'],
  ['mode', 'Baton mode'],
  ['baton', 'Baton'],
  ['floor', 'floor'],
  ...PEER_NAMES.map((p) => [p, p] as const),
  ['vsFloor', 'Baton ÷ floor'],
  ['vsBest', 'Baton vs best peer'],
];

/** The baseline's columns, with the system in the mode's place and its server in the broker's. */
export const PEER_COLUMNS: Columns<Row> = [
  ['scenario', 'Scenario'],
  ['mode', 'System'],
  ['sessions', 'Sessions'],
  ['throughput', 'Throughput'],
  ['latency', 'Latency p50 / p99 / max'],
  ['other', 'Fairness and more'],
  ['brokerCpu', 'Server CPU (other load)'],
  ['driver', 'Drivers'],
];

function cell(f: Figure, json: Json | null | undefined): string {
  if (json === undefined) return '—';
  if (json === null) return 'FAILED';
  return f.cell?.(json) ?? fmt(f.value(json), f.digits);
}

/** A ratio as a short figure: 24×, 3.9×, 0.79×. */
function times(r: number): string {
  return `${fmt(r, r >= 10 ? 0 : r >= 1 ? 1 : 2)}×`;
}

/**
 * Baton's figure over the floor's (bench/floor/): for a throughput the share
 * of the floor's rate (80%), for a latency or memory how many times the
 * floor's (1.3×); '—' where the floor did not run.
 */
function overFloor(f: Figure, baton: number, floor: number): string {
  const r = baton / floor;
  if (!Number.isFinite(r)) return '—';
  return f.higherIsBetter ? `${fmt(r * 100)}%` : `${fmt(r, 2)}×`;
}

/**
 * One row per figure and Baton mode that ran. `vsBest` is how many times
 * better Baton did than the best peer that gave the figure (> 1: Baton
 * ahead); `vsFloor` how close it came to the floor.
 */
export function comparisonRows(outcomes: readonly ScenarioOutcome[]): ComparisonRow[] {
  const rows: ComparisonRow[] = [];
  for (const { figures, results } of outcomes) {
    for (const f of figures) {
      const value = (name: string): number => {
        const json = results.get(name);
        return json ? f.value(json) : NaN;
      };
      let best: { peer: PeerName; value: number } | null = null;
      for (const peer of f.peers ?? PEER_NAMES) {
        const v = value(peer);
        const better = !best || (f.higherIsBetter ? v > best.value : v < best.value);
        if (Number.isFinite(v) && better) best = { peer, value: v };
      }
      for (const mode of MODE_NAMES.filter((m) => results.has(m))) {
        const baton = value(mode);
        const ratio = !best ? NaN : f.higherIsBetter ? baton / best.value : best.value / baton;
        const peers = Object.fromEntries(PEER_NAMES.map((p) => [p, cell(f, results.get(p))]));
        rows.push({
          figure: f.label,
          mode,
          baton: cell(f, results.get(mode)),
          floor: cell(f, results.get('floor')),
          ...(peers as Record<PeerName, string>),
          vsFloor: overFloor(f, baton, value('floor')),
          vsBest: best && Number.isFinite(ratio) ? `${times(ratio)} (${best.peer})` : '—',
        });
      }
    }
  }
  return rows;
}

/** What each system is, in one line of the versions table. */
const RECIPES: Record<PeerName | 'baton' | 'floor', string> = {
  floor:
    'the least FIFO push lock server over ws + msgpackr (bench/floor/): no sessions, leases, durability or checks',
  baton:
    'modes embedded, redis-efficient, redis-strict (bench/lib/broker.ts); FIFO queue, pushed grants, fencing tokens',
  redlock: 'redlock on one Redis, retry 10 ± 5 ms forever; no fencing, no FIFO',
  'redis-setnx':
    'SET NX PX + retry 10 ± 5 ms, release by compare-and-delete Lua; no fencing, no FIFO',
  etcd: "Go `concurrency.Mutex` recipe: lease, create revision, watch the predecessor; L: etcd3's `Election`",
  zookeeper:
    "ephemeral-sequential znodes, watch the predecessor; L: the same as Curator's LeaderLatch",
};

interface Versions {
  server: string;
  client: string;
}

/** Replaces the peers block of bench/README.md: versions, the side-by-side table, then every row. */
export function writePeersReadme(
  rows: readonly Row[],
  comparison: readonly ComparisonRow[],
  info: RunInfo,
): Promise<string> {
  const versions = { baton: batonVersions(), floor: floorVersions(), ...peerVersions() };
  const versionRows = (['baton', 'floor', ...PEER_NAMES] as const).map((p) => ({
    system: p,
    ...versions[p],
    recipe: RECIPES[p],
  }));
  return writeReadmeBlock('peers', [
    runLine(info, 'npm run bench:peers'),
    '',
    markdownTable(versionRows, [
      ['system', 'System'],
      ['server', 'Server'],
      ['client', 'Client'],
      ['recipe', 'Recipe'],
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

/** The `version` of a package.json below the repo root: Baton's, or an installed package's. */
function version(path: string): string {
  try {
    return (JSON.parse(readFileSync(repoPath(path), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

const npmVersion = (name: string): string => version(`node_modules/${name}/package.json`);
const peerNpmVersion = (name: string): string =>
  version(`bench/peers/node_modules/${name}/package.json`);

function debVersion(pkg: string): string {
  return firstLine('dpkg-query', ['-W', '-f', '${Version}', pkg]);
}

function redisVersion(): string {
  return firstLine(BINARIES.redis, ['--version']).replace(/ sha=.*$/, '');
}

/** Baton as measured: its version, the commit of the build ("-dirty" with changes), its Redis. */
function batonVersions(): Versions {
  const commit = firstLine('git', ['-C', repoPath(''), 'describe', '--always', '--dirty']);
  return {
    server: `Baton ${version('package.json')} (${commit}); Redis modes on ${redisVersion()}`,
    client: `Baton's Node client, ws ${npmVersion('ws')}`,
  };
}

/** The floor runs on the same libraries as Baton. */
function floorVersions(): Versions {
  const libs = `ws ${npmVersion('ws')}, msgpackr ${npmVersion('msgpackr')}`;
  return { server: `bench/floor/server.ts on ${libs}`, client: `bench/floor/client.ts on ${libs}` };
}

/** Server and client library versions of each peer, as installed on this machine. */
function peerVersions(): Record<PeerName, Versions> {
  const redisServer = redisVersion();
  const ioredis = `ioredis ${npmVersion('ioredis')}`;
  const etcd = firstLine(BINARIES.etcd, ['--version']);
  const java = firstLine(BINARIES.java, ['-version']);
  return {
    redlock: { server: redisServer, client: `redlock ${peerNpmVersion('redlock')}, ${ioredis}` },
    'redis-setnx': { server: redisServer, client: ioredis },
    etcd: {
      server: `${etcd} (Debian etcd-server ${debVersion('etcd-server')})`,
      client: `etcd3 ${peerNpmVersion('etcd3')}, @grpc/grpc-js ${peerNpmVersion('@grpc/grpc-js')}`,
    },
    zookeeper: {
      server: `ZooKeeper (Debian zookeeper ${debVersion('zookeeper')}) on ${java}`,
      client: `node-zookeeper-client ${peerNpmVersion('node-zookeeper-client')}`,
    },
  };
}
