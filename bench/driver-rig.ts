import { availableParallelism } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { MEASURE_MS } from './bench-config.js';
import { connectDrivers, type ConnectResult, type DriverChild } from './drivers.js';
import { machineBusyPct, readCpuTimes } from './machine-load.js';
import type { DriverReport, Workload } from './messages.js';
import type { Window } from './rig.js';

/**
 * What every rig does with its drivers, whatever serves them (Baton's broker
 * or a peer's server): connect sessions, start and measure workloads, and
 * read the CPU of the server, its Redis and the machine over a window.
 */
export abstract class DriverRig {
  protected constructor(
    readonly drivers: DriverChild[],
    /** What the drivers connect to. */
    protected readonly endpoint: string,
  ) {}

  /** CPU ms the server has used so far. */
  protected abstract serverCpuMs(): Promise<number>;

  /** CPU ms the bench's Redis has used so far, or null when there is none. */
  protected redisCpuMs(): number | null {
    return null;
  }

  /** Opens `total` sessions spread evenly over the drivers. */
  connect(total: number): Promise<ConnectResult> {
    return connectDrivers(this.drivers, this.endpoint, total);
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

  /** Runs one measured window of `windowMs` (default `MEASURE_MS`) over every driver. */
  measure(windowMs: number = MEASURE_MS): Promise<Window> {
    return this.timed(async () => {
      await Promise.all(this.drivers.map((d) => d.ask({ t: 'measure' }, 'measuring')));
      await sleep(windowMs);
      return Promise.all(this.drivers.map((d) => d.ask({ t: 'report' }, 'report')));
    });
  }

  /** Runs `body`, which yields the drivers' reports, and adds the server's and the machine's CPU over it. */
  async timed(body: () => Promise<DriverReport[]>): Promise<Window> {
    const before = await this.serverCpuMs();
    const machineBefore = readCpuTimes();
    const redisBefore = this.redisCpuMs();
    const startedAt = performance.now();
    const reports = await body();
    const windowMs = performance.now() - startedAt;
    const redisAfter = this.redisCpuMs();
    const after = await this.serverCpuMs();
    const machine = machineBusyPct(machineBefore, readCpuTimes(), availableParallelism());
    const brokerCpuMs = after - before;
    const brokerCpuPct = (brokerCpuMs / windowMs) * 100;
    const redisCpuPct =
      redisBefore === null || redisAfter === null
        ? NaN
        : ((redisAfter - redisBefore) / windowMs) * 100;
    const driversCpuPct = reports.reduce((s, r) => s + (r.cpuMs / r.windowMs) * 100, 0);
    const ours = brokerCpuPct + driversCpuPct + (Number.isNaN(redisCpuPct) ? 0 : redisCpuPct);
    const otherCpuPct = Math.max(0, machine - ours);
    return { reports, windowMs, brokerCpuPct, brokerCpuMs, redisCpuPct, otherCpuPct };
  }

  protected async stopDrivers(): Promise<void> {
    await Promise.all(this.drivers.map((d) => d.stop({ t: 'exit' })));
  }
}
