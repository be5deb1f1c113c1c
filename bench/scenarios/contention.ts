import { setTimeout as sleep } from 'node:timers/promises';
import {
  HOT_PATH,
  QUEUE_FORM_TIMEOUT_MS,
  SMALL_DRIVERS,
  TWO_DRIVERS_FROM,
  WARMUP_MS,
} from '../lib/config.js';
import type { DriverReport } from '../lib/recorder.js';
import { fmt, latencyCell, meanWindowSec, windowResult, type Result } from '../lib/report.js';
import type { Rig, Target, Window } from '../lib/rig.js';
import type { Workload } from '../lib/workloads.js';
import { jainIndex, round, summarize } from '../lib/stats.js';
import { waitFor } from '../lib/time.js';

/**
 * How the grants of the window went round the sessions: `realHandoffs` are
 * grants to another session than the previous holder, `duplicateTokens`
 * would break the fencing guarantee. Tokens are one broker-wide counter and
 * only the hot path is locked, so sorting every driver's grants by token
 * gives the broker's grant order without a clock shared between processes.
 */
export function grantOrder(reports: readonly DriverReport[]) {
  const tokens: number[] = [];
  const sessions: number[] = [];
  // Loops, not spreads: a window can hold more grants than a call has argument slots.
  for (const r of reports) {
    for (const t of r.grantTokens) tokens.push(t);
    for (const s of r.grantSessions) sessions.push(s);
  }
  const order = tokens
    .map((_, i) => i)
    .sort((a, b) => (tokens[a] as number) - (tokens[b] as number));
  let realHandoffs = 0;
  let duplicateTokens = 0;
  for (let k = 1; k < order.length; k++) {
    const prev = order[k - 1] as number;
    const cur = order[k] as number;
    if (sessions[cur] !== sessions[prev]) realHandoffs++;
    if (tokens[cur] === tokens[prev]) duplicateTokens++;
  }
  return { grants: order.length, realHandoffs, duplicateTokens };
}

/**
 * Connects `sessions` and queues them all on the hot path (with `workload`:
 * B and C's by default), held by the first (S: the first `limit`, R: every
 * reader), until the broker (for a peer, the drivers) counts every one in
 * the queue but `outOfQueue` (L's observer); the limit counts from the first
 * connect, as "queue formed in" does.
 */
export async function formQueue(
  rig: Rig,
  sessions: number,
  workload: Workload = { kind: 'contend', path: HOT_PATH },
  outOfQueue = 0,
) {
  const startedAt = performance.now();
  const conn = await rig.connect(sessions);
  await rig.startWorkload(workload);
  let queued = 0;
  const formed = async (): Promise<true | null> => {
    queued = await rig.queueLength(HOT_PATH);
    return queued >= conn.ok - outOfQueue ? true : null;
  };
  const limitSec = fmt(QUEUE_FORM_TIMEOUT_MS / 1000);
  await waitFor(formed, startedAt + QUEUE_FORM_TIMEOUT_MS, 20, () => {
    const how = `${fmt(queued)} of ${fmt(conn.ok - outOfQueue)} sessions in it`;
    return `the queue did not form within ${limitSec} s of the first connect: ${how}`;
  });
  return { conn, queueFormMs: performance.now() - startedAt };
}

/** The sessions of a row, and how long their queue took to form. */
export type Queued = Awaited<ReturnType<typeof formQueue>>;

/**
 * The frame of B, C, S, R and L: `sessions` sessions queued on the hot
 * path with `workload` (but `outOfQueue` of them), let go, then the warm-up
 * and one measured window, which `toResult` turns into the row.
 */
export async function measureQueued(
  target: Target,
  sessions: number,
  workload: Workload,
  toResult: (q: Queued, w: Window) => Result,
  outOfQueue = 0,
): Promise<Result> {
  const drivers = sessions >= TWO_DRIVERS_FROM ? 2 : SMALL_DRIVERS;
  const rig = await target.start({ drivers });
  try {
    const queued = await formQueue(rig, sessions, workload, outOfQueue);
    rig.go();
    await sleep(WARMUP_MS);
    return toResult(queued, await rig.measure());
  } finally {
    await rig.close();
  }
}

/**
 * The frame of A and SF: `sessions` sessions start `workload` at once (no
 * queue to form), then the warm-up and one measured window, which
 * `toResult` turns into the row.
 */
export async function measureLoops(
  target: Target,
  sessions: number,
  workload: Workload,
  toResult: (conn: Queued['conn'], w: Window) => Result,
): Promise<Result> {
  const rig = await target.start({ drivers: SMALL_DRIVERS });
  try {
    const conn = await rig.connect(sessions);
    await rig.startWorkload(workload);
    await sleep(WARMUP_MS);
    return toResult(conn, await rig.measure());
  } finally {
    await rig.close();
  }
}

/** S's shape: a semaphore of `limit` (none: a mutex), each holder keeping it `holdMs`. */
export interface HeldShape {
  limit?: number;
  holdMs: number;
  rowTitle: string;
}

/**
 * Scenarios B and C: `sessions` sessions on one path, each releasing the
 * moment it is granted and queueing again at once; with `held` (S), holding
 * it a while, as a mutex or a semaphore.
 */
export function contention(
  scenario: 'B' | 'C' | 'S',
  sessions: number,
  target: Target,
  held?: HeldShape,
): Promise<Result> {
  const limit = held?.limit === undefined ? {} : { limit: held.limit };
  const workload = {
    kind: 'contend',
    path: HOT_PATH,
    holdMs: held?.holdMs ?? 0,
    ...limit,
  } as const;
  return measureQueued(target, sessions, workload, (q, w) =>
    contentionResult(scenario, target.name, q, w, held),
  );
}

function contentionResult(
  scenario: 'B' | 'C' | 'S',
  mode: string,
  { conn, queueFormMs }: Queued,
  w: Window,
  held: HeldShape | undefined,
): Result {
  const sec = meanWindowSec(w);
  const order = grantOrder(w.reports);
  const wait = summarize(w.reports.map((r) => r.latenciesMs));
  const counts = w.reports.flatMap((r) => Array.from(r.grantsPerSession));
  const minGrants = counts.reduce((m, c) => Math.min(m, c), Infinity);
  const maxGrants = counts.reduce((m, c) => Math.max(m, c), 0);
  const starved = counts.reduce((n, c) => n + (c === 0 ? 1 : 0), 0);
  const handoffsPerSec = round(order.realHandoffs / sec);
  const grantsPerSec = round(order.grants / sec);
  const jain = round(jainIndex(counts), 4);
  const rotations = round(order.grants / conn.ok, 2);
  const formed = scenario === 'B' ? [] : [`queue formed in ${fmt(queueFormMs / 1000, 1)} s`];
  const duplicates = order.duplicateTokens > 0 ? [`${order.duplicateTokens} DUPLICATE TOKENS`] : [];
  // S counts cycles (grants), each held a while: with several holders a
  // grant to "another session" says nothing.
  const shape = held && {
    fields: { cyclesPerSec: grantsPerSec, limit: held.limit ?? 1, holdMs: held.holdMs },
    cells: {
      scenario: held.rowTitle,
      throughput: `${fmt(grantsPerSec)} cycles/s`,
      other: [`${held.limit ? `limit ${held.limit}` : 'mutex'}, hold ${held.holdMs} ms`],
    },
  };
  return windowResult(
    w,
    { scenario, mode, sessions: conn.ok },
    {
      ...shape?.fields,
      connectFailed: conn.failed,
      connectMs: round(conn.ms),
      connectFirstError: conn.firstError,
      queueFormMs: round(queueFormMs),
      handoffsPerSec,
      grantsPerSec,
      selfGrants: Math.max(0, order.grants - 1 - order.realHandoffs),
      duplicateTokens: order.duplicateTokens,
      waitP50Ms: wait.p50Ms,
      waitP99Ms: wait.p99Ms,
      waitMaxMs: wait.maxMs,
      waitSamples: wait.count,
      minGrants,
      maxGrants,
      jainIndex: jain,
      starved,
      queueRotations: rotations,
    },
    {
      scenario: shape?.cells.scenario ?? `${scenario} contended path`,
      throughput: shape?.cells.throughput ?? `${fmt(handoffsPerSec)} handoffs/s`,
      latency: latencyCell('wait', wait.p50Ms, wait.p99Ms, wait.maxMs),
      other: [
        ...(shape?.cells.other ?? []),
        `Jain ${fmt(jain, 3)}`,
        `grants/session ${minGrants}–${maxGrants}`,
        `starved ${starved}`,
        `${fmt(rotations, 1)} rotations`,
        ...formed,
        ...duplicates,
      ],
      join: ', ',
    },
  );
}
