/**
 * The broker under test, alone in its own process so that its CPU time and
 * RSS are its own. Forked by the runner; the data dir and the mode (Redis URL,
 * cluster, consistency level) come in the environment, everything else over IPC.
 * With `BATON_BENCH_FLOOR=1` it serves a bare `ws` echo server instead: the
 * transport's own cost, which bounds what any broker on `ws` can do (bench/floor.ts).
 * With `BATON_BENCH_ADMIN=1` it also serves the admin HTTP API (bench/admin-run.ts).
 */
import { WebSocketServer } from 'ws';
import { createBroker, type Broker } from '../server/broker.js';
import type { BrokerCommand, BrokerReply } from './messages.js';

function reply(message: BrokerReply): void {
  process.send?.(message);
}

function sample(): BrokerReply {
  const cpu = process.cpuUsage();
  const mem = process.memoryUsage();
  return {
    t: 'sample',
    rssBytes: mem.rss,
    heapUsedBytes: mem.heapUsed,
    cpuUs: cpu.user + cpu.system,
  };
}

/** The same transport as the broker's gateway, echoing every message: no sessions, no locks. */
function echoServer(): Promise<number> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  wss.on('connection', (ws) => ws.on('message', (data) => ws.send(data as Buffer)));
  return new Promise((resolve) => wss.on('listening', () => resolve(portOf(wss))));
}

function portOf(wss: WebSocketServer): number {
  const address = wss.address();
  return typeof address === 'object' && address !== null ? address.port : 0;
}

async function main(): Promise<void> {
  if (process.env['BATON_BENCH_FLOOR'] === '1') {
    listen(null);
    return reply({ t: 'ready', port: await echoServer() });
  }
  const dataDir = process.env['BATON_BENCH_DATA_DIR'];
  if (!dataDir) throw new Error('BATON_BENCH_DATA_DIR is not set');
  const redisUrl = process.env['BATON_BENCH_REDIS_URL'];
  const consistency = process.env['BATON_BENCH_CONSISTENCY'] === 'strict' ? 'strict' : 'efficient';
  const broker = await createBroker({
    host: '127.0.0.1',
    port: 0,
    dataDir,
    // The bench asks for long TTLs so that heartbeats stay out of the figures.
    defaultSessionTtlMs: 30_000,
    consistency,
    ...(redisUrl && {
      redis: { url: redisUrl, cluster: process.env['BATON_BENCH_REDIS_CLUSTER'] ?? 'bench' },
    }),
  });
  // Alone on a fresh cluster, a Redis-backed broker must lead (it seeds the
  // dataset after 1.5 leases); a standby would only redirect the drivers, and
  // the scenario would measure nothing.
  for (let waited = 0; broker.role !== 'embedded' && broker.role !== 'active'; waited += 50) {
    if (waited > 10_000) throw new Error(`the broker is still ${broker.role}, not active`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const admin = await adminIfAsked(broker);
  listen(broker);
  reply({ t: 'ready', port: broker.port, ...admin });
}

/**
 * Starts the admin server on a free loopback port when the runner asks for it.
 * Imported only then, so the other scenarios' brokers load no prom-client and
 * their RSS and start-up stay as they were.
 */
async function adminIfAsked(broker: Broker): Promise<{ adminPort?: number }> {
  if (process.env['BATON_BENCH_ADMIN'] !== '1') return {};
  const { startAdmin } = await import('../server/admin/admin-server.js');
  const admin = await startAdmin(broker.admin, { host: '127.0.0.1', port: 0 });
  return { adminPort: admin.port };
}

function listen(broker: Broker | null): void {
  process.on('message', (raw) => {
    const m = raw as BrokerCommand;
    switch (m.t) {
      case 'sample':
        return reply(sample());
      case 'queue': {
        // O(queue length), polled a few times a second while a queue forms: fine.
        const view = broker?.view.viewLock(m.path) ?? { holder: null, queue: [] };
        return reply({ t: 'queue', holder: view.holder !== null, waiting: view.queue.length });
      }
      case 'gc':
        // Present only under --expose-gc, which the runner passes.
        (globalThis as { gc?: () => void }).gc?.();
        return reply({ t: 'gc-done' });
      case 'exit':
        // No graceful close: 10,000 close handshakes would only slow the bench
        // down. process.exit still lets --cpu-prof write its profile.
        process.exit(0);
    }
  });
  // An orphaned broker must not outlive the runner.
  process.on('disconnect', () => process.exit(0));
}

main().catch((err: unknown) => {
  reply({ t: 'error', message: err instanceof Error ? err.message : String(err) });
  process.exit(1);
});
