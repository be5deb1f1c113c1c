import { describe, expect, it } from 'vitest';
import type {
  HistoryEvent,
  LockDetail,
  LockSummary,
  Overview,
  Page,
  SessionDetail,
  SessionSummary,
} from '../../../server/admin/admin-types.js';
import { eventually, startBroker, startClient } from '../../helpers/harness.js';
import { RedisProcess } from '../../helpers/redis-server.js';
import { brokerWithAdmin, call, startAdminFor } from './admin-harness.js';

describe('admin views', () => {
  it('show a held lock with its queue in order, and the sessions by name', async () => {
    const { broker, admin } = await brokerWithAdmin();
    const holder = await startClient(broker.url, { name: 'holder' });
    const first = await startClient(broker.url, { name: 'first' });
    const second = await startClient(broker.url, { name: 'second' });
    const lease = await holder.acquire('orders/1');
    const firstWait = first.acquire('orders/1');
    await eventually(() => (broker.views.queue('orders/1').queue.length === 1 ? true : undefined));
    const secondWait = second.acquire('orders/1');
    await eventually(() => (broker.views.queue('orders/1').queue.length === 2 ? true : undefined));

    const lock = await call<LockDetail>(admin, '/api/lock?path=orders%2F1');
    expect(lock.status).toBe(200);
    expect(lock.body.holder).toMatchObject({
      sessionId: holder.session,
      name: 'holder',
      token: lease.token,
    });
    const queue = lock.body.queue.items.map((w) => [w.position, w.sessionId, w.name]);
    expect(queue).toEqual([
      [1, first.session, 'first'],
      [2, second.session, 'second'],
    ]);
    expect(lock.body.queue.total).toBe(2);
    const grant = lock.body.history.find((e: HistoryEvent) => e.kind === 'grant');
    expect(grant).toMatchObject({
      path: 'orders/1',
      sessionId: holder.session,
      token: lease.token,
    });

    const tail = await call<LockDetail>(admin, '/api/lock?path=orders/1&offset=1&limit=1');
    expect(tail.body.queue.items.map((w) => w.name)).toEqual(['second']);

    const locks = await call<Page<LockSummary>>(admin, '/api/locks');
    expect(locks.body.total).toBe(1);
    expect(locks.body.items[0]).toMatchObject({ path: 'orders/1', waiting: 2 });
    expect(locks.body.items[0]?.holder?.name).toBe('holder');

    const overview = await call<Overview>(admin, '/api/overview');
    expect(overview.body).toMatchObject({
      role: 'embedded',
      epoch: 0,
      url: broker.url,
      sessions: 3,
      connections: 3,
      locksHeld: 1,
      waiters: 2,
      mirror: null,
    });

    const named = await call<Page<SessionSummary>>(admin, '/api/sessions?prefix=sec');
    expect(named.body.items).toHaveLength(1);
    expect(named.body.items[0]).toMatchObject({ id: second.session, held: 0, waiting: 1 });
    expect(named.body.items[0]?.address).toMatch(/127\.0\.0\.1/);
    const detail = await call<SessionDetail>(admin, `/api/session?id=${holder.session}`);
    expect(detail.body.locks).toEqual([
      expect.objectContaining({ path: 'orders/1', token: lease.token }),
    ]);
    expect(detail.body.waits).toEqual([]);

    await lease.release();
    const next = await firstWait;
    await next.release();
    await (await secondWait).release();
    const history = await call<{ events: HistoryEvent[] }>(admin, '/api/history?path=orders/1');
    const grants = history.body.events.filter((e) => e.kind === 'grant').map((e) => e.sessionId);
    expect(grants).toEqual([holder.session, first.session, second.session]);
  });

  it('page and filter by prefix, and answer bad queries with 400 and unknown names with 404', async () => {
    const { broker, admin } = await brokerWithAdmin();
    const owner = await startClient(broker.url, { name: 'worker-owner' });
    const other = await startClient(broker.url, { name: 'worker-other' });
    for (let i = 0; i < 5; i++) expect(await owner.tryAcquire(`a/${i}`)).not.toBeNull();
    for (let i = 0; i < 2; i++) expect(await owner.tryAcquire(`b/${i}`)).not.toBeNull();
    void other.acquire('a/3').catch(() => null);
    await eventually(() => (broker.views.queue('a/3').queue.length === 1 ? true : undefined));

    const first = await call<Page<LockSummary>>(admin, '/api/locks?prefix=a/&sort=path&limit=2');
    expect(first.body).toMatchObject({ total: 5, offset: 0, limit: 2 });
    expect(first.body.items.map((l) => l.path)).toEqual(['a/0', 'a/1']);
    const last = await call<Page<LockSummary>>(admin, '/api/locks?prefix=a/&sort=path&offset=4');
    expect(last.body.items.map((l) => l.path)).toEqual(['a/4']);
    const busiest = await call<Page<LockSummary>>(admin, '/api/locks?sort=queue&limit=1');
    expect(busiest.body.items.map((l) => l.path)).toEqual(['a/3']);
    expect(busiest.body.total).toBe(7);
    const longest = await call<Page<LockSummary>>(admin, '/api/locks?sort=wait&limit=1');
    expect(longest.body.items[0]?.longestWaitMs).toBeGreaterThanOrEqual(0);
    expect(longest.body.items[0]?.path).toBe('a/3');

    const sessions = await call<Page<SessionSummary>>(
      admin,
      '/api/sessions?prefix=worker-&limit=1',
    );
    expect(sessions.body.total).toBe(2);
    expect(sessions.body.items).toHaveLength(1);
    const rest = await call<Page<SessionSummary>>(admin, '/api/sessions?prefix=worker-&offset=1');
    expect(rest.body.items).toHaveLength(1);
    expect(rest.body.items[0]?.id).not.toBe(sessions.body.items[0]?.id);

    for (const bad of [
      '/api/locks?limit=abc',
      '/api/locks?limit=1001',
      '/api/locks?limit=0',
      '/api/locks?offset=-1',
      '/api/locks?sort=size',
      '/api/sessions?offset=1.5',
      '/api/lock',
      '/api/session',
      '/api/history?limit=x',
    ]) {
      const answer = await call(admin, bad);
      expect(answer.status, bad).toBe(400);
      expect(answer.body.error.code, bad).toBe('BAD_REQUEST');
    }
    for (const missing of ['/api/lock?path=never', '/api/session?id=nobody', '/api/nothing']) {
      const answer = await call(admin, missing);
      expect(answer.status, missing).toBe(404);
      expect(answer.body.error.code, missing).toBe('NOT_FOUND');
    }
  });

  it("show the active broker's epoch and mirror, and a standby takes nothing back", async () => {
    const redis = await RedisProcess.start();
    const options = { redis: { url: redis.url, leaderLeaseMs: 500 } };
    const active = await startBroker(options);
    await eventually(() => (active.role === 'active' ? true : undefined), 5_000, 'active');
    const standby = await startBroker(options);
    expect(standby.role).toBe('standby');
    const activeAdmin = await startAdminFor(active);
    const standbyAdmin = await startAdminFor(standby);
    const overview = await call<Overview>(activeAdmin, '/api/overview');
    expect(overview.body.epoch).toBeGreaterThan(0);
    expect(overview.body.mirror).toMatchObject({ backlogEntries: expect.any(Number) });
    // A standby follows the active broker's table; it has nothing to take back.
    const client = await startClient(active.url);
    await client.acquire('kept');
    await eventually(() => (standby.views.queue('kept').holder ? true : undefined));
    const refused = await call(standbyAdmin, '/api/lock/release?path=kept', { method: 'POST' });
    expect(refused.status).toBe(409);
  });
});
