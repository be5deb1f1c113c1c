/**
 * The broker under test, alone in its process so that its CPU and RSS are
 * its own; setup in `BATON_BENCH_BROKER`, the rest over IPC. With a
 * `standIn`, a bare `ws` echo server (scenario T) or the floor lock server
 * (bench/floor/) instead.
 */
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { createBroker, type Broker } from '../../server/broker.js';
import { FloorLog } from '../floor/redis-log.js';
import { startFloorServer, type FloorServer } from '../floor/server.js';
import type { BrokerCommand, BrokerReply, BrokerSetup } from './broker.js';
import { LINGER_MS, TICK_MS } from './config.js';
import { brokerAuth } from './security.js';
import { waitFor } from './time.js';

function reply(message: BrokerReply): void {
  process.send?.(message);
}

/**
 * The one place the bench builds a broker from options, so that a change of
 * the broker's options needs one edit here. The long session TTL keeps
 * heartbeats out of the figures.
 */
function createBenchBroker(setup: BrokerSetup): Promise<Broker> {
  return createBroker({
    dataDir: setup.dataDir,
    transport: { host: '127.0.0.1', port: 0, ...(setup.tls && { tls: setup.tls }) },
    table: { defaultSessionTtlMs: 30_000, consistency: setup.consistency },
    // Every driver connects from 127.0.0.1: the per-address quotas and the
    // hello burst would count the bench's 10,000 sessions as one host's.
    limits: {
      maxSessionsPerOwner: 100_000,
      maxConnectionsPerAddress: 100_000,
      helloBurst: 100_000,
    },
    ...(setup.redis && {
      redis: { ...setup.redis, ...(LINGER_MS !== null && { appendLingerMs: LINGER_MS }) },
    }),
    ...(setup.authFile !== null && brokerAuth(setup.authFile)),
  });
}

function echoServer(): Promise<number> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  wss.on('connection', (ws) => ws.on('message', (data) => ws.send(data as Buffer)));
  return new Promise((resolve) =>
    wss.on('listening', () => resolve((wss.address() as AddressInfo).port)),
  );
}

async function main(): Promise<void> {
  const setup = JSON.parse(process.env['BATON_BENCH_BROKER'] ?? '') as BrokerSetup;
  if (TICK_MS !== null) setInterval(() => {}, TICK_MS).unref();
  if (setup.standIn === 'echo') {
    listen(null);
    return reply({ t: 'ready', port: await echoServer(), adminPort: null });
  }
  if (setup.standIn === 'floor') {
    const log =
      setup.redis &&
      (await FloorLog.open(
        { ...setup.redis, consistency: setup.consistency, lingerMs: LINGER_MS },
        fail,
      ));
    const floor = await startFloorServer(log);
    listen(floor);
    return reply({ t: 'ready', port: floor.port, adminPort: null });
  }
  const broker = await createBenchBroker(setup);
  // Alone on a fresh cluster, a Redis-backed broker must lead (it seeds the
  // dataset after 1.5 leases); a standby would only redirect the drivers.
  const leads = (): true | null => (['embedded', 'active'].includes(broker.role) ? true : null);
  await waitFor(leads, performance.now() + 10_000, 50, () => `the broker is still ${broker.role}`);
  // Imported only when asked for, so the other scenarios' brokers load no
  // prom-client and their RSS and start-up stay as they were.
  let adminPort: number | null = null;
  if (setup.admin) {
    const { startAdmin } = await import('../../server/admin/admin-server.js');
    adminPort = (await startAdmin(broker.admin, { host: '127.0.0.1', port: 0 })).port;
  }
  listen(broker);
  reply({ t: 'ready', port: broker.port, adminPort });
}

function queueOf(server: Broker | FloorServer | null, path: string) {
  if (server === null) return { holders: 0, waiting: 0 };
  if (!('views' in server)) return server.queue(path);
  const view = server.views.queue(path);
  return { holders: view.holders.length, waiting: view.queue.length };
}

function listen(server: Broker | FloorServer | null): void {
  const broker = server && 'views' in server ? server : null;
  process.on('message', (raw) => {
    const m = raw as BrokerCommand;
    switch (m.t) {
      case 'sample': {
        const cpu = process.cpuUsage();
        const mem = process.memoryUsage();
        const lag = broker?.mirrorStatus?.lag;
        return reply({
          t: 'sample',
          rssBytes: mem.rss,
          heapUsedBytes: mem.heapUsed,
          cpuUs: cpu.user + cpu.system,
          mirrorLag: lag ? { p50: lag.p50, p99: lag.p99 } : null,
        });
      }
      case 'queue':
        return reply({ t: 'queue', ...queueOf(server, m.path) });
      case 'gc':
        // Present only under --expose-gc, which the runner passes for E and T.
        (globalThis as { gc?: () => void }).gc?.();
        return reply({ t: 'gc-done' });
      case 'exit':
        // No graceful close: 10,000 close handshakes would only slow the run.
        // process.exit still lets --cpu-prof write its profile.
        process.exit(0);
    }
  });
  // An orphaned broker must not outlive the runner.
  process.on('disconnect', () => process.exit(0));
}

/** Tells the runner why this process stops, and stops it. */
function fail(err: unknown): void {
  reply({ t: 'error', message: err instanceof Error ? err.message : String(err) });
  process.exit(1);
}

main().catch(fail);
