import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { connect as connectBrowser } from '../../client/browser.js';
import { resolveClientOptions } from '../../client/client-options.js';
import type { ClientStatus } from '../../client/client.js';
import { BatonError, InvalidOptionError } from '../../shared/errors.js';
import { eventually, startBroker, startClient } from '../helpers/harness.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { authFile, BILLING, REPORTS } from '../server/auth/auth-harness.js';

describe('the authToken option', () => {
  it('is one printable word of at most 512 characters', () => {
    const url = 'ws://127.0.0.1:1';
    expect(resolveClientOptions({ url, authToken: 'a'.repeat(512) }).authToken).toHaveLength(512);
    for (const bad of ['', 'two words', 'x'.repeat(513), 'new\nline', 7, 'é']) {
      expect(() => resolveClientOptions({ url, authToken: bad as string }), String(bad)).toThrow(
        InvalidOptionError,
      );
    }
  });
});

describe('a client of a broker with an auth file', () => {
  const globals = globalThis as { WebSocket?: unknown };
  const original = globals.WebSocket;
  afterEach(() => {
    globals.WebSocket = original;
  });

  it('sends the token in the hello from the browser entry, which cannot set headers', async () => {
    const broker = await startBroker({ auth: { file: authFile([BILLING]).file } });
    globals.WebSocket = WebSocket;
    const client = await connectBrowser({ url: broker.url, authToken: BILLING.token });
    try {
      await (await client.acquire('billing/from-browser')).release();
      const err = await client.acquire('elsewhere').catch((e: unknown) => e);
      expect((err as BatonError).code).toBe('FORBIDDEN');
    } finally {
      await client.close();
    }
    const refused = await connectBrowser({ url: broker.url }).catch((e: unknown) => e);
    expect((refused as BatonError).code).toBe('UNAUTHENTICATED');
  });

  it('closes, with UNAUTHENTICATED, when its principal is gone by the time it reconnects', async () => {
    const auth = authFile([BILLING, REPORTS]);
    const broker = await startBroker({ auth: { file: auth.file } });
    const proxy = await TcpProxy.start(broker.port);
    const client = await startClient(proxy.url, { authToken: REPORTS.token });
    const statuses: ClientStatus[] = [];
    client.onStatus((s) => statuses.push(s));
    const lease = await client.acquire('reports/1');
    const pending = client.acquire('reports/1').catch((e: unknown) => e);

    auth.write([BILLING]);
    expect(broker.reloadAuth().ok).toBe(true);
    proxy.dropAll();
    const closed = await eventually(() => statuses.find((s) => s.state === 'closed'));
    expect(closed.state === 'closed' && closed.error?.code).toBe('UNAUTHENTICATED');
    expect(((await pending) as BatonError).code).toBe('UNAUTHENTICATED');
    expect(lease.signal.aborted).toBe(true);
    const refusals = broker.traffic.errors.UNAUTHENTICATED;
    await new Promise((r) => setTimeout(r, 300));
    expect(broker.traffic.errors.UNAUTHENTICATED).toBe(refusals);
  });
});
