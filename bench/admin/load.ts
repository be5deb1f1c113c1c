import { setTimeout as sleep } from 'node:timers/promises';
import autocannon, { type Instance } from 'autocannon';
import type { BrokerServer } from '../lib/broker.js';
import type { Rig, Window } from '../lib/rig.js';
import { round, summarize, type LatencySummary } from '../lib/stats.js';

/** The admin bench's windows are short: B is read in eleven of them. */
export const ADMIN_WINDOW_MS = 5_000;
/** autocannon starts this long before a window opens, so its connections and the routes' code are warm. */
export const ADMIN_RAMP_MS = 1_000;
/** autocannon's connections: a few, as a handful of consoles and a scraper would open. */
export const ADMIN_CONNECTIONS = 4;

/** What autocannon asks of the broker's admin server during one window. */
export interface AdminLoad {
  /** How the table names it, e.g. `GET /metrics`. */
  name: string;
  /** Paths with their queries; each connection sends them in turn, round and round. */
  paths: string[];
  /** Requests/s over all connections; without it a closed loop, as fast as answers come. */
  ratePerSec?: number;
}

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
 * autocannon firing `load` at the admin server from this process. It counts
 * only the answers that come while `counting`, so the figures cover the
 * drivers' window and not the ramp before it. Latencies are taken from its
 * per-request `response` events: its own histogram keeps whole milliseconds,
 * too coarse for answers that take a fraction of one.
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

  /** Stops counting and sums up what was counted. */
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

function adminUrl(rig: Rig): string {
  const port = (rig.server as BrokerServer).adminPort;
  if (!port) throw new Error('the broker was started without its admin server');
  return `http://127.0.0.1:${port}`;
}

/**
 * One window of `ADMIN_WINDOW_MS` over the rig's drivers, with autocannon on
 * the admin server from `ADMIN_RAMP_MS` before it to its end (no admin load
 * when `load` is null: the baseline beside it).
 */
export async function measureWindow(rig: Rig, load: AdminLoad | null): Promise<LoadedWindow> {
  const cannon = load ? Cannon.fire(adminUrl(rig), load) : null;
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
