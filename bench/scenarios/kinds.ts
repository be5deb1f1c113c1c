/**
 * Scenarios S and R (issue 13): a counting semaphore beside a mutex of the
 * same shape, and a read/write lock with one writer every 100 ms. They run
 * on any system whose client has the primitive: Baton's, and ZooKeeper's
 * recipes in bench:peers.
 */
import { MODE_NAMES } from '../lib/broker.js';
import {
  HOT_PATH,
  KIND_HOLD_MS,
  KIND_SESSIONS,
  SEMAPHORE_LIMIT,
  WRITE_EVERY_MS,
} from '../lib/config.js';
import { fmt, latencyCell, meanWindowSec, windowResult, type Result } from '../lib/report.js';
import type { Target, Window } from '../lib/rig.js';
import { round, summarize } from '../lib/stats.js';
import type { Scenario } from './catalog.js';
import { contention, measureQueued, type Queued } from './contention.js';

const mutexTitle = (sessions: number): string =>
  `S: mutex, ${fmt(sessions)} on one path, hold ${KIND_HOLD_MS} ms`;

/**
 * S, per size: the mutex row first, then the semaphore, whose row
 * `npm run bench` reads against that mutex row of the same mode and run.
 */
export const SEMAPHORES: readonly (Scenario & { sessions: number })[] = KIND_SESSIONS.flatMap(
  (sessions) => {
    const hold = { holdMs: KIND_HOLD_MS };
    const mutex = { ...hold, rowTitle: 'S mutex, same shape' };
    const semaphore = { ...hold, limit: SEMAPHORE_LIMIT, rowTitle: 'S semaphore' };
    const common = { id: 'S', sessions, modes: MODE_NAMES } as const;
    return [
      {
        ...common,
        title: mutexTitle(sessions),
        rowTitle: mutex.rowTitle,
        run: (target: Target) => contention('S', sessions, target, mutex),
      },
      {
        ...common,
        title: `S: semaphore of ${SEMAPHORE_LIMIT}, ${fmt(sessions)} on one path, hold ${KIND_HOLD_MS} ms`,
        rowTitle: semaphore.rowTitle,
        against: mutexTitle(sessions),
        run: (target: Target) => contention('S', sessions, target, semaphore),
      },
    ];
  },
);

/** R, per size: every session but one reads; the one writes every WRITE_EVERY_MS. */
export const READ_WRITE: readonly (Scenario & { sessions: number })[] = KIND_SESSIONS.map(
  (sessions) => ({
    id: 'R',
    sessions,
    title: `R: ${fmt(sessions - 1)} readers and a writer every ${WRITE_EVERY_MS} ms on one path`,
    rowTitle: 'R read/write lock',
    modes: MODE_NAMES,
    // Read against the mutex of S at the same size: what a read lock costs over it.
    against: mutexTitle(sessions),
    run: (target) => {
      const workload = {
        kind: 'read-write',
        path: HOT_PATH,
        holdMs: KIND_HOLD_MS,
        writeEveryMs: WRITE_EVERY_MS,
      } as const;
      return measureQueued(target, sessions, workload, (q, w) =>
        readWriteResult(target.name, q, w),
      );
    },
  }),
);

/** Reads/s and the readers' wait; the writer's wait beside them, the figure of phase-fairness. */
function readWriteResult(mode: string, { conn, queueFormMs }: Queued, w: Window): Result {
  const sec = meanWindowSec(w);
  const reads = w.reports.reduce((n, r) => n + r.grantTokens.length, 0);
  const readsPerSec = round(reads / sec);
  const read = summarize(w.reports.map((r) => r.latenciesMs));
  const write = summarize(w.reports.map((r) => r.writeWaitsMs));
  return windowResult(
    w,
    { scenario: 'R', mode, sessions: conn.ok },
    {
      readsPerSec,
      writes: write.count,
      writeWaitP50Ms: write.p50Ms,
      writeWaitP99Ms: write.p99Ms,
      writeWaitMaxMs: write.maxMs,
      readWaitP50Ms: read.p50Ms,
      readWaitP99Ms: read.p99Ms,
      readWaitMaxMs: read.maxMs,
      holdMs: KIND_HOLD_MS,
      writeEveryMs: WRITE_EVERY_MS,
      connectFailed: conn.failed,
      connectFirstError: conn.firstError,
      queueFormMs: round(queueFormMs),
    },
    {
      scenario: 'R read/write lock',
      throughput: `${fmt(readsPerSec)} reads/s`,
      latency: latencyCell('read wait', read.p50Ms, read.p99Ms, read.maxMs),
      other: [
        latencyCell(`writer wait (${write.count} writes)`, write.p50Ms, write.p99Ms, write.maxMs),
        `${fmt(conn.ok - 1)} readers, a write every ${WRITE_EVERY_MS} ms, hold ${KIND_HOLD_MS} ms`,
      ],
    },
  );
}
