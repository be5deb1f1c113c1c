import { describe, expect, it } from 'vitest';
import { eventually, sleep, startBroker, startClient } from '../../helpers/harness.js';
import { RedisProcess } from '../../helpers/redis-server.js';
import { TcpProxy } from '../../helpers/tcp-proxy.js';

const LEASE_MS = 2_000;

describe('a Redis outage longer than the leader lease', () => {
  it('leaves the lead with the active broker, whose grants from memory then reach the log', async () => {
    const server = await RedisProcess.start();
    // The active broker reaches Redis through a proxy, so it can come back after the standby.
    const proxy = await TcpProxy.start(server.port);
    const lease = { leaderLeaseMs: LEASE_MS };
    const a = await startBroker({ redis: { ...lease, url: `redis://127.0.0.1:${proxy.port}` } });
    await eventually(() => (a.role === 'active' ? true : undefined), 10_000, 'a active');
    const b = await startBroker({ redis: { ...lease, url: server.url } });
    const client = await startClient([a.url, b.url]);
    await server.kill('SIGKILL');
    proxy.cut(true);
    // Efficient grants go on from memory while Redis is away.
    for (let i = 0; i < 20; i++) await (await client.acquire(`outage/${i}`)).release();
    const kept = await client.acquire('outage/kept');
    await sleep(1.5 * LEASE_MS);
    // Redis is back for the standby first; the lease key ran out meanwhile.
    await server.restart();
    await sleep(300);
    proxy.cut(false);
    await eventually(
      () => (b.views.queue('outage/kept').holder ? true : undefined),
      10_000,
      'the standby sees the grant made during the outage',
    );
    expect(b.views.queue('outage/kept').holder?.token).toBe(kept.token);
    expect(a.role).toBe('active');
    expect(b.role).toBe('standby');
    expect(kept.signal.aborted).toBe(false);
  });
});
