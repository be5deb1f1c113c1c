import { setTimeout as sleep } from 'node:timers/promises';
import {
  brokerMode,
  brokerTarget,
  floorTarget,
  type BrokerMode,
  type ModeName,
} from '../lib/broker.js';
import {
  CONTEND_LARGE_SESSIONS,
  CONTEND_SESSIONS,
  CYCLE_PATHS,
  CYCLE_SESSIONS,
  PAIRED_LOAD_SETTLE_MS,
  PAIRED_LOAD_TURN_MS,
  PAIRED_LOAD_TURNS,
  SMALL_DRIVERS,
  WARMUP_MS,
} from '../lib/config.js';
import { fmt, meanWindowSec, type Result } from '../lib/report.js';
import { takeTurns, type Rig, type Target, type Window } from '../lib/rig.js';
import { percentiles } from '../../test/support/percentiles.js';
import { round } from '../lib/stats.js';
import { formQueue, grantOrder } from './contention.js';

/** The paired scenarios: A, B or C (at its first size) on two servers at once. */
export const PAIRED_SCENARIOS = ['A', 'B', 'C'] as const;
export type PairedScenario = (typeof PAIRED_SCENARIOS)[number];

const handoffs = {
  unit: 'handoffs',
  field: 'handoffsPerSec',
  count: (w: Window) => grantOrder(w.reports).realHandoffs,
} as const;

/** What AP, BP and CP count in a window (A's cycles, B's and C's handoffs), the JSON field of the rate, the sessions and the name. */
const COUNTED = {
  A: {
    unit: 'cycles',
    field: 'cyclesPerSec',
    count: (w: Window) => w.reports.reduce((s, r) => s + r.cycles, 0),
    sessions: CYCLE_SESSIONS,
    name: 'A',
  },
  B: { ...handoffs, sessions: CONTEND_SESSIONS, name: 'B' },
  C: { ...handoffs, sessions: CONTEND_LARGE_SESSIONS[0], name: 'C at 1,000' },
} as const;

/**
 * What a paired row is read against: the embedded broker against the floor
 * (issue 14's floor targets), a Redis mode against the embedded broker (its
 * cost targets: efficient within 10%, strict B at least 60%).
 */
interface Yardstick {
  /** The prefix of its JSON fields: `floorCyclesPerSec`, `embeddedBrokerUs`… */
  key: 'floor' | 'embedded';
  label: string;
  target: Target;
}

function yardstickOf(mode: ModeName): Yardstick {
  if (mode === 'embedded') return { key: 'floor', label: 'the floor', target: floorTarget() };
  const embedded = () => brokerMode('embedded', null, 'paired');
  return { key: 'embedded', label: 'embedded', target: brokerTarget('embedded', embedded) };
}

/** How a row names the scenario it pairs. */
export const pairedName = (scenario: PairedScenario): string => COUNTED[scenario].name;

/** The scenario's load on `rig`, warmed up, then paused until its turn. */
async function load(scenario: PairedScenario, rig: Rig): Promise<void> {
  if (scenario === 'A') {
    const conn = await rig.connect(CYCLE_SESSIONS);
    if (conn.ok !== CYCLE_SESSIONS) {
      throw new Error(`${CYCLE_SESSIONS} sessions asked for, ${conn.ok} connected`);
    }
    await rig.startWorkload({ kind: 'cycles', paths: CYCLE_PATHS });
  } else {
    await formQueue(rig, COUNTED[scenario].sessions);
    rig.go();
  }
  await sleep(WARMUP_MS);
  await rig.pause();
}

/** One server's turns: operations and seconds measured, its CPU, and each turn's rate. */
export interface Tally {
  ops: number;
  sec: number;
  brokerCpuMs: number;
  driversCpuMs: number;
  rates: number[];
}

/**
 * Scenarios AP, BP and CP: A's, B's or C-1,000's load on Baton in `mode`
 * and on its yardstick (the floor for the embedded broker, the embedded
 * broker for a Redis mode), both set up at once with driver processes of
 * their own, then measured in turns of a second, one server then the other,
 * the load of the one not measured paused (its sessions wait before their
 * next acquire, its server idles). The scenarios' own rows are measured half
 * a minute apart by separate process pairs, and rounds of this machine have
 * disagreed by 40%; here both meet the same spells, and the ratio is read
 * from the same seconds.
 */
export async function pairedLoad(
  scenario: PairedScenario,
  mode: ModeName,
  newMode: () => BrokerMode,
): Promise<Result> {
  const yardstick = yardstickOf(mode);
  const targets = [yardstick.target, brokerTarget(mode, newMode)] as const;
  const [theirs, baton] = await inTurns(scenario, targets);
  return pairedResult(scenario, mode, yardstick, theirs, baton);
}

/**
 * The scenario's load on two targets, both set up at once, then measured in
 * `PAIRED_LOAD_TURNS` turns each, one then the other (each first in every
 * other turn): what each counted, its CPU and each turn's rate.
 */
export async function inTurns(
  scenario: PairedScenario,
  targets: readonly [Target, Target],
): Promise<[Tally, Tally]> {
  const tallies = targets.map((): Tally => ({
    ops: 0,
    sec: 0,
    brokerCpuMs: 0,
    driversCpuMs: 0,
    rates: [],
  })) as [Tally, Tally];
  const turn = async (rig: Rig, i: number): Promise<void> => {
    await rig.resume();
    await sleep(PAIRED_LOAD_SETTLE_MS);
    const w = await rig.measure(PAIRED_LOAD_TURN_MS);
    await rig.pause();
    const t = tallies[i] as Tally;
    const ops = COUNTED[scenario].count(w);
    const sec = meanWindowSec(w);
    t.ops += ops;
    t.sec += sec;
    t.brokerCpuMs += w.brokerCpuMs;
    t.driversCpuMs += w.reports.reduce((s, r) => s + r.cpuMs, 0);
    t.rates.push(ops / sec);
  };
  await takeTurns(targets, SMALL_DRIVERS, (rig) => load(scenario, rig), PAIRED_LOAD_TURNS, turn);
  return tallies;
}

function pairedResult(
  scenario: PairedScenario,
  mode: ModeName,
  { key, label }: Yardstick,
  theirs: Tally,
  baton: Tally,
): Result {
  const { unit, field, sessions } = COUNTED[scenario];
  const rate = (t: Tally): number => round(t.ops / t.sec);
  const share = round(rate(baton) / rate(theirs), 3);
  const turnShares = baton.rates.map((r, i) => r / (theirs.rates[i] as number));
  // Of ten turns, the lower of the middle two: the weaker median, as rows' runs are read.
  const turns = percentiles(turnShares);
  const weakestTurn = Math.min(...turnShares);
  const perOpUs = (t: Tally, cpuMs: number): number => round((cpuMs * 1000) / t.ops, 1);
  const cpuOf = (t: Tally) => ({
    brokerUs: perOpUs(t, t.brokerCpuMs),
    driversUs: perOpUs(t, t.driversCpuMs),
  });
  const [cpu, their] = [cpuOf(baton), cpuOf(theirs)];
  const pct = (x: number): string => `${fmt(100 * x)}%`;
  const capital = (f: string): string => f[0]!.toUpperCase() + f.slice(1);
  return {
    json: {
      scenario: `${scenario}P`,
      mode,
      sessions,
      turns: baton.rates.length,
      turnMs: PAIRED_LOAD_TURN_MS,
      [`pairedShareOf${capital(key)}`]: share,
      [field]: rate(baton),
      [`${key}${capital(field)}`]: rate(theirs),
      turnShareMedian: round(turns.p50, 3),
      turnShareMax: round(turns.max, 3),
      turnShareMin: round(weakestTurn, 3),
      cpuPerOpUs: {
        ...cpu,
        [`${key}BrokerUs`]: their.brokerUs,
        [`${key}DriversUs`]: their.driversUs,
      },
    },
    row: {
      scenario: `${pairedName(scenario)} paired with ${label}`,
      mode,
      sessions: `${fmt(sessions)} + ${fmt(sessions)}`,
      throughput: `${fmt(rate(baton))} ${unit}/s`,
      latency: '—',
      other:
        `${pct(share)} of ${label} in the same seconds (${label} ${fmt(rate(theirs))} ${unit}/s); ` +
        `${baton.rates.length} turns of ${fmt(PAIRED_LOAD_TURN_MS / 1000)} s each, in turn, ` +
        `a turn's share ${pct(weakestTurn)}–${pct(turns.max)}, ` +
        `median ${pct(turns.p50)}; CPU/op broker ${fmt(cpu.brokerUs, 1)} vs ` +
        `${fmt(their.brokerUs, 1)} µs, drivers ${fmt(cpu.driversUs, 1)} vs ` +
        `${fmt(their.driversUs, 1)} µs`,
      brokerCpu: '—',
      driver: `${SMALL_DRIVERS}× per server`,
    },
  };
}
