import { setTimeout as sleep } from 'node:timers/promises';
import { CYCLE_PATHS, CYCLE_SESSIONS, SMALL_DRIVERS, WARMUP_MS } from '../lib/config.js';
import { fmt, latencyCell, meanWindowSec, windowResult, type Result } from '../lib/result.js';
import type { Target } from '../lib/rig.js';
import { round, summarize } from '../lib/stats.js';

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
  } finally {
    await rig.close();
  }
}
