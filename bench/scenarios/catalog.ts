/**
 * Scenarios A–E, which run on any system: `npm run bench` runs them on
 * Baton's broker, `bench:peers` also on the peers. B and C are in contention.ts.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { MODE_NAMES, type ModeName } from '../lib/broker.js';
import { SECURED_MODE_NAMES } from '../lib/security.js';
import {
  CONTEND_LARGE_SESSIONS,
  CONTEND_SESSIONS,
  CYCLE_PATHS,
  CYCLE_SESSIONS,
  HANDOFF_PAUSE_MAX_MS,
  HANDOFF_PAUSE_MIN_MS,
  HANDOFF_REPS,
  HANDOFF_WARMUP_PASS_MS,
  HANDOFF_WARMUP_REPS,
  HOT_PATH,
  IDLE_SESSIONS,
  IDLE_SETTLE_MS,
  REDIS_CONTEND_MAX_SESSIONS,
  TWO_DRIVERS_FROM,
} from '../lib/config.js';
import { fmt, latencyCell, meanWindowSec, windowResult, type Result } from '../lib/report.js';
import type { ServerSample, Target } from '../lib/rig.js';
import { round, summarize } from '../lib/stats.js';
import { contention, measureLoops } from './contention.js';

export interface Scenario {
  /** What `BATON_BENCH_ONLY` and `BATON_PEERS_ONLY` name it by. */
  id: 'A' | 'B' | 'C' | 'D' | 'E' | 'S' | 'R' | 'L' | 'SF';
  title: string;
  /** Its rows' first cell, also for a failed row. */
  rowTitle: string;
  /** Baton's modes it runs in: C at 10,000 and E embedded only, to keep the runs short. */
  modes: readonly ModeName[];
  /** S: the title of the row (a mutex's) whose cost `npm run bench` reads this one's against, mode by mode. */
  against?: string;
  /** Runs on the floor lock server too (bench/floor/), first, and Baton's rows are read against it. */
  floor?: true;
  /** `idleSettleMs`: how long E's sessions sit idle before the RSS is read. */
  run(target: Target, idleSettleMs?: number): Promise<Result>;
}

/** Scenario A: uncontended acquire → release cycles over many paths. */
function cycles(target: Target): Promise<Result> {
  const workload = { kind: 'cycles', paths: CYCLE_PATHS } as const;
  return measureLoops(target, CYCLE_SESSIONS, workload, (conn, w) => {
    const count = w.reports.reduce((s, r) => s + r.cycles, 0);
    const lat = summarize(w.reports.map((r) => r.latenciesMs));
    const cyclesPerSec = round(count / meanWindowSec(w));
    return windowResult(
      w,
      { scenario: 'A', mode: target.name, sessions: conn.ok },
      {
        paths: CYCLE_PATHS,
        cyclesPerSec,
        acquireP50Ms: lat.p50Ms,
        acquireP99Ms: lat.p99Ms,
        acquireMaxMs: lat.maxMs,
      },
      {
        scenario: 'A uncontended cycles',
        throughput: `${fmt(cyclesPerSec)} cycles/s`,
        latency: latencyCell('acquire', lat.p50Ms, lat.p99Ms, lat.maxMs),
        other: [`${fmt(CYCLE_PATHS)} random paths`],
      },
    );
  });
}

/**
 * D's workload of `reps` paused handoffs (then as many probes) and how long
 * it may take, and its warm-up, as D and DP run them.
 */
export function handoffRun(reps: number) {
  const workload = {
    kind: 'handoff',
    path: HOT_PATH,
    reps,
    pauseMinMs: HANDOFF_PAUSE_MIN_MS,
    pauseMaxMs: HANDOFF_PAUSE_MAX_MS,
  } as const;
  const passMs = HANDOFF_WARMUP_PASS_MS;
  return {
    workload,
    // Two passes of `reps` pauses, with room for a slow machine.
    timeoutMs: 2 * reps * (HANDOFF_PAUSE_MAX_MS + 100),
    warmup: { ...workload, reps: HANDOFF_WARMUP_REPS, pauseMinMs: 0, pauseMaxMs: 0, passMs },
    // A pass ends after passMs, and its last handoff may take a while.
    warmupTimeoutMs: 2 * passMs + 10_000,
  };
}

/** Scenario D: release → grant between two sessions, on an otherwise idle broker. */
async function handoffLatency(target: Target): Promise<Result> {
  const rig = await target.start({ drivers: 1 });
  try {
    const conn = await rig.connect(2);
    const { workload, timeoutMs, warmup, warmupTimeoutMs } = handoffRun(HANDOFF_REPS);
    await rig.runToReport(warmup, warmupTimeoutMs);
    const w = await rig.timed(async () => [await rig.runToReport(workload, timeoutMs)]);
    const lat = summarize(w.reports.map((r) => r.latenciesMs));
    const rtt = summarize(w.reports.map((r) => r.probeRttMs));
    return windowResult(
      w,
      { scenario: 'D', mode: target.name, sessions: conn.ok },
      {
        reps: lat.count,
        releaseToGrantP50Ms: lat.p50Ms,
        releaseToGrantP99Ms: lat.p99Ms,
        releaseToGrantMaxMs: lat.maxMs,
        busyProbeRttP50Ms: rtt.p50Ms,
        busyProbeRttP99Ms: rtt.p99Ms,
      },
      {
        scenario: 'D handoff latency',
        throughput: '—',
        latency: latencyCell('release→grant', lat.p50Ms, lat.p99Ms, lat.maxMs),
        other: [
          `${lat.count} handoffs ${HANDOFF_PAUSE_MIN_MS}–${HANDOFF_PAUSE_MAX_MS} ms apart, warmed up`,
          latencyCell('plain round trip (busy tryAcquire)', rtt.p50Ms, rtt.p99Ms),
        ],
      },
    );
  } finally {
    await rig.close();
  }
}

/** RSS and heap growth between two samples, per session (KiB) and in all (MiB). */
export function memoryGrowth(before: ServerSample, after: ServerSample, sessions: number) {
  const n = Math.max(1, sessions);
  const mib = (b: number): number => round(b / 1024 / 1024, 1);
  return {
    rssBeforeMiB: mib(before.rssBytes),
    rssAfterMiB: mib(after.rssBytes),
    rssGrowthMiB: mib(after.rssBytes - before.rssBytes),
    rssPerSessionKiB: round((after.rssBytes - before.rssBytes) / n / 1024, 2),
    heapPerSessionKiB: round((after.heapUsedBytes - before.heapUsedBytes) / n / 1024, 2),
  };
}

/**
 * Scenario E: server RSS per idle session, read after the sessions have sat
 * idle for `settleMs` and a full GC where the server allows one.
 */
async function idleMemory(target: Target, settleMs = IDLE_SETTLE_MS): Promise<Result> {
  const drivers = IDLE_SESSIONS >= TWO_DRIVERS_FROM ? 2 : 1;
  const rig = await target.start({ drivers, exposeGc: true });
  try {
    await rig.server.gc();
    const before = await rig.server.sample();
    const conn = await rig.connect(IDLE_SESSIONS);
    await rig.startWorkload({ kind: 'idle' });
    await sleep(settleMs);
    await rig.server.gc();
    const m = memoryGrowth(before, await rig.server.sample(), conn.ok);
    // A peer's server is no V8 process: no heap figure to show.
    const heap = Number.isNaN(m.heapPerSessionKiB)
      ? []
      : [`heap ${fmt(m.heapPerSessionKiB, 1)} KiB/session`];
    const { rssBeforeMiB, rssAfterMiB } = m;
    return {
      json: {
        scenario: 'E',
        mode: target.name,
        sessions: conn.ok,
        connectFailed: conn.failed,
        connectMs: round(conn.ms),
        ...m,
        idleMs: settleMs,
        connectFirstError: conn.firstError,
      },
      row: {
        scenario: 'E idle sessions',
        mode: target.name,
        sessions: fmt(conn.ok),
        throughput: `${fmt(m.rssPerSessionKiB, 1)} KiB RSS/session`,
        latency: '—',
        other: [
          `RSS ${fmt(rssBeforeMiB, 1)} → ${fmt(rssAfterMiB, 1)} MiB after ${fmt(settleMs / 1000)} s idle`,
          ...heap,
          `connected in ${fmt(conn.ms / 1000, 1)} s`,
        ].join(', '),
        brokerCpu: '—',
        driver: `${drivers}×`,
      },
    };
  } finally {
    await rig.close();
  }
}

/**
 * A and B also run with TLS and with auth on, right after embedded, so the
 * cost of each is read off two rows of the same run.
 */
const WITH_SECURED: readonly ModeName[] = [
  'embedded',
  ...SECURED_MODE_NAMES,
  'redis-efficient',
  'redis-strict',
];

export const CYCLES: Scenario = {
  id: 'A',
  floor: true,
  title: 'A: uncontended cycles',
  rowTitle: 'A uncontended cycles',
  modes: WITH_SECURED,
  run: (target) => cycles(target),
};

export const CONTENDED: Scenario = {
  id: 'B',
  floor: true,
  title: `B: ${CONTEND_SESSIONS} on one path`,
  rowTitle: 'B contended path',
  modes: WITH_SECURED,
  run: (target) => contention('B', CONTEND_SESSIONS, target),
};

/** C, one scenario per size, each on a broker of its own. */
export const CONTENDED_LARGE: readonly (Scenario & { sessions: number })[] =
  CONTEND_LARGE_SESSIONS.map((sessions) => ({
    id: 'C',
    floor: true,
    sessions,
    title: `C: ${sessions} on one path`,
    rowTitle: 'C contended path',
    modes: sessions <= REDIS_CONTEND_MAX_SESSIONS ? MODE_NAMES : ['embedded'],
    run: (target) => contention('C', sessions, target),
  }));

export const HANDOFF: Scenario = {
  id: 'D',
  floor: true,
  title: 'D: handoff latency',
  rowTitle: 'D handoff latency',
  modes: MODE_NAMES,
  run: (target) => handoffLatency(target),
};

export const IDLE: Scenario = {
  id: 'E',
  floor: true,
  title: `E: ${IDLE_SESSIONS} idle sessions`,
  rowTitle: 'E idle sessions',
  modes: ['embedded'],
  run: (target, idleSettleMs) => idleMemory(target, idleSettleMs),
};
