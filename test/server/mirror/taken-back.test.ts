import { describe, expect, it, onTestFinished } from 'vitest';
import { eventually, startBroker, startClient } from '../../helpers/harness.js';
import { RedisProcess } from '../../helpers/redis-server.js';

describe('a grant taken back before it could be sent', () => {
  it('fails the waiting acquire with LOCK_LOST instead of leaving it hanging', async () => {
    const server = await RedisProcess.start();
    const broker = await startBroker({ redis: { url: server.url, leaderLeaseMs: 5_000 } });
    // A first broker on an empty Redis seeds the dataset after one and a half leases.
    await eventually(() => (broker.role === 'active' ? true : undefined), 10_000, 'active');
    const a = await startClient(broker.url);
    const b = await startClient(broker.url);
    const held = await a.acquire('p', { consistency: 'strict' });
    const waiting = b.acquire('p', { consistency: 'strict' }).then(
      () => 'granted',
      (err: { code?: string }) => err.code,
    );
    await eventually(() => (broker.admin.overview().waiters === 1 ? true : undefined));
    // Redis stalls: b's grant is made in the table but waits to be durable.
    await server.kill('SIGSTOP');
    onTestFinished(() => server.kill('SIGCONT'));
    await held.release();
    await eventually(() =>
      broker.admin.lock('p', {})?.holder?.sessionId === b.session ? true : undefined,
    );
    expect(broker.admin.forceRelease('p')).toMatchObject({ sessionId: b.session });
    await server.kill('SIGCONT');
    expect(await waiting).toBe('LOCK_LOST');
  });
});
