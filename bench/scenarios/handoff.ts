import {
  HANDOFF_PAUSE_MAX_MS,
  HANDOFF_PAUSE_MIN_MS,
  HANDOFF_REPS,
  HOT_PATH,
} from '../lib/config.js';
import { latencyCell, windowResult, type Result } from '../lib/result.js';
import type { Target } from '../lib/rig.js';
import { summarize } from '../lib/stats.js';

/** Scenario D: release → grant between two sessions, on an otherwise idle broker. */
export async function handoffLatency(target: Target): Promise<Result> {
  const rig = await target.start({ drivers: 1 });
  try {
    const conn = await rig.connect(2);
    const workload = {
      kind: 'handoff',
      path: HOT_PATH,
      reps: HANDOFF_REPS,
      pauseMinMs: HANDOFF_PAUSE_MIN_MS,
      pauseMaxMs: HANDOFF_PAUSE_MAX_MS,
    } as const;
    // Two passes of `reps` pauses, with room for a slow machine.
    const timeoutMs = 2 * HANDOFF_REPS * (HANDOFF_PAUSE_MAX_MS + 100);
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
          `${lat.count} handoffs ${HANDOFF_PAUSE_MIN_MS}–${HANDOFF_PAUSE_MAX_MS} ms apart`,
          latencyCell('plain round trip (busy tryAcquire)', rtt.p50Ms, rtt.p99Ms),
        ],
      },
    );
  } finally {
    await rig.close();
  }
}
