/**
 * `npm run bench:peers`: Baton's scenarios A–E, through Baton's own drivers,
 * workloads and measurements, against Baton itself (its three modes) and
 * the peers: Redis + redlock, Redis SET NX PX, etcd (Mutex recipe) and
 * ZooKeeper (lock recipe), scenario by scenario in one run. Each row gets a
 * fresh broker or peer server, on free loopback ports with its own temp
 * dir, killed by pid at the end.
 *
 * Output as `npm run bench`: one JSON line per scenario and system, then
 * every row and the side-by-side table, written into bench/README.md between
 * the peers markers. `BATON_PEERS_ONLY=A,D` and `BATON_PEERS=baton,etcd` run
 * subsets (and leave the README alone).
 */
import { CONTEND_LARGE_SESSIONS, IDLE_SESSIONS, RUNS } from '../bench-config.js';
import { killAllChildren } from '../bench-child.js';
import { repeated } from '../repeat.js';
import { brokerMode, type ModeName } from '../modes.js';
import { redisIfNeeded, stopRedis, type BenchRedis } from '../redis-server.js';
import { plainTable, runInfo } from '../report.js';
import type { Result, Row } from '../result.js';
import { round } from '../stats.js';
import { COMPARISON_COLUMNS, comparisonRows, type ScenarioOutcome } from './comparison.js';
import { isPeerName, type PeerName } from './peer-config.js';
import { SCENARIOS, type PeerScenario } from './peer-scenarios.js';
import { writePeersReadme, PEER_COLUMNS } from './peers-report.js';
import { missingBinary } from './servers.js';
import { batonSystem, peerSystem, selectSystems, type System } from './systems.js';
import { batonVersions, peerVersions } from './versions.js';
import { machineAtStart, runMain } from '../run-main.js';

type Json = Result['json'];

function progress(message: string): void {
  process.stderr.write(`bench:peers: ${message}\n`);
}

function list(name: string): string[] | undefined {
  return process.env[name]?.split(',').map((s) => s.trim());
}

/** Rejects when `promise` has not settled within `ms`, so a stalled system cannot hang the run. */
function bounded<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const stall = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`stalled: no result within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, stall]).finally(() => clearTimeout(timer));
}

function messageRow(s: PeerScenario, system: string, what: string, message: string): Row {
  return {
    scenario: s.rowTitle,
    mode: system,
    sessions: '—',
    throughput: what,
    latency: '—',
    other: message,
    brokerCpu: '—',
    driver: '—',
  };
}

/** One scenario run of one system: its row, and its JSON line (null when it failed). */
async function runOne(s: PeerScenario, system: System): Promise<{ row: Row; json: Json | null }> {
  const label = `${s.title} [${system.name}]`;
  progress(`${label} ...`);
  const t0 = performance.now();
  try {
    const { json, row } = await repeated(() => bounded(s.run(system), s.timeoutMs), RUNS);
    // A peer's server stands where the broker does: its figures are named for it.
    const fields = Object.entries(json)
      .filter(([k]) => k !== 'mode')
      .map(([k, v]) => [isPeerName(system.name) ? k.replace(/^broker/, 'server') : k, v]);
    console.log(JSON.stringify({ system: system.name, ...Object.fromEntries(fields) }));
    return { row, json };
  } catch (err) {
    // Its processes go now, not when the stalled scenario gives up.
    killAllChildren();
    const notes = system.failureNotes();
    const message =
      (err instanceof Error ? err.message : String(err)) + (notes ? `; ${notes}` : '');
    console.log(JSON.stringify({ scenario: s.id, system: system.name, error: message }));
    return { row: messageRow(s, system.name, 'FAILED', message), json: null };
  } finally {
    progress(`${label} done in ${round((performance.now() - t0) / 1000, 1)} s`);
  }
}

/**
 * Scenario `s` for each of Baton's `modes`, then each of the `peers`, back to
 * back; adds their rows to `rows` and resolves to each one's JSON line (null
 * when it failed; absent when skipped).
 */
async function runScenario(
  s: PeerScenario,
  modes: readonly ModeName[],
  peers: readonly PeerName[],
  redis: BenchRedis | { skipped: string },
  rows: Row[],
): Promise<Map<string, Json | null>> {
  const results = new Map<string, Json | null>();
  for (const mode of s.modes.filter((m) => modes.includes(m))) {
    if (mode !== 'embedded' && 'skipped' in redis) {
      console.log(JSON.stringify({ scenario: s.id, system: mode, skipped: redis.skipped }));
      rows.push(messageRow(s, mode, 'SKIPPED', redis.skipped));
      continue;
    }
    const system = batonSystem(mode, () =>
      brokerMode(mode, 'skipped' in redis ? null : redis, s.id),
    );
    const { row, json } = await runOne(s, system);
    rows.push(row);
    results.set(mode, json);
  }
  for (const peer of peers) {
    const missing = missingBinary(peer);
    if (missing) {
      console.log(JSON.stringify({ scenario: s.id, system: peer, error: missing }));
      rows.push(messageRow(s, peer, 'FAILED', missing));
      results.set(peer, null);
      continue;
    }
    const { row, json } = await runOne(s, peerSystem(peer));
    rows.push(row);
    results.set(peer, json);
  }
  return results;
}

async function main(): Promise<number> {
  const startedAt = performance.now();
  const only = list('BATON_PEERS_ONLY')?.map((s) => s.toUpperCase());
  const chosen = list('BATON_PEERS');
  const { modes, peers } = selectSystems(chosen);
  const scenarios = SCENARIOS.filter((s) => !only || only.includes(s.id));
  // Each session is a socket in the server and one in a driver.
  const machine = machineAtStart(
    progress,
    Math.max(IDLE_SESSIONS, ...CONTEND_LARGE_SESSIONS) + 100,
  );
  // One Redis for Baton's Redis modes, as in `npm run bench` (each run gets
  // its own cluster name in it); the Redis peers get a server of their own per row.
  const redis = await redisIfNeeded(
    scenarios.some((s) => s.modes.some((m) => m !== 'embedded' && modes.includes(m))),
    progress,
  );
  const rows: Row[] = [];
  const outcomes: ScenarioOutcome[] = [];
  for (const s of scenarios) {
    const results = await runScenario(s, modes, peers, redis, rows);
    outcomes.push({ figures: s.figures, results });
  }
  stopRedis();
  const comparison = comparisonRows(outcomes);
  const info = runInfo(machine, startedAt);
  console.log('');
  console.log(plainTable(rows, PEER_COLUMNS));
  if (peers.length > 0 && comparison.length > 0) {
    console.log('');
    console.log(plainTable(comparison, COMPARISON_COLUMNS));
  }
  if (!only && !chosen) {
    const path = await writePeersReadme(
      rows,
      comparison,
      { baton: batonVersions(), ...peerVersions() },
      info,
    );
    progress(`results written to ${path}`);
  }
  progress(`finished in ${info.durationSec} s`);
  // A peer that fails a scenario is a result (its row says why); Baton failing one is not.
  return rows.some((r) => r.throughput === 'FAILED' && !isPeerName(r.mode)) ? 1 : 0;
}

function killEverything(): void {
  killAllChildren();
  stopRedis();
}

runMain(main, killEverything);
