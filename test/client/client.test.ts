import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { connect as connectBrowser } from '../../client/browser.js';
import { connect, type ClientStatus } from '../../client/node.js';
import { BatonError } from '../../shared/errors.js';
import { eventually, startBroker, startClient } from '../helpers/harness.js';

describe('client SDK', () => {
  it('refuses bad calls before sending anything', async () => {
    const broker = await startBroker();
    const client = await startClient(broker.url);
    await expect(client.acquire('')).rejects.toMatchObject({ code: 'INVALID_PATH' });
    await expect(client.acquire('a\ud800')).rejects.toMatchObject({ code: 'INVALID_PATH' });
    await expect(client.acquire('p', { timeoutMs: -1 })).rejects.toMatchObject({
      code: 'INVALID_OPTION',
    });
    await expect(client.acquire('p', { signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: 'ABORTED',
    });
    expect(broker.views.counts().locks).toBe(0);
  });

  it('names the bad property of its options', async () => {
    await expect(connect({ url: 'http://x' })).rejects.toThrow(/url must be a ws:\/\//);
    await expect(connect({ url: 'ws://x', sessionTtlMs: 1.5 })).rejects.toThrow(/sessionTtlMs/);
  });

  it('gives up connecting after connectTimeoutMs with CLOSED', async () => {
    const started = performance.now();
    const err = await connect({ url: 'ws://127.0.0.1:1', connectTimeoutMs: 300 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BatonError);
    expect((err as BatonError).code).toBe('CLOSED');
    expect(performance.now() - started).toBeLessThan(3_000);
  });

  it('rejects calls after close and aborts held leases with reason closed', async () => {
    const broker = await startBroker();
    const client = await startClient(broker.url);
    const statuses: ClientStatus[] = [];
    client.onStatus((s) => statuses.push(s));
    const lease = await client.acquire('p');
    await Promise.all([client.close(), client.close()]);
    expect(lease.signal.reason).toMatchObject({ code: 'LOCK_LOST', reason: 'closed' });
    await expect(client.acquire('q')).rejects.toMatchObject({ code: 'CLOSED' });
    expect(statuses).toEqual([{ state: 'closed' }]);
    expect(broker.views.queue('p').holder).toBeNull();
  });

  it('stays connected while it only sends frames that go unanswered', async () => {
    const broker = await startBroker();
    const holder = await startClient(broker.url);
    // Heartbeat interval 200 ms: the client calls the broker dead after two silent ones.
    const waiter = await startClient(broker.url, { sessionTtlMs: 600 });
    const statuses: ClientStatus[] = [];
    waiter.onStatus((s) => statuses.push(s));
    const controller = new AbortController();
    const waits: Promise<unknown>[] = [];
    for (let i = 0; i < 12; i++) {
      await holder.acquire(`busy/${i}`);
      // A quiet acquire that has to wait is not answered until its grant.
      waits.push(waiter.acquire(`busy/${i}`, { signal: controller.signal }).catch(() => null));
      await new Promise((r) => setTimeout(r, 100));
    }
    controller.abort();
    await Promise.all(waits);
    expect(statuses.map((s) => s.state)).not.toContain('reconnecting');
    await eventually(() => (broker.views.queue('busy/11').queue.length === 0 ? true : undefined));
  });

  it('tells a queued acquire apart from a timed-out one by error code', async () => {
    const broker = await startBroker();
    const [a, b] = [await startClient(broker.url), await startClient(broker.url)];
    await a.acquire('p');
    await expect(b.acquire('p', { timeoutMs: 0 })).rejects.toMatchObject({ code: 'TIMEOUT' });
  });
});

describe('browser entry', () => {
  const globals = globalThis as { WebSocket?: unknown };
  const original = globals.WebSocket;
  afterEach(() => {
    globals.WebSocket = original;
  });

  it('works over a global WebSocket with ArrayBuffer messages', async () => {
    const broker = await startBroker();
    globals.WebSocket = WebSocket;
    const client = await connectBrowser({ url: broker.url });
    try {
      const lease = await client.acquire('from/browser');
      expect(broker.views.queue('from/browser').holder?.token).toBe(lease.token);
      await lease.release();
    } finally {
      await client.close();
    }
  });

  it('says so when there is no global WebSocket', async () => {
    globals.WebSocket = undefined;
    await expect(connectBrowser({ url: 'ws://127.0.0.1:1' })).rejects.toThrow(
      /no global WebSocket/,
    );
  });
});
