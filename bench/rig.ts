import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BenchChild } from './bench-child.js';
import { DriverRig } from './driver-rig.js';
import { forkDrivers, profileArgs, type ConnectResult, type DriverChild } from './drivers.js';
import { readProcessCpuMs } from './machine-load.js';
import type {
  BrokerCommand,
  BrokerReply,
  BrokerSample,
  DriverReport,
  Workload,
} from './messages.js';
import type { BrokerMode } from './modes.js';

type BrokerChild = BenchChild<BrokerCommand, BrokerReply>;

export interface RigOptions {
  drivers: number;
  /** Embedded, or Redis-backed at one consistency level. */
  mode: BrokerMode;
  /** Lets the broker run `gc()` before RSS readings (scenario E). */
  exposeGc?: boolean;
  /** Also starts the broker's admin HTTP server (bench/admin-run.ts). */
  admin?: boolean;
}

export interface Window {
  reports: DriverReport[];
  /** Wall time of the window as the runner saw it. */
  windowMs: number;
  /** Broker CPU time in the window over its wall time; 100 = one core busy. */
  brokerCpuPct: number;
  /** Broker CPU time (user + system) in the window, ms. */
  brokerCpuMs: number;
  /** CPU of the bench's Redis in the window (Redis modes); 100 = one core. NaN without Redis. */
  redisCpuPct: number;
  /**
   * CPU used during the window by everything but the broker, its Redis and
   * the drivers (other tenants of a shared machine); 100 = one core. NaN off Linux.
   */
  otherCpuPct: number;
}

/** What scenarios A–D need of their processes: Baton's broker rig here, a peer's in bench/peers/. */
export interface BenchRig {
  connect(total: number): Promise<ConnectResult>;
  startWorkload(workload: Workload): Promise<void>;
  runToReport(workload: Workload, timeoutMs: number): Promise<DriverReport>;
  go(): void;
  measure(): Promise<Window>;
  timed(body: () => Promise<DriverReport[]>): Promise<Window>;
  /** Sessions waiting in or holding the queue of `path`. */
  queueLength(path: string): Promise<number>;
  close(): Promise<void>;
}

/** The system under test of one row: its name (a broker mode or a peer) and how to set it up. */
export interface Target {
  name: string;
  start(o: { drivers: number }): Promise<BenchRig>;
}

/** A fresh Baton broker in `mode` per scenario. */
export function brokerTarget(mode: BrokerMode): Target {
  return { name: mode.name, start: (o) => Rig.start({ ...o, mode }) };
}

/**
 * One scenario's processes: a fresh broker (so no scenario inherits another's
 * heap or sessions) and its drivers. `close` kills them all and removes the
 * broker's data dir, whatever happened before.
 */
export class Rig extends DriverRig implements BenchRig {
  private constructor(
    readonly broker: BrokerChild,
    drivers: DriverChild[],
    readonly url: string,
    private readonly dataDir: string,
    private readonly redisPid: number | null,
    /** The admin HTTP server's port on 127.0.0.1 when started with `admin`, else null. */
    readonly adminPort: number | null,
  ) {
    super(drivers, url);
  }

  static async start(o: RigOptions): Promise<Rig> {
    const dataDir = await mkdtemp(join(tmpdir(), 'baton-bench-'));
    const execArgv = [...(o.exposeGc ? ['--expose-gc'] : []), ...profileArgs()];
    const redis = o.mode.redis;
    const broker: BrokerChild = BenchChild.fork('broker', './broker-process.js', execArgv, {
      BATON_BENCH_DATA_DIR: dataDir,
      BATON_BENCH_CONSISTENCY: o.mode.consistency,
      ...(redis && { BATON_BENCH_REDIS_URL: redis.url, BATON_BENCH_REDIS_CLUSTER: redis.cluster }),
      ...(o.admin && { BATON_BENCH_ADMIN: '1' }),
    });
    let drivers: DriverChild[] = [];
    try {
      drivers = await forkDrivers(o.drivers);
      if (profileArgs().length > 0) {
        const pids = drivers.map((d) => d.pid).join(', ');
        process.stderr.write(`bench: profiling broker pid ${broker.pid}, drivers ${pids}\n`);
      }
      const ready = await broker.next();
      if (ready.t !== 'ready') throw new Error(`broker: expected ready, got ${ready.t}`);
      const url = `ws://127.0.0.1:${ready.port}`;
      return new Rig(broker, drivers, url, dataDir, redis?.pid ?? null, ready.adminPort ?? null);
    } catch (err) {
      broker.kill();
      for (const d of drivers) d.kill();
      await rm(dataDir, { recursive: true, force: true });
      throw err;
    }
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

  protected override async serverCpuMs(): Promise<number> {
    return (await this.sample()).cpuUs / 1000;
  }

  protected override redisCpuMs(): number | null {
    return this.redisPid === null ? null : readProcessCpuMs(this.redisPid);
  }

  async close(): Promise<void> {
    // Drivers first: a broker that outlives its clients only sees them leave.
    await this.stopDrivers();
    await this.broker.stop({ t: 'exit' });
    await rm(this.dataDir, { recursive: true, force: true });
  }
}
