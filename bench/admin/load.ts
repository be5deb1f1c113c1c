import { setTimeout as sleep } from 'node:timers/promises';
import autocannon, { type Instance } from 'autocannon';
import type { BrokerServer } from '../lib/broker.js';
import { HOT_PATH } from '../lib/config.js';
import type { Rig, Window } from '../lib/rig.js';
import { round, summarize, type LatencySummary } from '../lib/stats.js';

/** The admin bench's windows are short: B is read in eleven of them. */
export const ADMIN_WINDOW_MS = 5_000;
/** autocannon starts this long before a window, so its connections and the routes are warm. */
export const ADMIN_RAMP_MS = 1_000;
/** autocannon's connections: a few, as a handful of consoles and a scraper would open. */
export const ADMIN_CONNECTIONS = 4;

/** What autocannon asks of the broker's admin server during one window. */
export interface AdminLoad {
  name: string;
  /** Each connection sends these in turn, round and round. */
  paths: string[];
  /** Over all connections; without it a closed loop, as fast as answers come. */
  ratePerSec?: number;
}

/**
 * The paced loads' rate, requests/s: a console on a busy broker asks for its
 * two lists at most once a second and an open lock's detail at most four
 * times a second, so this is some 16 consoles.
 */
const PACED_RATE = 100;
/** Page size asked of the list views: the console's and the API's default. */
const PAGE = 'limit=50';
const METRICS = '/metrics';
const LOCKS = `/api/locks?${PAGE}`;
const HOT_LOCK = `/api/lock?path=${encodeURIComponent(HOT_PATH)}&${PAGE}`;
const SESSIONS = `/api/sessions?${PAGE}`;

const paced = (name: string, paths: string[]): AdminLoad => ({
  name: `${name}, ${PACED_RATE} req/s`,
  paths,
  ratePerSec: PACED_RATE,
});

/**
 * B's admin loads: each route alone, then the three mixed, at a heavy but
 * real pace (some 16 open consoles, or a scraper far keener than
 * Prometheus' 15 s); the target is read on these. Last, the mix as fast as
 * the broker answers: no operator load looks like it, but it shows what each
 * request costs the handoff chain, which shares one loop.
 */
export const CONTENDED_LOADS: readonly AdminLoad[] = [
  paced('GET /metrics', [METRICS]),
  paced('GET /api/locks', [LOCKS]),
  paced('GET /api/lock (hot path)', [HOT_LOCK]),
  paced('the three mixed', [METRICS, LOCKS, HOT_LOCK]),
  { name: 'the three mixed, unpaced (saturating)', paths: [METRICS, LOCKS, HOT_LOCK] },
];

export const MANY_LOADS: readonly AdminLoad[] = [
  { name: 'GET /metrics', paths: [METRICS] },
  { name: 'GET /api/locks', paths: [LOCKS] },
  { name: 'GET /api/lock (10,000 queue)', paths: [HOT_LOCK] },
  { name: 'GET /api/sessions', paths: [SESSIONS] },
];

/** autocannon's side of a window; `errors`: requests that failed or timed out. */
export interface HttpFigures extends LatencySummary {
  requestsPerSec: number;
  non2xx: number;
  errors: number;
}

/**
 * One measured window of the drivers, with the admin load beside it, if any;
 * the runner's CPU (autocannon's, nearly all of it) is taken out of "others".
 */
export interface LoadedWindow {
  w: Window;
  http: HttpFigures | null;
  runnerCpuPct: number;
  otherCpuPct: number;
}

/**
 * autocannon firing `load` at the admin server from this process, counting
 * only inside the drivers' window. Latencies come from its per-request
 * events: its own histogram keeps whole milliseconds, too coarse here.
 */
class Cannon {
  private readonly latenciesMs: number[] = [];
  private non2xx = 0;
  private errors = 0;
  private countingSince: number | null = null;

  private constructor(
    private readonly instance: Instance,
    private readonly done: Promise<Error | null>,
  ) {
    instance.on('response', (_client, status, _bytes, ms) => {
      if (this.countingSince === null) return;
      this.latenciesMs.push(ms);
      if (status < 200 || status > 299) this.non2xx++;
    });
    instance.on('reqError', () => {
      if (this.countingSince !== null) this.errors++;
    });
  }

  static fire(baseUrl: string, load: AdminLoad): Cannon {
    // Settles with the error rather than rejecting, so a failure before
    // anyone awaits it cannot become an unhandled rejection.
    let finish: (err: Error | null) => void = () => {};
    const done = new Promise<Error | null>((resolve) => (finish = resolve));
    const instance = autocannon(
      {
        url: baseUrl,
        connections: ADMIN_CONNECTIONS,
        // A bound in case `stop` is never reached; `stop` ends it sooner.
        duration: Math.ceil((ADMIN_RAMP_MS + 2 * ADMIN_WINDOW_MS) / 1000) + 10,
        requests: load.paths.map((path) => ({ method: 'GET', path })),
        ...(load.ratePerSec !== undefined && { overallRate: load.ratePerSec }),
      },
      (err) => finish(err),
    );
    return new Cannon(instance, done);
  }

  startCounting(): void {
    this.countingSince = performance.now();
  }

  figures(): HttpFigures {
    const since = this.countingSince ?? performance.now();
    this.countingSince = null;
    const sec = (performance.now() - since) / 1000;
    return {
      ...summarize([Float64Array.from(this.latenciesMs)]),
      requestsPerSec: round(this.latenciesMs.length / sec),
      non2xx: this.non2xx,
      errors: this.errors,
    };
  }

  /** Stops the load and waits until autocannon has closed its connections. */
  async stop(): Promise<void> {
    this.instance.stop();
    const err = await this.done;
    if (err) throw new Error(`autocannon: ${err.message}`);
  }
}

/**
 * One window of `ADMIN_WINDOW_MS` over the rig's drivers, with autocannon on
 * the admin server from `ADMIN_RAMP_MS` before it to its end (no admin load
 * when `load` is null: the baseline beside it).
 */
export async function measureWindow(rig: Rig, load: AdminLoad | null): Promise<LoadedWindow> {
  const url = `http://127.0.0.1:${(rig.server as BrokerServer).adminPort}`;
  const cannon = load ? Cannon.fire(url, load) : null;
  try {
    if (cannon) {
      await sleep(ADMIN_RAMP_MS);
      cannon.startCounting();
    }
    const cpuBefore = process.cpuUsage();
    const w = await rig.measure(ADMIN_WINDOW_MS);
    const cpu = process.cpuUsage(cpuBefore);
    const http = cannon ? cannon.figures() : null;
    const runnerCpuPct = ((cpu.user + cpu.system) / 1000 / w.windowMs) * 100;
    return { w, http, runnerCpuPct, otherCpuPct: Math.max(0, w.otherCpuPct - runnerCpuPct) };
  } finally {
    await cannon?.stop();
  }
}
