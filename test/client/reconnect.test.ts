import { describe, expect, it } from 'vitest';
import type { ClientStatus } from '../../client/node.js';
import { eventually, freed, sleep, startBroker, startClient } from '../helpers/harness.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';

describe('client reconnect and resume', () => {
  it('resumes the same session after the connection drops, keeping locks and queue places', async () => {
    const broker = await startBroker();
    const proxy = await TcpProxy.start(broker.port);
    const holder = await startClient(broker.url);
    const flaky = await startClient(proxy.url, { sessionTtlMs: 5_000 });
    const statuses: ClientStatus[] = [];
    flaky.onStatus((s) => statuses.push(s));
    const sessionId = flaky.session;

    const held = await flaky.acquire('mine');
    const first = await holder.acquire('shared');
    const waiting = flaky.acquire('shared');
    await eventually(() => (broker.views.queue('shared').queue.length === 1 ? true : undefined));

    proxy.dropAll();
    await eventually(() => statuses.find((s) => s.state === 'reconnecting'));
    // The grant is made while the client is away; it must still reach it.
    await first.release();
    const lease = await waiting;
    expect(flaky.session).toBe(sessionId);
    expect(statuses).toContainEqual({ state: 'connected', sessionId, resumed: true });
    expect(held.signal.aborted).toBe(false);
    expect(broker.views.queue('mine').holder?.token).toBe(held.token);
    expect(broker.views.queue('shared').holder?.token).toBe(lease.token);
    await lease.release();
    await held.release();
    await freed(broker, 'mine');
  });

  it('gives back, once resumed, a lock released while the connection was down', async () => {
    const broker = await startBroker();
    const proxy = await TcpProxy.start(broker.port);
    const client = await startClient(proxy.url, { sessionTtlMs: 10_000 });
    const statuses: ClientStatus[] = [];
    client.onStatus((s) => statuses.push(s));
    const lease = await client.acquire('p');
    proxy.dropAll();
    await eventually(() => statuses.find((s) => s.state === 'reconnecting'));
    await lease.release();
    // Well inside the session TTL: the resume, not an expiry, frees it.
    await freed(broker, 'p');
    expect(statuses.at(-1)).toMatchObject({ state: 'connected', resumed: true });
  });

  it('sends requests made while disconnected once it is back', async () => {
    const broker = await startBroker();
    const proxy = await TcpProxy.start(broker.port);
    const client = await startClient(proxy.url);
    const statuses: ClientStatus[] = [];
    client.onStatus((s) => statuses.push(s));
    proxy.dropAll();
    await eventually(() => statuses.find((s) => s.state === 'reconnecting'));
    const lease = await client.acquire('later', { timeoutMs: 5_000 });
    expect(broker.views.queue('later').holder?.token).toBe(lease.token);
  });

  it('starts a fresh session and reports the loss when the old one expired while away', async () => {
    const broker = await startBroker({ table: { minSessionTtlMs: 100 } });
    const proxy = await TcpProxy.start(broker.port);
    const client = await startClient(proxy.url, {
      sessionTtlMs: 300,
      reconnectMinDelayMs: 1_000,
      reconnectMaxDelayMs: 1_000,
    });
    const statuses: ClientStatus[] = [];
    client.onStatus((s) => statuses.push(s));
    const oldSession = client.session;
    const lease = await client.acquire('p');
    proxy.dropAll();
    // The client gives the lease up before the broker could expire it.
    await eventually(() => (lease.signal.aborted ? true : undefined), 2_000);
    expect(lease.signal.reason).toMatchObject({ code: 'LOCK_LOST', reason: 'lease-expired' });
    await eventually(() => statuses.find((s) => s.state === 'session-expired'), 3_000);
    const fresh = await eventually(
      () => statuses.find((s) => s.state === 'connected' && s.sessionId !== oldSession),
      3_000,
    );
    expect(fresh).toMatchObject({ resumed: false });
    const again = await client.acquire('p', { timeoutMs: 2_000 });
    expect(again.token).toBeGreaterThan(lease.token);
  });

  it('aborts lease.signal before the broker can expire the session', async () => {
    const broker = await startBroker({ table: { minSessionTtlMs: 100 } });
    const proxy = await TcpProxy.start(broker.port);
    const client = await startClient(proxy.url, {
      sessionTtlMs: 400,
      reconnectMinDelayMs: 5_000,
      reconnectMaxDelayMs: 5_000,
    });
    const lease = await client.acquire('p');
    const other = await startClient(broker.url);
    let abortedAt = 0;
    lease.signal.addEventListener('abort', () => (abortedAt = performance.now()));
    proxy.dropAll();
    const next = await other.acquire('p', { timeoutMs: 3_000 });
    const grantedAt = performance.now();
    expect(abortedAt).toBeGreaterThan(0);
    expect(abortedAt).toBeLessThan(grantedAt);
    expect(next.token).toBeGreaterThan(lease.token);
    await sleep(10);
  });

  it('ends the session on close even while reconnecting, when it gets back in time', async () => {
    const broker = await startBroker();
    const proxy = await TcpProxy.start(broker.port);
    const client = await startClient(proxy.url);
    const sessionId = client.session!;
    await client.acquire('p');
    proxy.dropAll();
    await client.close();
    expect(broker.views.hasSession(sessionId)).toBe(false);
    expect(broker.views.queue('p').holder).toBeNull();
  });
});
