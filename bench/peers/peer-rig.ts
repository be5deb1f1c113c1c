import { BenchChild } from '../bench-child.js';
import { DriverRig } from '../driver-rig.js';
import { profileArgs, type DriverChild } from '../drivers.js';
import { readProcessCpuMs } from '../machine-load.js';
import type { BenchRig, Target } from '../rig.js';
import type { PeerName } from './peer-config.js';
import { startPeerServer, type PeerServer } from './servers.js';

/**
 * One scenario's processes for a peer: a fresh server of the peer (so no
 * scenario inherits another's keys, sessions or leases) and Baton's own
 * driver processes, told by `BATON_BENCH_PEER` to open the peer's sessions.
 * In the figures, the server takes the broker's place: its CPU is read from
 * /proc/<pid>/stat over the same window.
 */
export class PeerRig extends DriverRig implements BenchRig {
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

  /** The peer's server takes the broker's place in the figures. */
  protected override async serverCpuMs(): Promise<number> {
    return readProcessCpuMs(this.server.pid) ?? NaN;
  }

  async close(): Promise<void> {
    await this.stopDrivers();
    await this.server.stop();
  }
}

export function peerTarget(peer: PeerName): Target {
  return { name: peer, start: (o) => PeerRig.start(peer, o.drivers) };
}
