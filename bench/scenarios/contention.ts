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
 * Connects `sessions` and queues them all on the hot path, held by the first,
 * until the broker (for a peer, the drivers) counts every one in the queue;
 * the limit counts from the first connect, as "queue formed in" does.
 */
export async function formQueue(rig: Rig, sessions: number) {
  const startedAt = performance.now();
  const conn = await rig.connect(sessions);
  await rig.startWorkload({ kind: 'contend', path: HOT_PATH });
  let queued = 0;
  const formed = async (): Promise<true | null> => {
    queued = await rig.queueLength(HOT_PATH);
    return queued >= conn.ok ? true : null;
  };
  const limitSec = fmt(QUEUE_FORM_TIMEOUT_MS / 1000);
  await waitFor(formed, startedAt + QUEUE_FORM_TIMEOUT_MS, 20, () => {
    const how = `${fmt(queued)} of ${fmt(conn.ok)} sessions in it`;
    return `the queue did not form within ${limitSec} s of the first connect: ${how}`;
  });
  return { conn, queueFormMs: performance.now() - startedAt };
}

/**
 * Scenarios B and C: `sessions` sessions on one path, each releasing the
 * moment it is granted and queueing again at once.
 */
export async function contention(
  scenario: 'B' | 'C',
  sessions: number,
  target: Target,
): Promise<Result> {
  const drivers = sessions >= TWO_DRIVERS_FROM ? 2 : SMALL_DRIVERS;
  const rig = await target.start({ drivers });
  try {
    const { conn, queueFormMs } = await formQueue(rig, sessions);
    rig.go();
    await sleep(WARMUP_MS);
    const w = await rig.measure();
    return contentionResult(scenario, target.name, conn, queueFormMs, w);
  } finally {
    await rig.close();
  }
}

function contentionResult(
  scenario: 'B' | 'C',
  mode: string,
  conn: Awaited<ReturnType<Rig['connect']>>,
  queueFormMs: number,
  w: Window,
): Result {
  const sec = meanWindowSec(w);
  const order = grantOrder(w.reports);
  const wait = summarize(w.reports.map((r) => r.latenciesMs));
  const counts = w.reports.flatMap((r) => Array.from(r.grantsPerSession));
  const minGrants = counts.reduce((m, c) => Math.min(m, c), Infinity);
  const maxGrants = counts.reduce((m, c) => Math.max(m, c), 0);
  const starved = counts.reduce((n, c) => n + (c === 0 ? 1 : 0), 0);
  const handoffsPerSec = round(order.realHandoffs / sec);
  const jain = round(jainIndex(counts), 4);
  const rotations = round(order.grants / conn.ok, 2);
  const formed = scenario === 'C' ? [`queue formed in ${fmt(queueFormMs / 1000, 1)} s`] : [];
  const duplicates = order.duplicateTokens > 0 ? [`${order.duplicateTokens} DUPLICATE TOKENS`] : [];
  return windowResult(
    w,
    { scenario, mode, sessions: conn.ok },
    {
      connectFailed: conn.failed,
      connectMs: round(conn.ms),
      connectFirstError: conn.firstError,
      queueFormMs: round(queueFormMs),
      handoffsPerSec,
      grantsPerSec: round(order.grants / sec),
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
      scenario: `${scenario} contended path`,
      throughput: `${fmt(handoffsPerSec)} handoffs/s`,
      latency: latencyCell('wait', wait.p50Ms, wait.p99Ms, wait.maxMs),
      other: [
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
