import { describe, expect, it } from 'vitest';
import { BatonError } from '../../shared/errors.js';
import { PROTOCOL_VERSION } from '../../shared/protocol.js';
import { eventually, freed, sleep, startBroker, startClient } from '../helpers/harness.js';
import { byId, RawClient } from '../helpers/raw-client.js';

describe('broker with SDK clients', () => {
  it('grants one holder at a time and serves waiters in arrival order', async () => {
    const broker = await startBroker();
    const clients = await Promise.all(Array.from({ length: 5 }, () => startClient(broker.url)));
    const first = await clients[0]!.acquire('orders/42');
    const order: number[] = [];
    const waits = clients.slice(1).map(async (c, i) => {
      // Stagger so the broker sees the acquires in index order.
      await sleep(i * 20);
      const lease = await c.acquire('orders/42');
      order.push(i + 1);
      expect(broker.views.queue('orders/42').holder?.token).toBe(lease.token);
      await sleep(5);
      await lease.release();
      return lease.token;
    });
    await eventually(() => (broker.views.queue('orders/42').queue.length === 4 ? true : undefined));
    await first.release();
    const tokens = await Promise.all(waits);
    expect(order).toEqual([1, 2, 3, 4]);
    expect(tokens.every((t) => t > first.token)).toBe(true);
    expect([...tokens].sort((a, b) => a - b)).toEqual(tokens);
  });

  it('makes two acquires of one path from one client exclude each other', async () => {
    const broker = await startBroker();
    const client = await startClient(broker.url);
    const a = await client.acquire('jobs/x');
    let second = false;
    const b = client.acquire('jobs/x').then((lease) => ((second = true), lease));
    await sleep(50);
    expect(second).toBe(false);
    await a.release();
    const lease = await b;
    expect(lease.token).toBeGreaterThan(a.token);
    await lease.release();
  });

  it('answers tryAcquire at once and never queues it', async () => {
    const broker = await startBroker();
    const [a, b] = [await startClient(broker.url), await startClient(broker.url)];
    const lease = await a.acquire('p');
    expect(await b.tryAcquire('p')).toBeNull();
    expect(broker.views.queue('p').queue).toEqual([]);
    await lease.release();
    const got = await b.tryAcquire('p');
    expect(got?.token).toBeGreaterThan(lease.token);
  });

  it('pushes the grant to the next waiter as soon as the holder releases', async () => {
    const broker = await startBroker();
    const [a, b] = [await startClient(broker.url), await startClient(broker.url)];
    const lease = await a.acquire('p');
    const waiting = b.acquire('p');
    await eventually(() => (broker.views.queue('p').queue.length === 1 ? true : undefined));
    const released = performance.now();
    await lease.release();
    await waiting;
    // Generous: a push arrives in well under a millisecond on loopback; polling would not.
    expect(performance.now() - released).toBeLessThan(500);
  });

  it('times out an acquire and removes its waiter', async () => {
    const broker = await startBroker();
    const [a, b] = [await startClient(broker.url), await startClient(broker.url)];
    const lease = await a.acquire('p');
    const err = await b.acquire('p', { timeoutMs: 100 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BatonError);
    expect((err as BatonError).code).toBe('TIMEOUT');
    expect(broker.views.queue('p').queue).toEqual([]);
    await lease.release();
    await freed(broker, 'p');
  });

  it('withdraws an aborted acquire, which is never granted', async () => {
    const broker = await startBroker();
    const [a, b] = [await startClient(broker.url), await startClient(broker.url)];
    const lease = await a.acquire('p');
    const controller = new AbortController();
    const pending = b.acquire('p', { signal: controller.signal });
    await eventually(() => (broker.views.queue('p').queue.length === 1 ? true : undefined));
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'ABORTED' });
    await eventually(() => (broker.views.queue('p').queue.length === 0 ? true : undefined));
    await lease.release();
    await freed(broker, 'p');
  });

  it('releases a grant that raced with a cancel instead of leaking it', async () => {
    const broker = await startBroker();
    const [a, b] = [await startClient(broker.url), await startClient(broker.url)];
    for (let i = 0; i < 20; i++) {
      const lease = await a.acquire('race');
      const controller = new AbortController();
      const pending = b.acquire('race', { signal: controller.signal }).catch(() => null);
      await eventually(() => (broker.views.queue('race').queue.length === 1 ? true : undefined));
      // The release and the abort cross on the wire.
      void lease.release();
      controller.abort();
      const got = await pending;
      if (got) await got.release();
      await eventually(
        () => (broker.views.queue('race').holder === null ? true : undefined),
        2_000,
        'the raced lock to be free',
      );
    }
  });

  it('releases on throw in withLock', async () => {
    const broker = await startBroker();
    const client = await startClient(broker.url);
    await expect(
      client.withLock('p', async (lease) => {
        expect(broker.views.queue('p').holder?.token).toBe(lease.token);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await freed(broker, 'p');
  });

  it('refuses a release by a non-holder or with a stale token, and changes nothing', async () => {
    const broker = await startBroker();
    const holder = await RawClient.session(broker.url);
    const other = await RawClient.session(broker.url);
    holder.send({ t: 'acquire', id: 1, path: 'p', wait: true });
    const grant = await holder.next((f) => f.t === 'grant');
    if (grant.t !== 'grant') throw new Error('expected a grant');
    other.send({ t: 'release', id: 1, path: 'p', token: grant.token });
    expect(await other.next(byId(1))).toMatchObject({ t: 'error', code: 'NOT_HOLDER' });
    holder.send({ t: 'release', id: 2, path: 'p', token: grant.token - 1 });
    expect(await holder.next(byId(2))).toMatchObject({ t: 'error', code: 'NOT_HOLDER' });
    expect(broker.views.queue('p').holder?.token).toBe(grant.token);
    holder.send({ t: 'release', id: 3, path: 'p', token: grant.token });
    expect(await holder.next(byId(3))).toMatchObject({ t: 'ok' });
    // Releasing twice: an error for the request, nothing else moves.
    holder.send({ t: 'release', id: 4, path: 'p', token: grant.token });
    expect(await holder.next(byId(4))).toMatchObject({ t: 'error', code: 'NOT_HOLDER' });
    expect(broker.views.queue('p').holder).toBeNull();
  });

  it('makes lease.release() idempotent in the SDK', async () => {
    const broker = await startBroker();
    const client = await startClient(broker.url);
    const lease = await client.acquire('p');
    await Promise.all([lease.release(), lease.release()]);
    await lease.release();
    expect(lease.released).toBe(true);
    await freed(broker, 'p');
    // Given back once: a second release would reach the broker as a stale one.
    const next = await client.acquire('p');
    expect(next.token).toBeGreaterThan(lease.token);
  });

  it('answers a quiet release only when it fails, and a quiet acquire only with its grant', async () => {
    const broker = await startBroker();
    const holder = await RawClient.session(broker.url);
    const waiter = await RawClient.session(broker.url);
    holder.send({ t: 'acquire', id: 1, path: 'p', wait: true, quiet: true });
    const grant = await holder.next(byId(1));
    if (grant.t !== 'grant') throw new Error(`expected a grant, got ${grant.t}`);
    waiter.send({ t: 'acquire', id: 1, path: 'p', wait: true, quiet: true });
    await eventually(() => (broker.views.queue('p').queue.length === 1 ? true : undefined));
    holder.send({ t: 'release', id: 2, path: 'p', token: grant.token, quiet: true });
    holder.send({ t: 'release', id: 3, path: 'p', token: grant.token, quiet: true });
    holder.send({ t: 'hb', id: 4 });
    // Frames of one session leave in order: the heartbeat's ok follows whatever 2 and 3 got.
    await holder.next(byId(4));
    expect(holder.frames.map((f) => f.t)).toEqual(['error']);
    expect(await holder.next(byId(3))).toMatchObject({ t: 'error', code: 'NOT_HOLDER' });
    // The waiter got its grant and nothing before it.
    expect(await waiter.next(() => true)).toMatchObject({ t: 'grant', id: 1 });
  });

  it('answers a retried acquire with the first attempt’s outcome, not a second waiter', async () => {
    const broker = await startBroker();
    const holder = await startClient(broker.url);
    const lease = await holder.acquire('p');
    const raw = await RawClient.session(broker.url);
    raw.send({ t: 'acquire', id: 7, path: 'p', wait: true });
    expect(await raw.next(byId(7))).toMatchObject({ t: 'queued', position: 1 });
    raw.send({ t: 'acquire', id: 7, path: 'p', wait: true });
    expect(await raw.next(byId(7))).toMatchObject({ t: 'queued' });
    expect(broker.views.queue('p').queue).toHaveLength(1);
    await lease.release();
    const grant = await raw.next((f) => f.t === 'grant');
    raw.send({ t: 'acquire', id: 7, path: 'p', wait: true });
    expect(await raw.next(byId(7))).toEqual(grant);
  });

  it('ends the session on close: held locks go to the next waiter', async () => {
    const broker = await startBroker();
    const [a, b] = [await startClient(broker.url), await startClient(broker.url)];
    await a.acquire('p');
    const q = await b.acquire('q');
    const waiting = a.acquire('q', {}).catch((e: unknown) => e);
    await eventually(() => (broker.views.queue('q').queue.length === 1 ? true : undefined));
    const next = b.acquire('p');
    await a.close();
    expect(await waiting).toMatchObject({ code: 'CLOSED' });
    expect((await next).path).toBe('p');
    expect(broker.views.hasSession(a.session!)).toBe(false);
    expect(broker.views.queue('q')).toEqual({
      holder: expect.objectContaining({ token: q.token }),
      holders: [expect.objectContaining({ token: q.token })],
      queue: [],
    });
  });

  it('expires a silent session within TTL + 1 s and grants its lock to the next waiter', async () => {
    const broker = await startBroker();
    const silent = await RawClient.open(broker.url);
    silent.send({ t: 'hello', v: PROTOCOL_VERSION, ttlMs: 500 });
    await silent.next((f) => f.t === 'welcome');
    silent.send({ t: 'acquire', id: 1, path: 'p', wait: true });
    await silent.next((f) => f.t === 'grant');
    const lastHeard = performance.now();
    const waiter = await startClient(broker.url);
    const lease = await waiter.acquire('p', { timeoutMs: 5_000 });
    const waited = performance.now() - lastHeard;
    expect(waited).toBeGreaterThanOrEqual(450);
    expect(waited).toBeLessThan(500 + 1_000);
    expect(lease.path).toBe('p');
    // The broker closes the expired session's socket with a reason.
    expect(await silent.closed()).toMatchObject({ code: 4000 });
  });

  it('keeps a session whose client heartbeats alive well past its TTL', async () => {
    const broker = await startBroker();
    // A TTL a loaded two-core machine can keep: a 300 ms one lapsed on a 200 ms event-loop stall.
    const client = await startClient(broker.url, { sessionTtlMs: 1_000 });
    const lease = await client.acquire('p');
    await sleep(3_000);
    expect(lease.signal.aborted).toBe(false);
    expect(broker.views.queue('p').holder?.token).toBe(lease.token);
  });
});
