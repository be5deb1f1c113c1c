import {
  HANDOFF_PAUSE_MAX_MS,
  HANDOFF_PAUSE_MIN_MS,
  HANDOFF_REPS,
  HOT_PATH,
} from '../lib/config.js';
import {
  cpuCell,
  cpuFigures,
  driverCell,
  driverFigures,
  fmt,
  latencyCell,
  mirrorLag,
  type Result,
} from '../lib/result.js';
import type { Target } from '../lib/rig.js';
import { summarize } from '../lib/stats.js';

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
    const lag = mirrorLag(w);
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
        ...lag.fields,
        ...d,
      },
      row: {
        scenario: 'D handoff latency',
        mode: target.name,
        sessions: fmt(conn.ok),
        throughput: '—',
        latency: latencyCell('release→grant', lat.p50Ms, lat.p99Ms, lat.maxMs),
        other: [
          `${lat.count} handoffs ${HANDOFF_PAUSE_MIN_MS}–${HANDOFF_PAUSE_MAX_MS} ms apart`,
          latencyCell('plain round trip (busy tryAcquire)', rtt.p50Ms, rtt.p99Ms),
          ...lag.note,
        ].join('; '),
        brokerCpu: cpuCell(w),
        driver: driverCell(d),
      },
    };
  } finally {
    await rig.close();
  }
}
