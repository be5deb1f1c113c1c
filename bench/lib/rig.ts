import { setTimeout as sleep } from 'node:timers/promises';
import { BenchChild } from './child.js';
import { CONNECT_CONCURRENCY, CONNECT_TIMEOUT_MS, MEASURE_MS, SESSION_TTL_MS } from './config.js';
import type { DriverClientOptions } from './broker.js';
import type { DriverCommand, DriverReply } from './driver.js';
import { machineBusyPct, readCpuTimes } from './machine.js';
import type { DriverReport } from './recorder.js';
import { driverFigures, fmt } from './report.js';
import type { Workload } from './workloads.js';

export type DriverChild = BenchChild<DriverCommand, DriverReply>;

/** What a server reports of itself: Baton's broker over IPC, a peer's server from /proc. */
export interface ServerSample {
  rssBytes: number;
  /** NaN for a server that is not a V8 process. */
  heapUsedBytes: number;
  /** User + system CPU since start, µs. */
  cpuUs: number;
  /** Redis modes: entry made → durable over the mirror's recent batches, ms. */
  mirrorLag: { p50: number; p99: number } | null;
}

/** What serves the drivers: Baton's broker process (broker.ts) or a peer's server (bench/peers/). */
export interface Server {
  readonly endpoint: string;
  /** What the drivers' Baton clients add to their options (a TLS CA, a token); none for a peer. */
  readonly clientOptions?: DriverClientOptions;
  sample(): Promise<ServerSample>;
  /** CPU ms of the bench's Redis beside the server so far, or null without one. */
  redisCpuMs(): number | null;
  /** A full collection, where the server lets one be asked for. */
  gc(): Promise<void>;
  /** Sessions in the queue of `path`, holders included; null where only the drivers can tell. */
  queueLength(path: string): Promise<number | null>;
  stop(): Promise<void>;
}

/** The system under test of one row: its name (a broker mode or a peer) and a fresh rig per run. */
export interface Target {
  name: string;
  /** `exposeGc`: the server may run `gc()` before RSS readings (scenario E). */
  start(o: { drivers: number; exposeGc?: boolean }): Promise<Rig>;
}

/** A measured window. CPU figures: 100 = one core; NaN where unknown (no Redis, not Linux). */
export interface Window {
  reports: DriverReport[];
  /** Wall time of the window as the runner saw it. */
  windowMs: number;
  brokerCpuPct: number;
  brokerCpuMs: number;
  redisCpuPct: number;
  /** Everything but the server, its Redis and the drivers. */
  otherCpuPct: number;
  /** At the window's end. */
  mirrorLag: ServerSample['mirrorLag'];
}

/** Calls of `takeTurns` in this process: which target leads alternates with it. */
let calls = 0;

/**
 * Rigs on `targets` at once, each readied by `prepare`, then `turns` turns of
 * `take` on each, one rig after the other and each first in every other turn,
 * so they all meet the same spells of a noisy machine (scenarios DP, AP, BP, CP).
 * `take` gets the rig and its target's index. The rigs are closed at the end,
 * whatever happened.
 *
 * Which target is readied first and measured first alternates from call to
 * call, so over a scenario's rounds each leads in about half: two copies of
 * one build, B, read 0.97 (five rounds) with the copy named first leading
 * and 1.014 (six) with the other leading (2026-12-07 22:01–22:07).
 */
export async function takeTurns(
  targets: readonly Target[],
  drivers: number,
  prepare: (rig: Rig) => Promise<void>,
  turns: number,
  take: (rig: Rig, index: number) => Promise<void>,
): Promise<void> {
  const indexes = targets.map((_, index) => index);
  if (calls++ % 2 === 1) indexes.reverse();
  const order: { rig: Rig; index: number }[] = [];
  try {
    for (const index of indexes) {
      const rig = await (targets[index] as Target).start({ drivers });
      order.push({ rig, index });
      await prepare(rig);
    }
    for (let turn = 0; turn < turns; turn++) {
      for (const { rig, index } of turn % 2 === 0 ? order : [...order].reverse()) {
        await take(rig, index);
      }
    }
  } finally {
    // Drivers before their servers (Rig.close); the rigs one after the other.
    for (const { rig } of order.reverse()) await rig.close();
  }
}

/** `BATON_BENCH_CPU_PROF=dir` writes a V8 CPU profile of every broker and driver into `dir`. */
export function profileArgs(): string[] {
  const dir = process.env['BATON_BENCH_CPU_PROF'];
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

/** Forks `count` drivers (with `env`: a peer's sessions) and waits until each is ready. */
export async function forkDrivers(count: number, env = {}): Promise<DriverChild[]> {
  const drivers = Array.from(
    { length: count },
    (_, i): DriverChild => new BenchChild(`driver ${i + 1}`, './driver.js', profileArgs(), env),
  );
  // One that fails fails the row, and `attempt` then kills every child.
  await Promise.all(drivers.map((d) => d.next()));
  return drivers;
}

/**
 * Opens `total` sessions spread evenly over the drivers, at most
 * CONNECT_CONCURRENCY at a time in all. `url` may list several brokers
 * (scenario F): a client moves on to the next when one is down or a standby.
 */
export async function connectDrivers(
  drivers: readonly DriverChild[],
  url: string | string[],
  total: number,
  client: DriverClientOptions = {},
) {
  const startedAt = performance.now();
  const n = drivers.length;
  let first = 0;
  const asks = drivers.map((d, i) => {
    const count = Math.floor(total / n) + (i < total % n ? 1 : 0);
    const concurrency = Math.max(1, Math.floor(CONNECT_CONCURRENCY / n));
    const ask = { t: 'connect', url, first, count, concurrency, client } as const;
    first += count;
    const options = { ttlMs: SESSION_TTL_MS, timeoutMs: CONNECT_TIMEOUT_MS };
    return d.ask({ ...ask, ...options }, 'connected', CONNECT_TIMEOUT_MS * 2);
  });
  const replies = await Promise.all(asks);
  return {
    ok: replies.reduce((s, r) => s + r.ok, 0),
    failed: replies.reduce((s, r) => s + r.failed, 0),
    firstError: replies.find((r) => r.firstError !== null)?.firstError ?? null,
    ms: performance.now() - startedAt,
  };
}

/**
 * One run's processes: a fresh server (so no run inherits another's heap,
 * sessions or keys) and the driver processes that load it. `close` stops
 * them all, whatever happened before.
 */
export class Rig {
  /** The errors the drivers had counted when the rig closed, or null. */
  driverErrors: string | null = null;

  private constructor(
    readonly server: Server,
    readonly drivers: DriverChild[],
  ) {}

  /** Starts the server, then forks the drivers; a failure stops the server. */
  static async start(
    startServer: () => Promise<Server>,
    drivers: number,
    env: Record<string, string> = {},
  ): Promise<Rig> {
    const server = await startServer();
    try {
      return new Rig(server, await forkDrivers(drivers, env));
    } catch (err) {
      await server.stop();
      throw err;
    }
  }

  connect(total: number) {
    return connectDrivers(this.drivers, this.server.endpoint, total, this.server.clientOptions);
  }

  async startWorkload(workload: Workload): Promise<void> {
    await Promise.all(this.drivers.map((d) => d.ask({ t: 'start', workload }, 'started')));
  }

  /** For workloads that run to completion in one driver and answer with their report (D). */
  runToReport(workload: Workload, timeoutMs: number): Promise<DriverReport> {
    return (this.drivers[0] as DriverChild).ask({ t: 'start', workload }, 'report', timeoutMs);
  }

  /** The loops wait at their next acquire (AP, BP, CP), until `resume`. */
  async pause(): Promise<void> {
    await Promise.all(this.drivers.map((d) => d.ask({ t: 'pause' }, 'paused')));
  }

  async resume(): Promise<void> {
    await Promise.all(this.drivers.map((d) => d.ask({ t: 'resume' }, 'resumed')));
  }

  go(): void {
    for (const d of this.drivers) d.send({ t: 'go' });
  }

  /** The server's count where it has one, else what the drivers count. */
  async queueLength(path: string): Promise<number> {
    const counted = await this.server.queueLength(path);
    if (counted !== null) return counted;
    const replies = await Promise.all(this.drivers.map((d) => d.ask({ t: 'queued' }, 'queued')));
    return replies.reduce((s, r) => s + r.count, 0);
  }

  /** One measured window of `windowMs` over every driver. */
  measure(windowMs: number = MEASURE_MS): Promise<Window> {
    return this.timed(async () => {
      await Promise.all(this.drivers.map((d) => d.ask({ t: 'measure' }, 'measuring')));
      await sleep(windowMs);
      return Promise.all(this.drivers.map((d) => d.ask({ t: 'report' }, 'report')));
    });
  }

  /** Runs `body`, which yields the drivers' reports, and adds the CPU used over it. */
  async timed(body: () => Promise<DriverReport[]>): Promise<Window> {
    const before = await this.server.sample();
    const machineBefore = readCpuTimes();
    const redisBefore = this.server.redisCpuMs();
    const startedAt = performance.now();
    const reports = await body();
    const windowMs = performance.now() - startedAt;
    const redisAfter = this.server.redisCpuMs();
    const after = await this.server.sample();
    const machine = machineBusyPct(machineBefore, readCpuTimes());
    const brokerCpuMs = (after.cpuUs - before.cpuUs) / 1000;
    const brokerCpuPct = (brokerCpuMs / windowMs) * 100;
    const redisCpuPct =
      redisBefore === null || redisAfter === null
        ? NaN
        : ((redisAfter - redisBefore) / windowMs) * 100;
    const driversCpuPct = reports.reduce((s, r) => s + (r.cpuMs / r.windowMs) * 100, 0);
    const ours = brokerCpuPct + driversCpuPct + (Number.isNaN(redisCpuPct) ? 0 : redisCpuPct);
    const otherCpuPct = Math.max(0, machine - ours);
    const mirrorLag = after.mirrorLag;
    return { reports, windowMs, brokerCpuPct, brokerCpuMs, redisCpuPct, otherCpuPct, mirrorLag };
  }

  /** Drivers first: a server that outlives its clients only sees them leave. */
  async close(): Promise<void> {
    this.driverErrors = await this.errorsSoFar();
    await Promise.all(this.drivers.map((d) => d.stop({ t: 'exit' })));
    await this.server.stop();
  }

  /** What the drivers' recorders counted since their sessions opened; null if none or no answer. */
  private async errorsSoFar(): Promise<string | null> {
    try {
      const asks = this.drivers.map((d) => d.ask({ t: 'report' }, 'report', 5_000));
      const { errors, firstError } = driverFigures({ reports: await Promise.all(asks) });
      return errors > 0
        ? `the drivers counted ${fmt(errors)} errors, the first: ${firstError}`
        : null;
    } catch {
      // Drivers already gone (a stalled run's are killed first): nothing more to say.
      return null;
    }
  }
}
