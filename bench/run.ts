/**
 * `npm run bench`: the baseline benchmark. Every scenario gets a fresh broker
 * process and its own driver processes, all on loopback; results go to stdout
 * as one JSON line per scenario, then a table, and into bench/README.md.
 *
 * Scenarios run against the embedded broker and against a Redis-backed one at
 * both consistency levels (bench/modes.ts), on a Redis the bench starts itself.
 *
 * `BATON_BENCH_ONLY=A,D` runs a subset of scenarios and `BATON_BENCH_MODES=redis-strict`
 * a subset of modes (either leaves the README alone);
 * `BATON_BENCH_CPU_PROF=dir` profiles every broker and driver into `dir`.
 */
import {
  CONTEND_LARGE_SESSIONS,
  CONTEND_SESSIONS,
  FAILOVER_HANDOVERS,
  FAILOVER_KILLS,
  IDLE_SESSIONS,
  REDIS_CONTEND_MAX_SESSIONS,
  RUNS,
} from './bench-config.js';
import { killAllChildren } from './bench-child.js';
import { contention } from './contention.js';
import { repeated } from './repeat.js';
import { failover } from './failover.js';
import { transportFloor } from './floor.js';
import { brokerMode, MODE_NAMES, type BrokerMode, type ModeName } from './modes.js';
import { redisIfNeeded, stopRedis, type BenchRedis } from './redis-server.js';
import { plainTable, runInfo, writeReadme } from './report.js';
import { brokerTarget } from './rig.js';
import type { Result, Row } from './result.js';
import { brokerIdleTarget, cycles, handoffLatency, idleMemory } from './scenarios.js';
import { round } from './stats.js';
import { machineAtStart, runMain } from './run-main.js';

interface Scenario {
  id: string;
  title: string;
  /** The broker modes it runs in, in this order, one after the other. */
  modes: readonly ModeName[];
  run: (mode: BrokerMode) => Promise<Result>;
}

const ALL = MODE_NAMES;
const REDIS_ONLY = ['redis-efficient', 'redis-strict'] as const;

/**
 * Each scenario runs in all its modes back to back, so the modes of one
 * scenario see about the same machine load (the machine is shared and its
 * load drifts over minutes). C at 10,000 and E stay embedded only, to keep
 * the whole run within about five minutes.
 */
const SCENARIOS: Scenario[] = [
  {
    id: 'A',
    title: 'A: uncontended cycles',
    modes: ALL,
    run: (mode) => cycles(brokerTarget(mode)),
  },
  {
    id: 'B',
    title: `B: ${CONTEND_SESSIONS} on one path`,
    modes: ALL,
    run: (mode) => contention('B', CONTEND_SESSIONS, brokerTarget(mode)),
  },
  ...CONTEND_LARGE_SESSIONS.map((n) => ({
    id: 'C',
    title: `C: ${n} on one path`,
    modes: n <= REDIS_CONTEND_MAX_SESSIONS ? ALL : (['embedded'] as const),
    run: (mode: BrokerMode) => contention('C', n, brokerTarget(mode)),
  })),
  {
    id: 'D',
    title: 'D: handoff latency',
    modes: ALL,
    run: (mode) => handoffLatency(brokerTarget(mode)),
  },
  {
    id: 'E',
    title: `E: ${IDLE_SESSIONS} idle sessions`,
    modes: ['embedded'],
    run: (mode) => idleMemory(brokerIdleTarget(mode)),
  },
  {
    id: 'T',
    title: 'T: transport floor (bare ws echo server)',
    // Not a broker mode: the row stands beside D and E of the embedded broker.
    modes: ['embedded'],
    run: () => transportFloor(),
  },
  {
    id: 'F',
    title: `F: kill -9 of the active broker ${FAILOVER_KILLS} times, then SIGTERM (handover) ${FAILOVER_HANDOVERS} times`,
    modes: REDIS_ONLY,
    run: failover,
  },
];

function progress(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

async function main(): Promise<number> {
  const startedAt = performance.now();
  const only = process.env['BATON_BENCH_ONLY']?.split(',').map((s) => s.trim().toUpperCase());
  const modes = process.env['BATON_BENCH_MODES']?.split(',').map((s) => s.trim());
  const runs = SCENARIOS.flatMap((s) =>
    only && !only.includes(s.id)
      ? []
      : s.modes.filter((m) => !modes || modes.includes(m)).map((mode) => ({ s, mode })),
  );
  // Each session is a socket in the broker and one in a driver.
  const machine = machineAtStart(
    progress,
    Math.max(IDLE_SESSIONS, ...CONTEND_LARGE_SESSIONS) + 100,
  );
  const redis = await redisIfNeeded(
    runs.some((r) => r.mode !== 'embedded'),
    progress,
  );
  const rows: Row[] = [];
  let failed = 0;
  for (const { s, mode } of runs) {
    const label = `${s.title} [${mode}]`;
    if (mode !== 'embedded' && 'skipped' in redis) {
      console.log(JSON.stringify({ scenario: s.id, mode, skipped: redis.skipped }));
      rows.push(messageRow(s.title, mode, 'SKIPPED', redis.skipped));
      continue;
    }
    progress(`${label} ...`);
    const t0 = performance.now();
    try {
      const once = (): Promise<Result> =>
        s.run(brokerMode(mode, 'skipped' in redis ? null : redis, s.id));
      // F repeats its kills inside; the others run twice on fresh processes.
      const result = await (s.id === 'F' ? once() : repeated(once, RUNS));
      console.log(JSON.stringify(result.json));
      rows.push(result.row);
    } catch (err) {
      // One broken scenario should not hide the others' figures.
      failed++;
      const message = err instanceof Error ? err.message : String(err);
      console.log(JSON.stringify({ scenario: s.id, mode, title: s.title, error: message }));
      rows.push(messageRow(s.title, mode, 'FAILED', message));
      killAllChildren();
    }
    progress(`${label} done in ${round((performance.now() - t0) / 1000, 1)} s`);
  }
  stopRedis();
  const info = runInfo(machine, startedAt);
  console.log('');
  console.log(plainTable(rows));
  if (!only && !modes) {
    const path = await writeReadme(rows, info);
    progress(`results written to ${path}`);
  }
  progress(`finished in ${info.durationSec} s`);
  return failed > 0 ? 1 : 0;
}

function messageRow(title: string, mode: ModeName, what: string, message: string): Row {
  return {
    scenario: title,
    mode,
    sessions: '—',
    throughput: what,
    latency: '—',
    other: message,
    brokerCpu: '—',
    driver: '—',
  };
}

function killEverything(): void {
  killAllChildren();
  stopRedis();
}

runMain(main, killEverything);
