import { brokerTarget, floorTarget, type BrokerMode } from '../lib/broker.js';
import {
  HANDOFF_PAUSE_MAX_MS,
  HANDOFF_PAUSE_MIN_MS,
  HANDOFF_REPS,
  PAIRED_TURN_REPS,
} from '../lib/config.js';
import type { DriverReport } from '../lib/recorder.js';
import { fmt, latencyCell, type Result } from '../lib/report.js';
import { takeTurns } from '../lib/rig.js';
import { round, summarize } from '../lib/stats.js';
import { handoffRun } from './catalog.js';

/**
 * Scenario DP: D's handoffs, with the floor and the embedded broker served
 * at once, each by its own server and driver processes, in turns of a few
 * handoffs on one then the other. D's two rows are timed seconds apart by
 * different process pairs, and on this machine the floor's own p50 has been
 * three times apart in two runs of one bench; here both meet the same
 * spells, so their ratio is read from the same seconds.
 */
export async function pairedHandoffs(newMode: () => BrokerMode): Promise<Result> {
  const targets = [floorTarget(), brokerTarget('embedded', newMode)];
  const { workload, timeoutMs, warmup, warmupTimeoutMs } = handoffRun(PAIRED_TURN_REPS);
  const reports: DriverReport[][] = [[], []];
  await takeTurns(
    targets,
    1,
    async (rig) => {
      const conn = await rig.connect(2);
      if (conn.ok !== 2) throw new Error(`2 sessions asked for, ${conn.ok} connected`);
      await rig.runToReport(warmup, warmupTimeoutMs);
    },
    HANDOFF_REPS / PAIRED_TURN_REPS,
    async (rig, i) => {
      (reports[i] as DriverReport[]).push(await rig.runToReport(workload, timeoutMs));
    },
  );
  const [floor, baton] = reports.map((runs) => ({
    grant: summarize(runs.map((r) => r.latenciesMs)),
    probe: summarize(runs.map((r) => r.probeRttMs)),
  })) as [Figures, Figures];
  const vsFloor = round(baton.grant.p50Ms / floor.grant.p50Ms, 3);
  const probeVsFloor = round(baton.probe.p50Ms / floor.probe.p50Ms, 3);
  return {
    json: {
      scenario: 'DP',
      mode: 'embedded',
      reps: baton.grant.count,
      turnReps: PAIRED_TURN_REPS,
      pairedVsFloor: vsFloor,
      releaseToGrantP50Ms: baton.grant.p50Ms,
      releaseToGrantP99Ms: baton.grant.p99Ms,
      floorReleaseToGrantP50Ms: floor.grant.p50Ms,
      floorReleaseToGrantP99Ms: floor.grant.p99Ms,
      busyProbeRttP50Ms: baton.probe.p50Ms,
      floorBusyProbeRttP50Ms: floor.probe.p50Ms,
      probeVsFloor,
    },
    row: {
      scenario: 'D paired with the floor',
      mode: 'embedded',
      sessions: '2 + 2',
      throughput: '—',
      latency: latencyCell('release→grant', baton.grant.p50Ms, baton.grant.p99Ms),
      other:
        `${fmt(vsFloor, 2)}× the floor in the same seconds (floor ` +
        `${latencyCell('release→grant', floor.grant.p50Ms, floor.grant.p99Ms)}); ` +
        `${baton.grant.count} handoffs each, ${HANDOFF_PAUSE_MIN_MS}–${HANDOFF_PAUSE_MAX_MS} ms ` +
        `apart, in turns of ${PAIRED_TURN_REPS}, warmed up; plain round trip (busy tryAcquire) ` +
        `${fmt(baton.probe.p50Ms, 2)} against ${fmt(floor.probe.p50Ms, 2)} ms, ` +
        `${fmt(probeVsFloor, 2)}×`,
      brokerCpu: '—',
      driver: 'one per server',
    },
  };
}

interface Figures {
  grant: ReturnType<typeof summarize>;
  probe: ReturnType<typeof summarize>;
}
