import { readFileSync } from 'node:fs';
import { BenchChild } from '../bench-child.js';
import { DriverRig } from '../driver-rig.js';
import { profileArgs, type DriverChild } from '../drivers.js';
import { readProcessCpuMs } from '../machine-load.js';
import { driverFigures, fmt } from '../result.js';
import type { BenchRig } from '../rig.js';
import type { IdleRig } from '../scenarios.js';
import { ERRORS_REPORT_TIMEOUT_MS, type PeerName } from './peer-config.js';
import { startPeerServer, type PeerServer } from './servers.js';

/** Resident set of another process in bytes (VmRSS of /proc/<pid>/status), or null. */
function readProcessRssBytes(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
    return kib === undefined ? null : Number(kib) * 1024;
  } catch {
    return null;
  }
}

/**
 * One scenario's processes for a peer: a fresh server of the peer (so no
 * scenario inherits another's keys, sessions or leases) and Baton's own
 * driver processes, told by `BATON_BENCH_PEER` to open the peer's sessions.
 * In the figures, the server takes the broker's place: its CPU is read from
 * /proc/<pid>/stat over the same window, its RSS from /proc/<pid>/status.
 */
export class PeerRig extends DriverRig implements BenchRig, IdleRig {
  /**
   * The errors the drivers had counted when the rig closed, or null: a peer
   * that fails a scenario often says why only to its clients (etcd's "too
   * many requests"), which the workloads count and back off from.
   */
  driverErrors: string | null = null;

  private constructor(
    private readonly server: PeerServer,
    drivers: DriverChild[],
  ) {
    super(drivers, server.endpoint);
  }

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

  /** No server view of a queue is asked for: each driver counts its sessions in one. */
  async queueLength(): Promise<number> {
    const replies = await Promise.all(this.drivers.map((d) => d.ask({ t: 'queued' }, 'queued')));
    return replies.reduce((s, r) => s + r.count, 0);
  }

  /** The server's RSS; it is no V8 process, so it has no heap figure. */
  async sample(): Promise<{ rssBytes: number; heapUsedBytes: number }> {
    const rssBytes = readProcessRssBytes(this.server.pid);
    if (rssBytes === null) throw new Error(`cannot read VmRSS of server pid ${this.server.pid}`);
    return { rssBytes, heapUsedBytes: NaN };
  }

  /** Nothing to ask: Go (etcd) and the JVM (ZooKeeper) collect on their own, Redis frees as it goes. */
  async gc(): Promise<void> {}

  /** The peer's server takes the broker's place in the figures. */
  protected override async serverCpuMs(): Promise<number> {
    return readProcessCpuMs(this.server.pid) ?? NaN;
  }

  async close(): Promise<void> {
    this.driverErrors = await this.errorsSoFar();
    await this.stopDrivers();
    await this.server.stop();
  }

  /** What the drivers' recorders counted since their sessions opened; null if none or no answer. */
  private async errorsSoFar(): Promise<string | null> {
    try {
      const reports = await Promise.all(
        this.drivers.map((d) => d.ask({ t: 'report' }, 'report', ERRORS_REPORT_TIMEOUT_MS)),
      );
      const { errors, firstError } = driverFigures({ reports });
      return errors > 0
        ? `the drivers counted ${fmt(errors)} errors, the first: ${firstError}`
        : null;
    } catch {
      // Drivers already gone (a stalled run's are killed first): nothing more to say.
      return null;
    }
  }
}
