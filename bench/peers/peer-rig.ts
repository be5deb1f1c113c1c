import { availableParallelism } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { MEASURE_MS } from '../bench-config.js';
import { BenchChild } from '../bench-child.js';
import { connectDrivers, profileArgs, type ConnectResult, type DriverChild } from '../drivers.js';
import { machineBusyPct, readCpuTimes, readProcessCpuMs } from '../machine-load.js';
import type { DriverReport, Workload } from '../messages.js';
import type { BenchRig, Target, Window } from '../rig.js';
import type { PeerName } from './peer-config.js';
import { startPeerServer, type PeerServer } from './servers.js';

/**
 * One scenario's processes for a peer: a fresh server of the peer (so no
 * scenario inherits another's keys, sessions or leases) and Baton's own
 * driver processes, told by `BATON_BENCH_PEER` to open the peer's sessions.
 * In the figures, the server takes the broker's place: its CPU is read from
 * /proc/<pid>/stat over the same window.
 */
export class PeerRig implements BenchRig {
  private constructor(
    private readonly server: PeerServer,
    private readonly drivers: DriverChild[],
  ) {}

  static async start(peer: PeerName, driverCount: number): Promise<PeerRig> {
    const server = await startPeerServer(peer);
    const drivers: DriverChild[] = [];
    try {
      for (let i = 0; i < driverCount; i++) {
        drivers.push(
          BenchChild.fork(`driver ${i + 1}`, './driver.js', profileArgs(), {
            BATON_BENCH_PEER: peer,
          }),
        );
      }
      for (const d of drivers) await d.next();
      return new PeerRig(server, drivers);
    } catch (err) {
      for (const d of drivers) d.kill();
      await server.stop();
      throw err;
    }
  }

  connect(total: number): Promise<ConnectResult> {
    return connectDrivers(this.drivers, this.server.endpoint, total);
  }

  async startWorkload(workload: Workload): Promise<void> {
    await Promise.all(this.drivers.map((d) => d.ask({ t: 'start', workload }, 'started')));
  }

  async runToReport(workload: Workload, timeoutMs: number): Promise<DriverReport> {
    const [driver] = this.drivers;
    if (!driver) throw new Error('no driver');
    return driver.ask({ t: 'start', workload }, 'report', timeoutMs);
  }

  go(): void {
    for (const d of this.drivers) d.send({ t: 'go' });
  }

  /** No server view of a queue is asked for: each driver counts its sessions in one. */
  async queueLength(): Promise<number> {
    const replies = await Promise.all(this.drivers.map((d) => d.ask({ t: 'queued' }, 'queued')));
    return replies.reduce((s, r) => s + r.count, 0);
  }

  measure(): Promise<Window> {
    return this.timed(async () => {
      await Promise.all(this.drivers.map((d) => d.ask({ t: 'measure' }, 'measuring')));
      await sleep(MEASURE_MS);
      return Promise.all(this.drivers.map((d) => d.ask({ t: 'report' }, 'report')));
    });
  }

  /** As Rig.timed, with the peer's server in the broker's place. */
  async timed(body: () => Promise<DriverReport[]>): Promise<Window> {
    const before = readProcessCpuMs(this.server.pid) ?? NaN;
    const machineBefore = readCpuTimes();
    const startedAt = performance.now();
    const reports = await body();
    const windowMs = performance.now() - startedAt;
    const after = readProcessCpuMs(this.server.pid) ?? NaN;
    const machine = machineBusyPct(machineBefore, readCpuTimes(), availableParallelism());
    const brokerCpuMs = after - before;
    const brokerCpuPct = (brokerCpuMs / windowMs) * 100;
    const driversCpuPct = reports.reduce((s, r) => s + (r.cpuMs / r.windowMs) * 100, 0);
    const otherCpuPct = Math.max(0, machine - brokerCpuPct - driversCpuPct);
    return { reports, windowMs, brokerCpuPct, brokerCpuMs, redisCpuPct: NaN, otherCpuPct };
  }

  async close(): Promise<void> {
    await Promise.all(this.drivers.map((d) => d.stop({ t: 'exit' })));
    await this.server.stop();
  }
}

export function peerTarget(peer: PeerName): Target {
  return { name: peer, start: (o) => PeerRig.start(peer, o.drivers) };
}
