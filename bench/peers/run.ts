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
 * subsets (and leave the README alone). The peers' client libraries are a
 * package of their own (bench/peers/package.json), installed by the command.
 */
import { CONTEND_LARGE_SESSIONS, IDLE_SESSIONS, RUNS } from '../lib/config.js';
import { machineAtStart } from '../lib/machine.js';
import { brokerMode, type ModeName } from '../lib/modes.js';
import { redisIfNeeded, stopRedis, type BenchRedis } from '../lib/redis.js';
import { plainTable, runInfo } from '../lib/report.js';
import { messageRow, repeated, type Result, type Row } from '../lib/result.js';
import { attempt, progress, runMain } from '../lib/runner.js';
import { COMPARISON_COLUMNS, comparisonRows, type ScenarioOutcome } from './comparison.js';
import { isPeerName, type PeerName } from './config.js';
import { batonVersions, peerVersions, writePeersReadme, PEER_COLUMNS } from './report.js';
import { SCENARIOS, type PeerScenario } from './scenarios.js';
import { missingBinary } from './servers.js';
import { batonSystem, peerSystem, selectSystems, type System } from './systems.js';

type Json = Result['json'];

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

/** One scenario run of one system: its row, and its JSON line (null when it failed). */
async function runOne(s: PeerScenario, system: System): Promise<{ row: Row; json: Json | null }> {
  const outcome = await attempt(`${s.title} [${system.name}]`, () =>
    repeated(() => bounded(s.run(system.target), s.timeoutMs), RUNS),
  );
  if ('error' in outcome) {
    const notes = system.failureNotes();
    const message = outcome.error + (notes ? `; ${notes}` : '');
    console.log(JSON.stringify({ scenario: s.id, system: system.name, error: message }));
    return { row: messageRow(s.rowTitle, system.name, 'FAILED', message), json: null };
  }
  const { json, row } = outcome.value;
  // A peer's server stands where the broker does: its figures are named for it.
  const fields = Object.entries(json)
    .filter(([k]) => k !== 'mode')
    .map(([k, v]) => [isPeerName(system.name) ? k.replace(/^broker/, 'server') : k, v]);
  console.log(JSON.stringify({ system: system.name, ...Object.fromEntries(fields) }));
  return { row, json };
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
      rows.push(messageRow(s.rowTitle, mode, 'SKIPPED', redis.skipped));
      continue;
    }
    const newMode = () => brokerMode(mode, 'skipped' in redis ? null : redis, s.id);
    const { row, json } = await runOne(s, batonSystem(mode, newMode));
    rows.push(row);
    results.set(mode, json);
  }
  for (const peer of peers) {
    const missing = missingBinary(peer);
    if (missing) {
      console.log(JSON.stringify({ scenario: s.id, system: peer, error: missing }));
      rows.push(messageRow(s.rowTitle, peer, 'FAILED', missing));
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
  const machine = machineAtStart(Math.max(IDLE_SESSIONS, ...CONTEND_LARGE_SESSIONS) + 100);
  // One Redis for Baton's Redis modes, as in `npm run bench` (each run gets
  // its own cluster name in it); the Redis peers get a server of their own per row.
  const redis = await redisIfNeeded(
    scenarios.some((s) => s.modes.some((m) => m !== 'embedded' && modes.includes(m))),
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
    const versions = { baton: batonVersions(), ...peerVersions() };
    const path = await writePeersReadme(rows, comparison, versions, info);
    progress(`results written to ${path}`);
  }
  progress(`finished in ${info.durationSec} s`);
  // A peer that fails a scenario is a result (its row says why); Baton failing one is not.
  return rows.some((r) => r.throughput === 'FAILED' && !isPeerName(r.mode)) ? 1 : 0;
}

runMain('bench:peers', main);
