/**
 * `npm run bench:peers`: scenarios A–E, S, R and L through Baton's own drivers, workloads
 * and measurements, on Baton (its three modes) and the peers (redlock, SET NX
 * PX, etcd, ZooKeeper), a fresh server per row. Output as `npm run bench`,
 * plus the side-by-side table. `BATON_PEERS_ONLY=A,D` and
 * `BATON_PEERS=baton,etcd` (peers, modes, or `baton` for all modes) run subsets.
 */
import {
  brokerMode,
  brokerTarget,
  floorTarget,
  MODE_NAMES,
  needsRedis,
  type ModeName,
} from '../lib/broker.js';
import { CONTEND_LARGE_SESSIONS, IDLE_SESSIONS, RUNS } from '../lib/config.js';
import { machineAtStart } from '../lib/machine.js';
import { redisIfNeeded, stopRedis, type BenchRedis } from '../lib/redis.js';
import {
  againstFloor,
  messageRow,
  plainTable,
  repeated,
  runInfo,
  type Result,
  type Row,
} from '../lib/report.js';
import { Rig, type Target } from '../lib/rig.js';
import { attempt, progress, runMain } from '../lib/runner.js';
import { within } from '../lib/time.js';
import { isPeerName, PEER_NAMES, type PeerName } from './config.js';
import {
  COMPARISON_COLUMNS,
  comparisonRows,
  PEER_COLUMNS,
  writePeersReadme,
  type ScenarioOutcome,
} from './report.js';
import { SCENARIOS, type PeerScenario } from './scenarios.js';
import { missingBinary, startPeerServer } from './servers.js';

type Json = Result['json'];

function list(name: string): string[] | undefined {
  return process.env[name]?.split(',').map((s) => s.trim());
}

/**
 * Scenario `s` on one system (a Baton mode or a peer, whose drivers open the
 * peer's sessions): its row, and its JSON line (null when it failed).
 */
async function runOne(s: PeerScenario, name: string, target: Target, floor?: Result) {
  // A peer that fails often says why only to its clients (etcd's "too many
  // requests"): the last rig's drivers' errors go into the failed row.
  let last: Rig | null = null;
  const kept: Target = { name, start: async (o) => (last = await target.start(o)) };
  const outcome = await attempt(`${s.title} [${name}]`, () =>
    repeated(() => within(s.run(kept), s.timeoutMs, 'stalled'), RUNS),
  );
  if ('error' in outcome) {
    const notes = (last as Rig | null)?.driverErrors;
    const message = outcome.error + (notes ? `; ${notes}` : '');
    console.log(JSON.stringify({ scenario: s.id, system: name, error: message }));
    return { row: messageRow(s.rowTitle, name, 'FAILED', message), json: null, result: null };
  }
  // Baton's rows of A–E are read against the floor's of the same run.
  const { json, row } = floor ? againstFloor(outcome.value, floor) : outcome.value;
  // A peer's server stands where the broker does: its figures are named for it.
  const fields = Object.entries(json)
    .filter(([k]) => k !== 'mode')
    .map(([k, v]) => [isPeerName(name) ? k.replace(/^broker/, 'server') : k, v]);
  console.log(JSON.stringify({ system: name, ...Object.fromEntries(fields) }));
  return { row, json, result: outcome.value };
}

/** The systems of a run: Baton's modes, the peers, and whether the floor (bench/floor/) runs. */
interface Systems {
  modes: readonly ModeName[];
  peers: readonly PeerName[];
  floor: boolean;
}

/**
 * Scenario `s` on the floor (A–E), for each of Baton's `modes`, then each of
 * the `peers`, back to back, so they meet about the same machine load: their
 * rows, and each one's JSON line (null: failed; absent: skipped).
 */
async function runScenario(
  s: PeerScenario,
  { modes, peers, floor }: Systems,
  redis: BenchRedis | { skipped: string },
  rows: Row[],
): Promise<Map<string, Json | null>> {
  const results = new Map<string, Json | null>();
  let floorResult: Result | undefined;
  if (floor && s.floor) {
    const { row, json, result } = await runOne(s, 'floor', floorTarget());
    rows.push(row);
    results.set('floor', json);
    floorResult = result ?? undefined;
  }
  for (const mode of s.modes.filter((m) => modes.includes(m))) {
    if ('skipped' in redis && needsRedis(mode)) {
      console.log(JSON.stringify({ scenario: s.id, system: mode, skipped: redis.skipped }));
      rows.push(messageRow(s.rowTitle, mode, 'SKIPPED', redis.skipped));
      continue;
    }
    const newMode = () => brokerMode(mode, 'skipped' in redis ? null : redis, s.id);
    const { row, json } = await runOne(s, mode, brokerTarget(mode, newMode), floorResult);
    rows.push(row);
    results.set(mode, json);
  }
  for (const peer of peers.filter((p) => !s.peers || s.peers.includes(p))) {
    const missing = missingBinary(peer);
    if (missing) {
      console.log(JSON.stringify({ scenario: s.id, system: peer, error: missing }));
      rows.push(messageRow(s.rowTitle, peer, 'FAILED', missing));
      results.set(peer, null);
      continue;
    }
    const env = { BATON_BENCH_PEER: peer };
    const start: Target['start'] = (o) => Rig.start(() => startPeerServer(peer), o.drivers, env);
    const { row, json } = await runOne(s, peer, { name: peer, start });
    rows.push(row);
    results.set(peer, json);
  }
  return results;
}

/** `BATON_PEERS` as the Baton modes, peers and floor to run; unset, everything. */
function selectSystems(names: readonly string[] | undefined): Systems {
  if (!names) return { modes: [...MODE_NAMES], peers: [...PEER_NAMES], floor: true };
  const known: readonly string[] = ['baton', 'floor', ...MODE_NAMES, ...PEER_NAMES];
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length) throw new Error(`unknown systems ${unknown.join(', ')}: ${known.join(', ')}`);
  return {
    modes: MODE_NAMES.filter((m) => names.includes(m) || names.includes('baton')) as ModeName[],
    peers: PEER_NAMES.filter((p) => names.includes(p)),
    floor: names.includes('floor'),
  };
}

async function main(): Promise<number> {
  const startedAt = performance.now();
  const only = list('BATON_PEERS_ONLY')?.map((s) => s.toUpperCase());
  const chosen = list('BATON_PEERS');
  const systems = selectSystems(chosen);
  const { modes, peers } = systems;
  const scenarios = SCENARIOS.filter((s) => !only || only.includes(s.id));
  // Each session is a socket in the server and one in a driver.
  const machine = machineAtStart(Math.max(IDLE_SESSIONS, ...CONTEND_LARGE_SESSIONS) + 100);
  // For Baton's Redis modes; the Redis peers get a server of their own per row.
  const redis = await redisIfNeeded(
    scenarios.some((s) => s.modes.some((m) => needsRedis(m) && modes.includes(m))),
  );
  const rows: Row[] = [];
  const outcomes: ScenarioOutcome[] = [];
  for (const s of scenarios) {
    const results = await runScenario(s, systems, redis, rows);
    outcomes.push({ figures: s.figures, results });
  }
  stopRedis();
  const comparison = comparisonRows(outcomes);
  const info = runInfo(machine, startedAt);
  console.log('');
  console.log(plainTable(rows, PEER_COLUMNS));
  if ((peers.length > 0 || systems.floor) && comparison.length > 0) {
    console.log('');
    console.log(plainTable(comparison, COMPARISON_COLUMNS));
  }
  if (!only && !chosen) {
    const path = await writePeersReadme(rows, comparison, info);
    progress(`results written to ${path}`);
  }
  progress(`finished in ${info.durationSec} s`);
  // A peer that fails a scenario is a result (its row says why); Baton failing one is not.
  return rows.some((r) => r.throughput === 'FAILED' && !isPeerName(r.mode)) ? 1 : 0;
}

runMain('bench:peers', main);
