import { setTimeout as sleep } from 'node:timers/promises';
import {
  CYCLE_PATHS,
  CYCLE_SESSIONS,
  HANDOFF_PAUSE_MAX_MS,
  HANDOFF_PAUSE_MIN_MS,
  HANDOFF_REPS,
  HOT_PATH,
  IDLE_SESSIONS,
  IDLE_SETTLE_MS,
  SMALL_DRIVERS,
  TWO_DRIVERS_FROM,
  WARMUP_MS,
} from './bench-config.js';
import {
  driverCell,
  cpuCell,
  cpuFigures,
  driverFigures,
  fmt,
  latencyCell,
  meanWindowSec,
  type Result,
} from './result.js';
import type { BrokerSample } from './messages.js';
import type { BrokerMode } from './modes.js';
import { Rig, type BenchRig, type Target } from './rig.js';
import { round, summarize } from './stats.js';

/** Scenario A: uncontended acquire → release cycles over many paths. */
export async function cycles(target: Target): Promise<Result> {
  const rig = await target.start({ drivers: SMALL_DRIVERS });
  try {
    const conn = await rig.connect(CYCLE_SESSIONS);
    await rig.startWorkload({ kind: 'cycles', paths: CYCLE_PATHS });
    await sleep(WARMUP_MS);
    const w = await rig.measure();
    const count = w.reports.reduce((s, r) => s + r.cycles, 0);
    const lat = summarize(w.reports.map((r) => r.latenciesMs));
    const d = driverFigures(w);
    const cyclesPerSec = round(count / meanWindowSec(w));
    return {
      json: {
        scenario: 'A',
        mode: target.name,
        sessions: conn.ok,
        paths: CYCLE_PATHS,
        cyclesPerSec,
        acquireP50Ms: lat.p50Ms,
        acquireP99Ms: lat.p99Ms,
        acquireMaxMs: lat.maxMs,
        ...cpuFigures(w),
        windowMs: round(w.windowMs),
        ...d,
      },
      row: {
        scenario: 'A uncontended cycles',
        mode: target.name,
        sessions: fmt(conn.ok),
        throughput: `${fmt(cyclesPerSec)} cycles/s`,
        latency: latencyCell('acquire', lat.p50Ms, lat.p99Ms, lat.maxMs),
        other: `${fmt(CYCLE_PATHS)} random paths`,
        brokerCpu: cpuCell(w),
        driver: driverCell(d),
      },
    };
  } finally {
    await rig.close();
  }
}

/** Scenario D: release → grant between two sessions, on an otherwise idle broker. */
export async function handoffLatency(target: Target): Promise<Result> {
  const rig = await target.start({ drivers: 1 });
  try {
    const conn = await rig.connect(2);
    const w = await rig.timed(async () => [
      await rig.runToReport(
        {
          kind: 'handoff',
          path: HOT_PATH,
          reps: HANDOFF_REPS,
          pauseMinMs: HANDOFF_PAUSE_MIN_MS,
          pauseMaxMs: HANDOFF_PAUSE_MAX_MS,
        },
        // Two passes of `reps` pauses, with room for a slow machine.
        2 * HANDOFF_REPS * (HANDOFF_PAUSE_MAX_MS + 100),
      ),
    ]);
    const lat = summarize(w.reports.map((r) => r.latenciesMs));
    const rtt = summarize(w.reports.map((r) => r.probeRttMs));
    const d = driverFigures(w);
    return {
      json: {
        scenario: 'D',
        mode: target.name,
        sessions: conn.ok,
        reps: lat.count,
        releaseToGrantP50Ms: lat.p50Ms,
        releaseToGrantP99Ms: lat.p99Ms,
        releaseToGrantMaxMs: lat.maxMs,
        busyProbeRttP50Ms: rtt.p50Ms,
        busyProbeRttP99Ms: rtt.p99Ms,
        ...cpuFigures(w),
        ...d,
      },
      row: {
        scenario: 'D handoff latency',
        mode: target.name,
        sessions: fmt(conn.ok),
        throughput: '—',
        latency: latencyCell('release→grant', lat.p50Ms, lat.p99Ms, lat.maxMs),
        other:
          `${lat.count} handoffs ${HANDOFF_PAUSE_MIN_MS}–${HANDOFF_PAUSE_MAX_MS} ms apart; ` +
          latencyCell('plain round trip (busy tryAcquire)', rtt.p50Ms, rtt.p99Ms),
        brokerCpu: cpuCell(w),
        driver: driverCell(d),
      },
    };
  } finally {
    await rig.close();
  }
}

/** What scenario E needs of its processes: Baton's broker rig, or a peer's (bench/peers/). */
export interface IdleRig extends Pick<BenchRig, 'connect' | 'startWorkload' | 'close'> {
  /** The server's RSS and, where it is a V8 process (Baton's broker), its heap; NaN where not known. */
  sample(): Promise<Pick<BrokerSample, 'rssBytes' | 'heapUsedBytes'>>;
  /** A full collection in the server where one can be asked for (Baton's broker); else nothing. */
  gc(): Promise<void>;
}

export interface IdleTarget {
  name: string;
  start(o: { drivers: number }): Promise<IdleRig>;
}

/** A fresh Baton broker in `mode`, started with `gc()` exposed for E's readings. */
export function brokerIdleTarget(mode: BrokerMode): IdleTarget {
  return { name: mode.name, start: (o) => Rig.start({ ...o, mode, exposeGc: true }) };
}

/**
 * Scenario E: server RSS per idle session, read after the sessions have sat
 * idle for `settleMs` and a full GC where the server allows one.
 */
export async function idleMemory(
  target: IdleTarget,
  settleMs: number = IDLE_SETTLE_MS,
): Promise<Result> {
  const drivers = IDLE_SESSIONS >= TWO_DRIVERS_FROM ? 2 : 1;
  const rig = await target.start({ drivers });
  try {
    await rig.gc();
    const before = await rig.sample();
    const conn = await rig.connect(IDLE_SESSIONS);
    await rig.startWorkload({ kind: 'idle' });
    await sleep(settleMs);
    await rig.gc();
    const after = await rig.sample();
    const n = Math.max(1, conn.ok);
    const rssPerSessionKiB = round((after.rssBytes - before.rssBytes) / n / 1024, 2);
    const heapPerSessionKiB = round((after.heapUsedBytes - before.heapUsedBytes) / n / 1024, 2);
    const mib = (b: number): number => round(b / 1024 / 1024, 1);
    // A peer's server is no V8 process: no heap figure to show.
    const heap = Number.isNaN(heapPerSessionKiB)
      ? []
      : [`heap ${fmt(heapPerSessionKiB, 1)} KiB/session`];
    return {
      json: {
        scenario: 'E',
        mode: target.name,
        sessions: conn.ok,
        connectFailed: conn.failed,
        connectMs: round(conn.ms),
        rssBeforeMiB: mib(before.rssBytes),
        rssAfterMiB: mib(after.rssBytes),
        rssGrowthMiB: mib(after.rssBytes - before.rssBytes),
        rssPerSessionKiB,
        heapPerSessionKiB,
        idleMs: settleMs,
        connectFirstError: conn.firstError,
      },
      row: {
        scenario: 'E idle sessions',
        mode: target.name,
        sessions: fmt(conn.ok),
        throughput: `${fmt(rssPerSessionKiB, 1)} KiB RSS/session`,
        latency: '—',
        other: [
          `RSS ${fmt(mib(before.rssBytes), 1)} → ${fmt(mib(after.rssBytes), 1)} MiB ` +
            `after ${fmt(settleMs / 1000)} s idle`,
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
