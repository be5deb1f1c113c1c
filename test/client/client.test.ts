import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { connect as connectBrowser } from '../../client/browser.js';
import { connect, type ClientStatus } from '../../client/node.js';
import { BatonError } from '../../shared/errors.js';
import { closeFake, fakeClient, fakeSession, sentOf } from '../helpers/fake-session.js';
import { startBroker, startClient } from '../helpers/harness.js';
import { settled } from '../helpers/manual-clock.js';

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
    // Sockets that never open: each dial is given up after its open timeout, and redialled.
    const s = fakeClient({ connectTimeoutMs: 300 });
    const outcome = settled(s.client.start());
    s.clock.advance(299);
    expect(await outcome.now()).toBe('pending');
    s.clock.advance(1);
    const err = await outcome.now();
    expect(err).toBeInstanceOf(BatonError);
    expect((err as BatonError).code).toBe('CLOSED');
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

  it('gives a queued acquire up on its own timeoutMs plus the grace, if the broker is silent', async () => {
    const s = await fakeSession({ timeoutGraceMs: 250 });
    const socket = s.sockets[0]!;
    const outcome = settled(s.client.acquire('p', { timeoutMs: 1_000 }));
    s.clock.advance(1_249);
    expect(await outcome.now()).toBe('pending');
    s.clock.advance(1);
    expect(await outcome.now()).toMatchObject({ code: 'TIMEOUT' });
    // The broker is told to forget it.
    const acquire = sentOf(socket, 'acquire')[0]!;
    expect(sentOf(socket, 'cancel')).toMatchObject([{ target: acquire.id }]);
    await closeFake(s);
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
