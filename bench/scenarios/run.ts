/**
 * `npm run bench`: Baton's scenarios in each broker mode they run in, one JSON
 * line per row on stdout, then a table, also into bench/README.md unless
 * `BATON_BENCH_ONLY` or `BATON_BENCH_MODES` picks a subset (bench/README.md).
 */
import {
  brokerMode,
  brokerTarget,
  floorOf,
  floorTarget,
  isFloor,
  MODE_NAMES,
  needsRedis,
  redisModeOf,
  type FloorMode,
  type BrokerMode,
  type ModeName,
} from '../lib/broker.js';
import {
  CONTEND_LARGE_SESSIONS,
  FAILOVER_HANDOVERS,
  FAILOVER_KILLS,
  IDLE_SESSIONS,
  RUNS,
  SERVERS_CHANGED,
} from '../lib/config.js';
import { machineAtStart } from '../lib/machine.js';
import { redisIfNeeded, stopRedis } from '../lib/redis.js';
import {
  againstFloor,
  COLUMNS,
  cpuPerOp,
  headlineOf,
  markdownTable,
  messageRow,
  plainTable,
  fmt,
  medianRun,
  weakerMedian,
  runInfo,
  runLine,
  writeReadmeBlock,
  withReading,
  type Result,
  type Row,
} from '../lib/report.js';
import { attempt, progress, runMain } from '../lib/runner.js';
import { round } from '../lib/stats.js';
import { CONTENDED, CONTENDED_LARGE, CYCLES, HANDOFF, IDLE, type Scenario } from './catalog.js';
import { failover } from './failover.js';
import { READ_WRITE, SEMAPHORES } from './kinds.js';
import { ELECTIONS, SINGLE_FLIGHTS } from './leaders.js';
import { pairedHandoffs } from './paired-handoff.js';
import { pairedLoad, pairedName, PAIRED_SCENARIOS } from './paired-load.js';
import { transportFloor } from './transport-floor.js';

/** A broker mode, or the floor lock server (bench/floor/) in the broker's place. */
type RowMode = ModeName | FloorMode;

/** A row of `npm run bench`: one run in a broker made fresh by `newMode`. */
interface BenchScenario {
  id: string;
  title: string;
  modes: readonly RowMode[];
  against?: string;
  floor?: true;
  /** Its rows read themselves against a yardstick run inside them (the paired rows), not against another row. */
  paired?: true;
  run(name: RowMode, newMode: () => BrokerMode): Promise<Result>;
}

/**
 * A–E and the kinds on a fresh broker per run; A–E on the floor first, and
 * where a Redis mode runs, on the floor with a Redis log of that consistency.
 */
function onBroker(s: Scenario): BenchScenario {
  const floors = s.modes.map(floorOf).filter((f) => f !== 'floor');
  return {
    ...s,
    modes: s.floor ? ['floor', ...floors, ...s.modes] : s.modes,
    run: (name, newMode) =>
      s.run(
        isFloor(name)
          ? floorTarget(name, name === 'floor' ? undefined : newMode)
          : brokerTarget(name, newMode),
      ),
  };
}

const PAIRED_HANDOFF: BenchScenario = {
  id: 'DP',
  title: 'DP: D with the floor served at once, handoffs in turns',
  // The floor runs inside the row, beside the embedded broker.
  modes: ['embedded'],
  paired: true,
  run: (_, newMode) => pairedHandoffs(newMode),
};

/**
 * AP, BP and CP: A's, B's and C-1,000's load on Baton and its yardstick at
 * once, measured in turns: the embedded broker against the floor, each Redis
 * mode against the embedded broker.
 */
const PAIRED_LOADS: readonly BenchScenario[] = PAIRED_SCENARIOS.map((s) => ({
  id: `${s}P`,
  title: `${s}P: ${pairedName(s)} with its yardstick served at once, measured in turns`,
  // The yardstick runs inside the row, beside Baton; the row reads against it.
  modes: MODE_NAMES,
  paired: true,
  run: (mode, newMode) => pairedLoad(s, mode as ModeName, newMode),
}));

const TRANSPORT_FLOOR: BenchScenario = {
  id: 'T',
  title: 'T: transport floor (bare ws echo server)',
  // Not a broker mode: the row stands beside D and E of the embedded broker.
  modes: ['embedded'],
  run: () => transportFloor(),
};

/**
 * Each scenario runs in all its modes back to back, in rounds (`runRounds`),
 * so they meet about the same machine load; T right before E, whose sessions
 * are read against its bare sockets.
 */
const SCENARIOS: readonly BenchScenario[] = [
  ...[CYCLES, CONTENDED, ...CONTENDED_LARGE, HANDOFF].map(onBroker),
  ...PAIRED_LOADS,
  PAIRED_HANDOFF,
  TRANSPORT_FLOOR,
  ...[IDLE, ...SEMAPHORES, ...READ_WRITE, ...ELECTIONS, ...SINGLE_FLIGHTS].map(onBroker),
  {
    id: 'F',
    title: `F: kill -9 of the active broker ${FAILOVER_KILLS} times, then SIGTERM (handover) ${FAILOVER_HANDOVERS} times`,
    modes: ['redis-efficient', 'redis-strict'],
    run: (_, newMode) => failover(newMode()),
  },
];

/**
 * The rows of this run that a row's cost is read against, by their keys: a
 * secured or Redis mode's against the embedded row of its scenario, a
 * semaphore's against the mutex row of the same shape and mode.
 */
function baseKeys(s: BenchScenario, mode: RowMode): { key: string; label: string }[] {
  if (s.paired) return [];
  if (mode !== 'embedded' && !isFloor(mode) && !s.against) {
    return [{ key: `${s.title} [embedded]`, label: 'embedded' }];
  }
  return s.against ? [{ key: `${s.against} [${mode}]`, label: 'the mutex' }] : [];
}

/**
 * A row of a scenario that ran on the floor, read against a floor row of
 * this run, run by run (`runs`: each run's results by row key): a Redis
 * mode's against the floor with a Redis log of its consistency when that
 * ran, any other Baton row and the Redis floors against the floor alone.
 */
function withFloor(s: BenchScenario, mode: RowMode, result: Result, runs: Map<string, Result[]>) {
  if (!s.floor || mode === 'floor') return result;
  const own = isFloor(mode) ? 'floor' : floorOf(mode);
  // A Redis mode's own floor may have been left out (BATON_BENCH_MODES) or failed.
  const floor = runs.has(`${s.title} [${own}]`) ? own : 'floor';
  const floorRuns = runs.get(`${s.title} [${floor}]`);
  if (!floorRuns) return result;
  const mine = runs.get(`${s.title} [${mode}]`) ?? [];
  const pairs = mine.map((r, i) => [r, floorRuns[i]].filter((x) => x !== undefined));
  return againstFloor(result, medianRun(floorRuns), pairs, {
    mode: floor,
    label: FLOOR_LABELS[floor],
  });
}

const FLOOR_LABELS: Record<FloorMode, string> = {
  floor: 'the floor',
  'floor-efficient': 'the efficient floor',
  'floor-strict': 'the strict floor',
};

/**
 * E's row read against T's bare sockets of this run: its memory target. T's
 * runs are kept by their round trip, so its RSS is their median here (of
 * two, the smaller: the reading that is harder on E).
 */
function withBareWs(result: Result, runs: Map<string, Result[]>): Result {
  const rss = (runs.get(`${TRANSPORT_FLOOR.title} [embedded]`) ?? [])
    .map((r) => r.json['rssPerSocketKiB'])
    .filter((x): x is number => typeof x === 'number');
  const bare = rss.length > 0 ? weakerMedian(rss, true) : undefined;
  const mine = result.json['rssPerSessionKiB'];
  if (bare === undefined || typeof mine !== 'number') return result;
  const ratio = round(mine / bare, 2);
  const cell = `${ratio.toFixed(2)}× a bare ws socket (T: ${bare} KiB)`;
  return withReading(result, cell, { vsBareWs: ratio });
}

/**
 * C's rows read against B's of the same mode in this run: issue 14 asks for
 * C at 10,000 within 20% of B, and the floor's own share beside it shows
 * how much of the drop from B any server pays on this machine.
 */
function withShareOfB(result: Result, b: Result | undefined): Result {
  const mine = result.json['handoffsPerSec'];
  const theirs = b?.json['handoffsPerSec'];
  if (typeof mine !== 'number' || typeof theirs !== 'number' || theirs === 0) return result;
  const shareOfB = round(mine / theirs, 3);
  return withReading(result, `${fmt(100 * shareOfB)}% of B in this run`, { shareOfB });
}

/**
 * A row with its cost against `base` of the same run: how much lower its
 * headline figure is (throughput), and how much more broker CPU each
 * operation took, which moves less with the machine's other load than
 * throughput does.
 */
function withCost(result: Result, base: Result | undefined, label: string): Result {
  if (!base) return result;
  const mine = headlineOf(result.json);
  const theirs = headlineOf(base.json);
  const mineCpu = cpuPerOp(result.json);
  const baseCpu = cpuPerOp(base.json);
  if (!mine?.higherIsBetter || !theirs || theirs.value === 0 || !mineCpu || !baseCpu) {
    return result;
  }
  const pct = (x: number): number => Math.round(x * 1000) / 10;
  const signed = (x: number): string => `${x > 0 ? '+' : x < 0 ? '−' : '±'}${Math.abs(x)}%`;
  const costPct = pct(1 - mine.value / theirs.value);
  const [mineUs, baseUs] = [mineCpu.serverUs, baseCpu.serverUs];
  const cpuCostPct = pct(mineUs / baseUs - 1);
  const cell =
    `vs ${label} in this run: throughput ${signed(-costPct)}, ` +
    `broker CPU/op ${signed(cpuCostPct)} (${mineUs.toFixed(1)} vs ${baseUs.toFixed(1)} µs)`;
  return withReading(result, cell, { costPct, brokerCpuUsPerOp: mineUs, cpuCostPct });
}

/** What became of one mode of a scenario: its runs, or why it has none. */
type ModeRuns = { results: Result[] } | { error: string } | { skipped: string };

/**
 * Every run of one scenario, round by round: each round runs every mode
 * once, on fresh processes, so the modes of a row meet the same spells of a
 * noisy machine and a row can be read against the floor run by run. F runs
 * once: it repeats its kills inside.
 */
async function runRounds(
  s: BenchScenario,
  modes: readonly RowMode[],
  redis: Awaited<ReturnType<typeof redisIfNeeded>>,
): Promise<Map<RowMode, ModeRuns>> {
  const byMode = new Map<RowMode, ModeRuns>();
  for (const mode of modes) {
    const skipped = needsRedis(mode) && 'skipped' in redis ? redis.skipped : null;
    byMode.set(mode, skipped === null ? { results: [] } : { skipped });
  }
  const rounds = s.id === 'F' ? 1 : RUNS;
  for (let r = 1; r <= rounds; r++) {
    for (const mode of modes) {
      const runs = byMode.get(mode);
      if (!runs || !('results' in runs)) continue;
      // A floor's Redis log takes the setup of the Redis mode of its consistency.
      const name = isFloor(mode) ? redisModeOf(mode) : mode;
      const newMode = (): BrokerMode => {
        if (name === null) throw new Error(`${mode} has no broker mode`);
        return brokerMode(name, 'skipped' in redis ? null : redis, s.id);
      };
      const label = `${s.title} [${mode}]${rounds > 1 ? ` run ${r} of ${rounds}` : ''}`;
      const outcome = await attempt(label, () => s.run(mode, newMode));
      if ('value' in outcome) runs.results.push(outcome.value);
      else byMode.set(mode, { error: outcome.error });
    }
  }
  return byMode;
}

async function main(): Promise<number> {
  const startedAt = performance.now();
  const only = process.env['BATON_BENCH_ONLY']?.split(',').map((s) => s.trim().toUpperCase());
  const modes = process.env['BATON_BENCH_MODES']?.split(',').map((s) => s.trim());
  const plan = SCENARIOS.filter((s) => !only || only.includes(s.id))
    .map((s) => ({ s, modes: s.modes.filter((m) => !modes || modes.includes(m)) }))
    .filter((p) => p.modes.length > 0);
  // Each session is a socket in the broker and one in a driver.
  const machine = machineAtStart(Math.max(IDLE_SESSIONS, ...CONTEND_LARGE_SESSIONS) + 100);
  const redis = await redisIfNeeded(plan.some((p) => p.modes.some(needsRedis)));
  const rows: Row[] = [];
  /** Each row's kept result in this run by `title [mode]`: what another row's cost is read against. */
  const done = new Map<string, Result>();
  /** And all its runs, for the floor's reading run by run. */
  const allRuns = new Map<string, Result[]>();
  let failed = 0;
  for (const { s, modes: rowModes } of plan) {
    const byMode = await runRounds(s, rowModes, redis);
    for (const [mode, runs] of byMode) {
      if ('skipped' in runs) {
        console.log(JSON.stringify({ scenario: s.id, mode, skipped: runs.skipped }));
        rows.push(messageRow(s.title, mode, 'SKIPPED', runs.skipped));
        continue;
      }
      if ('error' in runs) {
        failed++;
        console.log(JSON.stringify({ scenario: s.id, mode, title: s.title, error: runs.error }));
        rows.push(messageRow(s.title, mode, 'FAILED', runs.error));
        continue;
      }
      const key = `${s.title} [${mode}]`;
      let result = medianRun(runs.results);
      done.set(key, result);
      allRuns.set(key, runs.results);
      for (const base of baseKeys(s, mode)) {
        result = withCost(result, done.get(base.key), base.label);
      }
      result = withFloor(s, mode, result, allRuns);
      if (s.id === 'C') result = withShareOfB(result, done.get(`${CONTENDED.title} [${mode}]`));
      if (s.id === 'E' && mode !== 'floor') result = withBareWs(result, allRuns);
      console.log(JSON.stringify(result.json));
      rows.push(result.row);
    }
  }
  stopRedis();
  const info = runInfo(machine, startedAt);
  console.log('');
  console.log(plainTable(rows, COLUMNS));
  if (!only && !modes && !SERVERS_CHANGED) {
    const table = [runLine(info, 'npm run bench'), '', markdownTable(rows, COLUMNS)];
    const path = await writeReadmeBlock('results', table);
    progress(`results written to ${path}`);
  }
  progress(`finished in ${info.durationSec} s`);
  return failed > 0 ? 1 : 0;
}

runMain('bench', main);
