/**
 * `npm run bench:peers`: Baton's scenarios A, B, D and C (1,000 sessions),
 * through Baton's own drivers, workloads and measurements, against the
 * peers: Redis + redlock, Redis SET NX PX, etcd (Mutex recipe) and ZooKeeper
 * (lock recipe). Each scenario row gets a fresh server of its peer, on free
 * loopback ports with its own temp dir, killed by pid at the end.
 *
 * Output as `npm run bench`: one JSON line per scenario and peer, then a
 * table, written into bench/README.md between the peers markers.
 * `BATON_PEERS_ONLY=A,D` and `BATON_PEERS=etcd,zookeeper` run subsets (and
 * leave the README alone).
 */
import { availableParallelism, loadavg } from 'node:os';
import { CONTEND_SESSIONS } from '../bench-config.js';
import { killAllChildren } from '../bench-child.js';
import { contention } from '../contention.js';
import type { Result, Row } from '../result.js';
import type { Target } from '../rig.js';
import { cycles, handoffLatency } from '../scenarios.js';
import { round } from '../stats.js';
import {
  LARGE_RUN_TIMEOUT_MS,
  PEER_CONTEND_LARGE_SESSIONS,
  PEER_NAMES,
  RUN_TIMEOUT_MS,
  type PeerName,
} from './peer-config.js';
import { peerTarget } from './peer-rig.js';
import { writePeersReadme, PEER_COLUMNS } from './peers-report.js';
import { plainTable } from '../report.js';
import { missingBinary } from './servers.js';
import { peerVersions } from './versions.js';

interface PeerScenario {
  id: string;
  title: string;
  timeoutMs: number;
  run: (target: Target) => Promise<Result>;
}

/** Each scenario runs for every peer back to back, so the peers of one scenario meet about the same machine load. */
const SCENARIOS: PeerScenario[] = [
  { id: 'A', title: 'A: uncontended cycles', timeoutMs: RUN_TIMEOUT_MS, run: cycles },
  {
    id: 'B',
    title: `B: ${CONTEND_SESSIONS} on one path`,
    timeoutMs: RUN_TIMEOUT_MS,
    run: (t) => contention('B', CONTEND_SESSIONS, t),
  },
  { id: 'D', title: 'D: handoff latency', timeoutMs: RUN_TIMEOUT_MS, run: handoffLatency },
  {
    id: 'C',
    title: `C: ${PEER_CONTEND_LARGE_SESSIONS} on one path`,
    timeoutMs: LARGE_RUN_TIMEOUT_MS,
    run: (t) => contention('C', PEER_CONTEND_LARGE_SESSIONS, t),
  },
];

const ROW_TITLES: Record<string, string> = {
  A: 'A uncontended cycles',
  B: 'B contended path',
  C: 'C contended path',
  D: 'D handoff latency',
};

function progress(message: string): void {
  process.stderr.write(`bench:peers: ${message}\n`);
}

function list(name: string): string[] | undefined {
  return process.env[name]?.split(',').map((s) => s.trim());
}

/** Rejects when `promise` has not settled within `ms`, so a stalled peer cannot hang the run. */
function bounded<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const stall = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`stalled: no result within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, stall]).finally(() => clearTimeout(timer));
}

function failedRow(s: PeerScenario, peer: PeerName, message: string): Row {
  return {
    scenario: ROW_TITLES[s.id] ?? s.title,
    mode: peer,
    sessions: '—',
    throughput: 'FAILED',
    latency: '—',
    other: message,
    brokerCpu: '—',
    driver: '—',
  };
}

async function runOne(s: PeerScenario, peer: PeerName): Promise<Row> {
  const missing = missingBinary(peer);
  if (missing) {
    console.log(JSON.stringify({ scenario: s.id, system: peer, error: missing }));
    return failedRow(s, peer, missing);
  }
  progress(`${s.title} [${peer}] ...`);
  const t0 = performance.now();
  try {
    const { json, row } = await bounded(s.run(peerTarget(peer)), s.timeoutMs);
    // The server stands where the broker does: its figures are named for it.
    const fields = Object.entries(json)
      .filter(([k]) => k !== 'mode')
      .map(([k, v]) => [k.replace(/^broker/, 'server'), v]);
    console.log(JSON.stringify({ system: peer, ...Object.fromEntries(fields) }));
    return row;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    console.log(JSON.stringify({ scenario: s.id, system: peer, error: message }));
    // Its server and drivers go now, not when the stalled scenario gives up.
    killAllChildren();
    return failedRow(s, peer, message);
  } finally {
    progress(`${s.title} [${peer}] done in ${round((performance.now() - t0) / 1000, 1)} s`);
  }
}

async function main(): Promise<number> {
  const startedAt = performance.now();
  const only = list('BATON_PEERS_ONLY')?.map((s) => s.toUpperCase());
  const peers = list('BATON_PEERS');
  const unknown = peers?.filter((p) => !(PEER_NAMES as readonly string[]).includes(p)) ?? [];
  if (unknown.length)
    throw new Error(`unknown peers ${unknown.join(', ')}: ${PEER_NAMES.join(', ')}`);
  const loadAtStart = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  progress(`load average at start: ${loadAtStart}`);
  const rows: Row[] = [];
  for (const s of SCENARIOS) {
    if (only && !only.includes(s.id)) continue;
    for (const peer of PEER_NAMES) {
      if (peers && !peers.includes(peer)) continue;
      rows.push(await runOne(s, peer));
    }
  }
  const durationSec = round((performance.now() - startedAt) / 1000);
  console.log('');
  console.log(plainTable(rows, PEER_COLUMNS));
  if (!only && !peers) {
    const path = await writePeersReadme(rows, peerVersions(), {
      date: new Date().toISOString().slice(0, 10),
      node: process.version,
      nproc: String(availableParallelism()),
      loadAtStart,
      durationSec,
    });
    progress(`results written to ${path}`);
  }
  progress(`finished in ${durationSec} s`);
  return rows.some((r) => r.throughput === 'FAILED') ? 1 : 0;
}

// Whatever ends the run, no server or driver may outlive it.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    killAllChildren();
    process.exit(130);
  });
}
process.on('exit', killAllChildren);

main().then(
  (code) => {
    killAllChildren();
    process.exitCode = code;
  },
  (err: unknown) => {
    killAllChildren();
    console.error(err);
    process.exitCode = 1;
  },
);
