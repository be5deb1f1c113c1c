import { afterEach, describe, expect, it } from 'vitest';
import { connect as connectBrowser } from '../../client/browser.js';
import { connect, type AcquireOptions, type ClientOptions } from '../../client/node.js';
import { BatonError } from '../../shared/errors.js';
import { closeFake, fakeSession } from '../helpers/fake-session.js';
import { eventually, sleep, startBroker, startClient } from '../helpers/harness.js';

/** What a call rejected with (or threw), or 'resolved'; a synchronous throw is caught too. */
async function failure(call: () => Promise<unknown>): Promise<unknown> {
  try {
    await call();
    return 'resolved';
  } catch (err) {
    return err;
  }
}

/** The code and message of a `BatonError`; anything else fails the test. */
function batonFailure(err: unknown): { code: string; message: string } {
  expect(err).toBeInstanceOf(BatonError);
  const { code, message } = err as BatonError;
  return { code, message };
}

describe('ABORTED', () => {
  it('carries the reason of a signal aborted before the call as its cause', async () => {
    const broker = await startBroker();
    const client = await startClient(broker.url);
    const reason = new Error('shutting down');
    const err = await failure(() => client.acquire('p', { signal: AbortSignal.abort(reason) }));
    expect(batonFailure(err).code).toBe('ABORTED');
    expect((err as BatonError).cause).toBe(reason);
    // With no reason given, the platform's own AbortError is the cause.
    const plain = await failure(() => client.acquire('p', { signal: AbortSignal.abort() }));
    expect((plain as BatonError).cause).toMatchObject({ name: 'AbortError' });
  });

  it('carries the reason of a signal that fires while the acquire waits, and leaves the queue', async () => {
    const broker = await startBroker();
    const [a, b] = [await startClient(broker.url), await startClient(broker.url)];
    await a.acquire('p');
    const controller = new AbortController();
    const waiting = b.acquire('p', { signal: controller.signal });
    await eventually(() => (broker.views.queue('p').queue.length === 1 ? true : undefined));
    const reason = { why: 'user pressed cancel' };
    controller.abort(reason);
    const err = await failure(() => waiting);
    expect(batonFailure(err).code).toBe('ABORTED');
    expect((err as BatonError).cause).toBe(reason);
    await eventually(() => (broker.views.queue('p').queue.length === 0 ? true : undefined));
  });
});

describe('option errors are BatonErrors with INVALID_OPTION, naming the property', () => {
  it('for acquire and tryAcquire, as rejections rather than throws', async () => {
    const s = await fakeSession();
    const bad: [unknown, RegExp][] = [
      [null, /acquire options must be an object/],
      [5, /acquire options must be an object/],
      [{ timeout: 1_000 }, /^timeout is not an acquire option/],
      [{ timeoutMs: 1.5 }, /^timeoutMs must be an integer/],
      [{ timeoutMs: 2 ** 31 }, /^timeoutMs must be an integer from 0 to 2147483647/],
      [{ signal: {} }, /^signal must be an AbortSignal/],
      [{ consistency: 'strong' }, /^consistency must be 'efficient' or 'strict'/],
    ];
    for (const [options, message] of bad) {
      const err = await failure(() => s.client.acquire('p', options as AcquireOptions));
      expect(batonFailure(err), String(options)).toMatchObject({ code: 'INVALID_OPTION', message });
      expect(err, JSON.stringify(options)).toMatchObject({ message });
    }
    const path = await failure(() => s.client.tryAcquire(42 as unknown as string));
    expect(batonFailure(path).code).toBe('INVALID_PATH');
    // Nothing reached the broker.
    expect(s.sockets[0]!.sent.filter((f) => f.t === 'acquire')).toEqual([]);
    await closeFake(s);
  });

  it('for withLock without a function, before any lock is taken', async () => {
    const s = await fakeSession();
    const err = await failure(() => s.client.withLock('p', undefined as unknown as () => void));
    expect(batonFailure(err)).toMatchObject({ code: 'INVALID_OPTION', message: /withLock/ });
    expect(s.sockets[0]!.sent.filter((f) => f.t === 'acquire')).toEqual([]);
    await closeFake(s);
  });

  it('for onStatus without a function, at once', async () => {
    const s = await fakeSession();
    const err = await failure(async () => s.client.onStatus(null as unknown as () => void));
    expect(batonFailure(err)).toMatchObject({ code: 'INVALID_OPTION', message: /onStatus/ });
    await closeFake(s);
  });

  const badClientOptions: [unknown, RegExp][] = [
    [undefined, /client options must be an object/],
    ['ws://127.0.0.1:1', /client options must be an object/],
    [{ url: 5 }, /^url must be a ws:\/\/ or wss:\/\/ URL/],
    [{ url: ['ws://127.0.0.1:1', 7] }, /^url must be a ws:\/\/ or wss:\/\/ URL/],
    [{ url: 'ws://no spaces' }, /^url ws:\/\/no spaces is not a valid URL/],
    [{ url: 'ws://127.0.0.1:99999' }, /is not a valid URL/],
    [{ url: 'ws://127.0.0.1:1/#top' }, /must not have a #fragment/],
    [{ url: 'ws://127.0.0.1:1', sessionTTLMs: 5_000 }, /^sessionTTLMs is not a client option/],
  ];

  it('for connect from Node', async () => {
    for (const [options, message] of badClientOptions) {
      const err = await failure(() => connect(options as ClientOptions));
      expect(batonFailure(err), String(options)).toMatchObject({ code: 'INVALID_OPTION' });
      expect(err, JSON.stringify(options)).toMatchObject({ message });
    }
  });

  it('for connect from a browser', async () => {
    for (const [options, message] of badClientOptions) {
      const err = await failure(() => connectBrowser(options as ClientOptions));
      expect(batonFailure(err), String(options)).toMatchObject({ code: 'INVALID_OPTION' });
      expect(err, JSON.stringify(options)).toMatchObject({ message });
    }
  });
});

describe('other SDK errors', () => {
  const globals = globalThis as { WebSocket?: unknown };
  const original = globals.WebSocket;
  afterEach(() => {
    globals.WebSocket = original;
  });

  it('a browser entry with no WebSocket rejects with CLOSED', async () => {
    globals.WebSocket = undefined;
    const err = await failure(() => connectBrowser({ url: 'ws://127.0.0.1:1' }));
    expect(batonFailure(err)).toMatchObject({ code: 'CLOSED', message: /no global WebSocket/ });
  });

  it('a socket constructor that throws ends as CLOSED after connectTimeoutMs', async () => {
    globals.WebSocket = function NoSocket(): never {
      throw new SyntaxError('the page forbids this socket');
    };
    const err = await failure(() =>
      connectBrowser({ url: 'ws://127.0.0.1:1', connectTimeoutMs: 200 }),
    );
    expect(batonFailure(err)).toMatchObject({
      code: 'CLOSED',
      message: /the page forbids this socket/,
    });
  });

  it('bytes that do not decode reach onStatus as PROTOCOL, and text frames too', async () => {
    const s = await fakeSession({ reconnectMinDelayMs: 1 });
    s.sockets[0]!.deliverBytes(Uint8Array.of(0xc1));
    expect(s.statuses.at(-1)).toMatchObject({ state: 'reconnecting' });
    const first = (s.statuses.at(-1) as { error?: unknown }).error;
    expect(batonFailure(first).code).toBe('PROTOCOL');
    s.clock.advance(10);
    s.sockets[1]!.welcome();
    s.sockets[1]!.onmessage?.({ data: '{"t":"ok"}' });
    const second = (s.statuses.at(-1) as { error?: unknown }).error;
    expect(batonFailure(second).code).toBe('PROTOCOL');
    await closeFake(s);
  });

  it('an acquire with the longest timeoutMs waits rather than timing out at once', async () => {
    // setTimeout fires at once for a delay past 2^31 - 1 ms; the grace must not push it there.
    const broker = await startBroker();
    const [a, b] = [await startClient(broker.url), await startClient(broker.url)];
    const lease = await a.acquire('p');
    const waiting = b.acquire('p', { timeoutMs: 2 ** 31 - 1 });
    let outcome = 'pending';
    waiting.then(
      () => (outcome = 'granted'),
      () => (outcome = 'rejected'),
    );
    await sleep(100);
    expect(outcome).toBe('pending');
    await lease.release();
    await expect(waiting).resolves.toMatchObject({ path: 'p' });
  });
});

describe('withLock', () => {
  it("passes the callback's own error through unchanged, and releases", async () => {
    const broker = await startBroker();
    const client = await startClient(broker.url);
    const own = new RangeError('not a Baton error');
    const err = await failure(() =>
      client.withLock('p', () => {
        throw own;
      }),
    );
    expect(err).toBe(own);
    const thrownValue = await failure(() => client.withLock('p', () => Promise.reject('text')));
    expect(thrownValue).toBe('text');
    await expect(client.tryAcquire('p')).resolves.not.toBeNull();
  });
});
