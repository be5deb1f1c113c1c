import { describe, expect, it } from 'vitest';
import { eventually, startBroker, startClient } from '../../helpers/harness.js';
import { byId, RawClient } from '../../helpers/raw-client.js';
import { RedisProcess } from '../../helpers/redis-server.js';

describe('detached sessions across a failover', () => {
  it('a promoted standby gives a session that never comes back maxDetachedMs, not its 10-minute TTL', async () => {
    const server = await RedisProcess.start();
    const redis = { url: server.url, leaderLeaseMs: 500 };
    const limits = { maxDetachedMs: 1_000 };
    const a = await startBroker({ redis, limits });
    await eventually(() => (a.role === 'active' ? true : undefined), 5_000, 'a active');
    const b = await startBroker({ redis, limits });
    expect(b.role).toBe('standby');

    // A holder that will never reconnect, and a worker (both URLs) queued behind it.
    const ghost = await RawClient.session(a.url, 600_000);
    ghost.send({ t: 'acquire', id: 1, path: 'p', wait: true });
    expect(await ghost.next(byId(1))).toMatchObject({ t: 'grant' });
    const worker = await startClient([a.url, b.url], { sessionTtlMs: 600_000 });
    const waiting = worker.acquire('p', { timeoutMs: 20_000 });
    await eventually(() => (b.views.queue('p').queue.length === 1 ? true : undefined), 5_000);

    const start = performance.now();
    await a.close();
    const lease = await waiting;
    // The takeover (a lapsed lease of 500 ms) and the cap (1 s), far from the ghost's 600 s.
    expect(performance.now() - start).toBeLessThan(10_000);
    expect(b.role).toBe('active');
    expect(b.views.hasSession(ghost.sessionId)).toBe(false);
    // The worker came back: its own 10-minute session lives on.
    expect(b.views.session(b.now(), worker.session ?? '')?.expiresInMs).toBeGreaterThan(500_000);
    await lease.release();
  });
});
