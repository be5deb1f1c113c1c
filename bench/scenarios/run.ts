/**
 * `npm run bench`: Baton's scenarios, each in the broker modes it runs in
 * (bench/lib/modes.ts), on a Redis the bench starts itself. Every run gets a
 * fresh broker process and its own drivers, all on loopback. Results go to
 * stdout as one JSON line per row, then a table, and into bench/README.md.
 * `BATON_BENCH_ONLY=A,D` and `BATON_BENCH_MODES=redis-strict` run subsets
 * (and leave the README alone); `BATON_BENCH_CPU_PROF=dir` profiles every
 * broker and driver into `dir`.
 */
import { brokerTarget } from '../lib/broker.js';
import {
  CONTEND_LARGE_SESSIONS,
  CONTEND_SESSIONS,
  FAILOVER_HANDOVERS,
  FAILOVER_KILLS,
  IDLE_SESSIONS,
  REDIS_CONTEND_MAX_SESSIONS,
  RUNS,
} from '../lib/config.js';
import { machineAtStart } from '../lib/machine.js';
import { brokerMode, MODE_NAMES, type BrokerMode, type ModeName } from '../lib/modes.js';
import { redisIfNeeded, stopRedis } from '../lib/redis.js';
import { markdownTable, plainTable, runInfo, runLine, writeReadmeBlock } from '../lib/report.js';
import { messageRow, repeated, type Result, type Row } from '../lib/result.js';
import { attempt, progress, runMain } from '../lib/runner.js';
import { contention } from './contention.js';
import { cycles } from './cycles.js';
import { failover } from './failover.js';
import { transportFloor } from './floor.js';
import { handoffLatency } from './handoff.js';
import { idleMemory } from './idle.js';

interface Scenario {
  id: string;
  title: string;
  /** The broker modes it runs in, in this order, one after the other. */
  modes: readonly ModeName[];
  /** One run on a broker (or brokers) in a fresh mode made by `newMode`. */
  run: (name: ModeName, newMode: () => BrokerMode) => Promise<Result>;
}

/**
 * Each scenario runs in all its modes back to back, so the modes of one
 * scenario meet about the same load from the machine's other tenants. C at
 * 10,000 and E stay embedded only, to keep the whole run short.
 */
const SCENARIOS: Scenario[] = [
  {
    id: 'A',
    title: 'A: uncontended cycles',
    modes: MODE_NAMES,
    run: (name, newMode) => cycles(brokerTarget(name, newMode)),
  },
  {
    id: 'B',
    title: `B: ${CONTEND_SESSIONS} on one path`,
    modes: MODE_NAMES,
    run: (name, newMode) => contention('B', CONTEND_SESSIONS, brokerTarget(name, newMode)),
  },
  ...CONTEND_LARGE_SESSIONS.map((n) => ({
    id: 'C',
    title: `C: ${n} on one path`,
    modes: n <= REDIS_CONTEND_MAX_SESSIONS ? MODE_NAMES : (['embedded'] as const),
    run: (name: ModeName, newMode: () => BrokerMode) =>
      contention('C', n, brokerTarget(name, newMode)),
  })),
  {
    id: 'D',
    title: 'D: handoff latency',
    modes: MODE_NAMES,
    run: (name, newMode) => handoffLatency(brokerTarget(name, newMode)),
  },
  {
    id: 'E',
    title: `E: ${IDLE_SESSIONS} idle sessions`,
    modes: ['embedded'],
    run: (name, newMode) => idleMemory(brokerTarget(name, newMode)),
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
    modes: ['redis-efficient', 'redis-strict'],
    run: (_, newMode) => failover(newMode()),
  },
];

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
  const machine = machineAtStart(Math.max(IDLE_SESSIONS, ...CONTEND_LARGE_SESSIONS) + 100);
  const redis = await redisIfNeeded(runs.some((r) => r.mode !== 'embedded'));
  const rows: Row[] = [];
  let failed = 0;
  for (const { s, mode } of runs) {
    if (mode !== 'embedded' && 'skipped' in redis) {
      console.log(JSON.stringify({ scenario: s.id, mode, skipped: redis.skipped }));
      rows.push(messageRow(s.title, mode, 'SKIPPED', redis.skipped));
      continue;
    }
    const newMode = (): BrokerMode => brokerMode(mode, 'skipped' in redis ? null : redis, s.id);
    const once = (): Promise<Result> => s.run(mode, newMode);
    // F repeats its kills inside; the others run RUNS times on fresh processes.
    const outcome = await attempt(`${s.title} [${mode}]`, () =>
      s.id === 'F' ? once() : repeated(once, RUNS),
    );
    if ('value' in outcome) {
      console.log(JSON.stringify(outcome.value.json));
      rows.push(outcome.value.row);
    } else {
      failed++;
      console.log(JSON.stringify({ scenario: s.id, mode, title: s.title, error: outcome.error }));
      rows.push(messageRow(s.title, mode, 'FAILED', outcome.error));
    }
  }
  stopRedis();
  const info = runInfo(machine, startedAt);
  console.log('');
  console.log(plainTable(rows));
  if (!only && !modes) {
    const table = [runLine(info, 'npm run bench'), '', markdownTable(rows)];
    const path = await writeReadmeBlock('<!-- results:start -->', '<!-- results:end -->', table);
    progress(`results written to ${path}`);
  }
  progress(`finished in ${info.durationSec} s`);
  return failed > 0 ? 1 : 0;
}

runMain('bench', main);
