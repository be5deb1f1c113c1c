import { describe, expect, it } from 'vitest';
import type { ClientStatus } from '../../../client/node.js';
import { LockLostError } from '../../../shared/errors.js';
import { eventually, startBroker, startClient } from '../../helpers/harness.js';

describe('broker admin source', () => {
  it('shows holder, queue, sessions with names and addresses, and counts', async () => {
    const broker = await startBroker();
    const a = await startClient(broker.url, { name: 'alpha' });
    const b = await startClient(broker.url, { name: 'beta' });
    await a.acquire('jobs/1');
    const waiting = b.acquire('jobs/1').catch(() => null);
    await eventually(() => (broker.admin.overview().waiters === 1 ? true : undefined));
    const overview = broker.admin.overview();
    expect(overview).toMatchObject({ role: 'embedded', sessions: 2, connections: 2, locksHeld: 1 });
    const detail = broker.admin.lock('jobs/1', {});
    expect(detail?.holder).toMatchObject({ sessionId: a.session, name: 'alpha' });
    expect(detail?.queue.items).toEqual([
      expect.objectContaining({ position: 1, sessionId: b.session, name: 'beta' }),
    ]);
    const beta = broker.admin.sessions({ prefix: 'beta' }).items;
    expect(beta).toEqual([
      expect.objectContaining({ id: b.session, address: '127.0.0.1', waiting: 1 }),
    ]);
    await b.close();
    await waiting;
  });

  it('force-release fences the evicted holder and records why', async () => {
    const broker = await startBroker();
    const a = await startClient(broker.url);
    const b = await startClient(broker.url);
    const held = await a.acquire('p');
    const next = b.acquire('p');
    await eventually(() => (broker.admin.overview().waiters === 1 ? true : undefined));
    expect(broker.admin.forceRelease('p')).toEqual({ sessionId: a.session, token: held.token });
    const lease = await next;
    expect(lease.token).toBeGreaterThan(held.token);
    await eventually(() => (held.signal.aborted ? true : undefined));
    expect(held.signal.reason).toBeInstanceOf(LockLostError);
    expect((held.signal.reason as LockLostError).reason).toBe('revoked');
    const kinds = broker.admin.history({ path: 'p' }).map((e) => `${e.kind}:${e.reason ?? ''}`);
    expect(kinds).toEqual(['grant:', 'release:forced', 'grant:']);
    expect(broker.admin.counters().releases.forced).toBe(1);
    expect(broker.admin.forceRelease('nothing')).toBeNull();
  });

  it('ends a session: its client learns it expired and its locks go to the next waiter', async () => {
    const broker = await startBroker();
    const a = await startClient(broker.url);
    const b = await startClient(broker.url);
    const statuses: ClientStatus[] = [];
    a.onStatus((s) => statuses.push(s));
    const held = await a.acquire('p');
    const next = b.acquire('p');
    await eventually(() => (broker.admin.overview().waiters === 1 ? true : undefined));
    expect(broker.admin.endSession(a.session ?? '')).toBe(true);
    expect((await next).token).toBeGreaterThan(held.token);
    await eventually(() => statuses.find((s) => s.state === 'session-expired'));
    expect(held.signal.aborted).toBe(true);
    expect(broker.admin.endSession('no-such-session')).toBe(false);
  });

  it('streams fresh history events to listeners in batches', async () => {
    const broker = await startBroker();
    const a = await startClient(broker.url);
    const batches: number[] = [];
    const stop = broker.admin.onHistory((events) => batches.push(events.length));
    for (let i = 0; i < 50; i++) await (await a.acquire(`k/${i}`)).release();
    await eventually(() => (batches.reduce((s, n) => s + n, 0) === 100 ? true : undefined));
    // 100 events in a few batches, not one call per event.
    expect(batches.length).toBeLessThan(20);
    stop();
  });
});
