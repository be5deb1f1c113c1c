import { setTimeout as sleep } from 'node:timers/promises';
import { IDLE_SESSIONS, IDLE_SETTLE_MS, TWO_DRIVERS_FROM } from '../lib/config.js';
import { fmt, type Result } from '../lib/result.js';
import type { Target } from '../lib/rig.js';
import { round } from '../lib/stats.js';

/**
 * Scenario E: server RSS per idle session, read after the sessions have sat
 * idle for `settleMs` and a full GC where the server allows one.
 */
export async function idleMemory(target: Target, settleMs = IDLE_SETTLE_MS): Promise<Result> {
  const drivers = IDLE_SESSIONS >= TWO_DRIVERS_FROM ? 2 : 1;
  const rig = await target.start({ drivers, exposeGc: true });
  try {
    await rig.server.gc();
    const before = await rig.server.sample();
    const conn = await rig.connect(IDLE_SESSIONS);
    await rig.startWorkload({ kind: 'idle' });
    await sleep(settleMs);
    await rig.server.gc();
    const after = await rig.server.sample();
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
