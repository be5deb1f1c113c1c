import { setTimeout as sleep } from 'node:timers/promises';
import { brokerTarget } from '../lib/broker.js';
import {
  CONTEND_SESSIONS,
  HOT_PATH,
  IDLE_SESSIONS,
  SMALL_DRIVERS,
  TWO_DRIVERS_FROM,
  WARMUP_MS,
} from '../lib/config.js';
import { brokerMode } from '../lib/modes.js';
import type { Result } from '../lib/result.js';
import type { Rig } from '../lib/rig.js';
import { waitForQueue } from '../scenarios/contention.js';
import { measureWindow, type AdminLoad, type LoadedWindow } from './load.js';
import { contendedResult, standingQueueResult } from './result.js';

/**
 * The paced loads' rate over all connections, requests/s. A console open on
 * a busy broker asks for its two lists at most once a second and an open
 * lock's detail at most four times a second, so this is some 16 consoles.
 */
const ADMIN_PACED_RATE = 100;
/** Page size asked of the list views: the console's and the API's default. */
const PAGE = 'limit=50';
const METRICS = '/metrics';
const LOCKS = `/api/locks?${PAGE}`;
const HOT_LOCK = `/api/lock?path=${encodeURIComponent(HOT_PATH)}&${PAGE}`;
const SESSIONS = `/api/sessions?${PAGE}`;

/**
 * B's admin loads: each route alone, then the three mixed, at a heavy but
 * real pace (`ADMIN_PACED_RATE`: some 16 open consoles, or a scraper far
 * keener than Prometheus' 15 s); the target is read on these. Last, the mix
 * as fast as the broker answers: no operator load looks like it, but it
 * shows what each request costs the handoff chain, which shares one loop.
 */
const CONTENDED_LOADS: readonly AdminLoad[] = [
  {
    name: `GET /metrics, ${ADMIN_PACED_RATE} req/s`,
    paths: [METRICS],
    ratePerSec: ADMIN_PACED_RATE,
  },
  {
    name: `GET /api/locks, ${ADMIN_PACED_RATE} req/s`,
    paths: [LOCKS],
    ratePerSec: ADMIN_PACED_RATE,
  },
  {
    name: `GET /api/lock (hot path), ${ADMIN_PACED_RATE} req/s`,
    paths: [HOT_LOCK],
    ratePerSec: ADMIN_PACED_RATE,
  },
  {
    name: `the three mixed, ${ADMIN_PACED_RATE} req/s`,
    paths: [METRICS, LOCKS, HOT_LOCK],
    ratePerSec: ADMIN_PACED_RATE,
  },
  { name: 'the three mixed, unpaced (saturating)', paths: [METRICS, LOCKS, HOT_LOCK] },
];

const MANY_LOADS: readonly AdminLoad[] = [
  { name: 'GET /metrics', paths: [METRICS] },
  { name: 'GET /api/locks', paths: [LOCKS] },
  { name: 'GET /api/lock (10,000 queue)', paths: [HOT_LOCK] },
  { name: 'GET /api/sessions', paths: [SESSIONS] },
];

/** A fresh embedded broker with its admin server, and `drivers` drivers. */
function startRig(drivers: number): Promise<Rig> {
  const embedded = (): ReturnType<typeof brokerMode> => brokerMode('embedded', null, 'admin');
  return brokerTarget('embedded', embedded, true).start({ drivers });
}

/** Connects `sessions` and queues them all on the hot path (held by the first, as in B and C). */
async function formQueue(rig: Rig, sessions: number): Promise<number> {
  const startedAt = performance.now();
  const conn = await rig.connect(sessions);
  await rig.startWorkload({ kind: 'contend', path: HOT_PATH });
  await waitForQueue(rig, HOT_PATH, conn.ok, startedAt);
  return conn.ok;
}

/**
 * B with admin load: B's sessions hand the hot path round, and windows
 * without and with admin load take turns, starting and ending without, so
 * each loaded window is read against the two beside it and a drift of the
 * machine's load shows rather than passing for the admin's cost.
 */
export async function contendedWithAdmin(): Promise<Result[]> {
  const rig = await startRig(SMALL_DRIVERS);
  try {
    const sessions = await formQueue(rig, CONTEND_SESSIONS);
    rig.go();
    await sleep(WARMUP_MS);
    const plan = [null, ...CONTENDED_LOADS.flatMap((load) => [load, null])];
    const windows: LoadedWindow[] = [];
    for (const load of plan) windows.push(await measureWindow(rig, load));
    return windows.map((lw, i) => {
      const load = plan[i] ?? null;
      const beside = load ? [windows[i - 1], windows[i + 1]] : [];
      return contendedResult(
        sessions,
        lw,
        load,
        beside.filter((x) => x !== undefined),
      );
    });
  } finally {
    await rig.close();
  }
}

/**
 * 10,000 sessions open, all queued on the hot path and standing still (no
 * `go`: the first holds it), so the lock detail pages through a queue of
 * 10,000 and the sessions view through 10,000 sessions.
 */
export async function standingQueueWithAdmin(): Promise<Result[]> {
  const rig = await startRig(IDLE_SESSIONS >= TWO_DRIVERS_FROM ? 2 : 1);
  try {
    const sessions = await formQueue(rig, IDLE_SESSIONS);
    const results: Result[] = [];
    for (const load of MANY_LOADS) {
      results.push(standingQueueResult(sessions, await measureWindow(rig, load), load));
    }
    return results;
  } finally {
    await rig.close();
  }
}
