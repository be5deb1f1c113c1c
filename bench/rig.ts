import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CONNECT_CONCURRENCY,
  CONNECT_TIMEOUT_MS,
  MEASURE_MS,
  SESSION_TTL_MS,
} from './bench-config.js';
import { BenchChild } from './bench-child.js';
import { machineBusyPct, readCpuTimes } from './machine-load.js';
import type {
  BrokerCommand,
  BrokerReply,
  BrokerSample,
  DriverCommand,
  DriverReply,
  DriverReport,
  Workload,
} from './messages.js';

type BrokerChild = BenchChild<BrokerCommand, BrokerReply>;
type DriverChild = BenchChild<DriverCommand, DriverReply>;

export interface RigOptions {
  drivers: number;
  /** Lets the broker run `gc()` before RSS readings (scenario E). */
  exposeGc?: boolean;
}

export interface ConnectResult {
  ok: number;
  failed: number;
  firstError: string | null;
  ms: number;
}

export interface Window {
  reports: DriverReport[];
  /** Wall time of the window as the runner saw it. */
  windowMs: number;
  /** Broker CPU time in the window over its wall time; 100 = one core busy. */
  brokerCpuPct: number;
  /** Broker CPU time (user + system) in the window, ms. */
  brokerCpuMs: number;
  /**
   * CPU used during the window by everything but the broker and the drivers
   * (other tenants of a shared machine); 100 = one core. NaN off Linux.
   */
  otherCpuPct: number;
}

/**
 * One scenario's processes: a fresh broker (so no scenario inherits another's
 * heap or sessions) and its drivers. `close` kills them all and removes the
 * broker's data dir, whatever happened before.
 */
export class Rig {
  private constructor(
    readonly broker: BrokerChild,
    readonly drivers: DriverChild[],
    readonly url: string,
    private readonly dataDir: string,
  ) {}

  static async start(o: RigOptions): Promise<Rig> {
    const dataDir = await mkdtemp(join(tmpdir(), 'baton-bench-'));
    const execArgv = [...(o.exposeGc ? ['--expose-gc'] : []), ...profileArgs()];
    const broker: BrokerChild = BenchChild.fork('broker', './broker-process.js', execArgv, {
      BATON_BENCH_DATA_DIR: dataDir,
    });
    const drivers: DriverChild[] = [];
    try {
      for (let i = 0; i < o.drivers; i++) {
        drivers.push(BenchChild.fork(`driver ${i + 1}`, './driver.js', profileArgs()));
      }
      if (profileArgs().length > 0) {
        const pids = drivers.map((d) => d.pid).join(', ');
        process.stderr.write(`bench: profiling broker pid ${broker.pid}, drivers ${pids}\n`);
      }
      const ready = await broker.next();
      if (ready.t !== 'ready') throw new Error(`broker: expected ready, got ${ready.t}`);
      for (const d of drivers) await d.next();
      return new Rig(broker, drivers, `ws://127.0.0.1:${ready.port}`, dataDir);
    } catch (err) {
      broker.kill();
      for (const d of drivers) d.kill();
      await rm(dataDir, { recursive: true, force: true });
      throw err;
    }
  }

  /** Opens `total` sessions spread evenly over the drivers. */
  async connect(total: number): Promise<ConnectResult> {
    const startedAt = performance.now();
    const n = this.drivers.length;
    let first = 0;
    const asks = this.drivers.map((d, i) => {
      const count = Math.floor(total / n) + (i < total % n ? 1 : 0);
      const ask = d.ask(
        {
          t: 'connect',
          url: this.url,
          first,
          count,
          concurrency: Math.max(1, Math.floor(CONNECT_CONCURRENCY / n)),
          ttlMs: SESSION_TTL_MS,
          timeoutMs: CONNECT_TIMEOUT_MS,
        },
        'connected',
        CONNECT_TIMEOUT_MS * 2,
      );
      first += count;
      return ask;
    });
    const replies = await Promise.all(asks);
    return {
      ok: replies.reduce((s, r) => s + r.ok, 0),
      failed: replies.reduce((s, r) => s + r.failed, 0),
      firstError: replies.find((r) => r.firstError !== null)?.firstError ?? null,
      ms: performance.now() - startedAt,
    };
  }

  async startWorkload(workload: Workload): Promise<void> {
    await Promise.all(this.drivers.map((d) => d.ask({ t: 'start', workload }, 'started')));
  }

  /** For workloads that run to completion in one driver and answer with their report. */
  async runToReport(workload: Workload, timeoutMs: number): Promise<DriverReport> {
    const [driver] = this.drivers;
    if (!driver) throw new Error('no driver');
    return driver.ask({ t: 'start', workload }, 'report', timeoutMs);
  }

  go(): void {
    for (const d of this.drivers) d.send({ t: 'go' });
  }

  sample(): Promise<BrokerSample> {
    return this.broker.ask({ t: 'sample' }, 'sample');
  }

  async queueLength(path: string): Promise<number> {
    const q = await this.broker.ask({ t: 'queue', path }, 'queue');
    return q.waiting + (q.holder ? 1 : 0);
  }

  async gc(): Promise<void> {
    await this.broker.ask({ t: 'gc' }, 'gc-done');
  }

  /** Runs one measured window of `MEASURE_MS` over every driver. */
  measure(): Promise<Window> {
    return this.timed(async () => {
      await Promise.all(this.drivers.map((d) => d.ask({ t: 'measure' }, 'measuring')));
      await sleep(MEASURE_MS);
      return Promise.all(this.drivers.map((d) => d.ask({ t: 'report' }, 'report')));
    });
  }

  /** Runs `body`, which yields the drivers' reports, and adds the broker's and the machine's CPU over it. */
  async timed(body: () => Promise<DriverReport[]>): Promise<Window> {
    const before = await this.sample();
    const machineBefore = readCpuTimes();
    const startedAt = performance.now();
    const reports = await body();
    const windowMs = performance.now() - startedAt;
    const after = await this.sample();
    const machine = machineBusyPct(machineBefore, readCpuTimes(), availableParallelism());
    const brokerCpuMs = (after.cpuUs - before.cpuUs) / 1000;
    const brokerCpuPct = (brokerCpuMs / windowMs) * 100;
    const driversCpuPct = reports.reduce((s, r) => s + (r.cpuMs / r.windowMs) * 100, 0);
    const otherCpuPct = Math.max(0, machine - brokerCpuPct - driversCpuPct);
    return { reports, windowMs, brokerCpuPct, brokerCpuMs, otherCpuPct };
  }

  async close(): Promise<void> {
    // Drivers first: a broker that outlives its clients only sees them leave.
    await Promise.all(this.drivers.map((d) => d.stop({ t: 'exit' })));
    await this.broker.stop({ t: 'exit' });
    await rm(this.dataDir, { recursive: true, force: true });
  }
}

/** `BATON_BENCH_CPU_PROF=dir` writes a V8 CPU profile of every broker and driver into `dir`. */
function profileArgs(): string[] {
  const dir = process.env['BATON_BENCH_CPU_PROF'];
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}
